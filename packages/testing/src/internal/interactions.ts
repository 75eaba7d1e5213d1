import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { SandboxFaults } from '../sandbox-faults.js';
import type { ResolvedSandboxUser } from '../sandbox-user.js';
import { escapeHtml } from './authorization-server.js';
import { readBody, sendHtml } from './http-util.js';

/**
 * The sandbox's login and consent pages (`/interaction/:uid`). oidc-provider redirects the
 * browser here when it needs the user; the forms post back and we finish the interaction with
 * oidc-provider's own API. The markup carries `data-sandbox-form` so `approve()` — or a person
 * in a real browser — can fill the forms in.
 */
export class Interactions {
  readonly #provider: Provider;
  readonly #faults: SandboxFaults;
  readonly #userByLogin: (login: string) => ResolvedSandboxUser | undefined;

  constructor(provider: Provider, faults: SandboxFaults, userByLogin: (login: string) => ResolvedSandboxUser | undefined) {
    this.#provider = provider;
    this.#faults = faults;
    this.#userByLogin = userByLogin;
  }

  /** Handles `/interaction/:uid[/login|/confirm|/abort]`; answers 404 for anything else. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(pathname);
    if (!m) return sendHtml(res, 404, page('Not found', '<p>No such interaction page.</p>'));
    const [, uid, action] = m as unknown as [string, string, string | undefined];
    try {
      if (action === undefined && req.method === 'GET') return await this.#show(req, res, uid);
      if (action !== undefined && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        if (action === 'login') return await this.#login(req, res, uid, form);
        if (action === 'confirm') return await this.#confirm(req, res, form);
        return await this.#abort(req, res);
      }
      return sendHtml(res, 405, page('Method not allowed', '<p>Use the form on this page.</p>'));
    } catch (err) {
      // SessionNotFound and friends: the interaction cookie is missing or the interaction expired.
      const name = err instanceof Error ? err.name : 'Error';
      const message = err instanceof Error ? err.message : String(err);
      return sendHtml(res, 400, page('Interaction failed', `<p data-error-field="error">${escapeHtml(name)}: ${escapeHtml(message)}</p>`));
    }
  }

  async #show(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const details = await this.#provider.interactionDetails(req, res);
    if (details.uid !== uid)
      return sendHtml(res, 400, page('Interaction mismatch', '<p>This page belongs to another sign-in. Start again.</p>'));
    const clientId = String(details.params.client_id ?? '');
    if (details.prompt.name === 'login') {
      return sendHtml(res, 200, loginPage(uid, clientId));
    }
    const requested = scopeList(details.params.scope);
    return sendHtml(res, 200, consentPage(uid, clientId, requested, this.#faults.droppedScopes));
  }

  async #login(req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams): Promise<void> {
    const login = form.get('login') ?? '';
    const user = this.#userByLogin(login);
    if (!user) {
      const details = await this.#provider.interactionDetails(req, res);
      return sendHtml(res, 200, loginPage(uid, String(details.params.client_id ?? ''), `Unknown user "${login}".`));
    }
    await this.#provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  async #confirm(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): Promise<void> {
    const details = await this.#provider.interactionDetails(req, res);
    const accountId = details.session?.accountId;
    if (!accountId) return sendHtml(res, 400, page('Not signed in', '<p>Sign in before granting access.</p>'));
    const requested = scopeList(details.params.scope);
    const ticked = new Set(form.getAll('scope'));
    const dropped = new Set(this.#faults.droppedScopes);
    const granted = requested.filter((s) => ticked.has(s) && !dropped.has(s));
    const refused = requested.filter((s) => !granted.includes(s));
    // A fresh grant per consent (like a provider's consent screen answering prompt=consent): it
    // holds exactly what was ticked; the refused scopes are recorded so oidc-provider does not
    // ask again for them.
    const grant = new this.#provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (granted.length) grant.addOIDCScope(granted.join(' '));
    if (refused.length) grant.rejectOIDCScope(refused.join(' '));
    const grantId = await grant.save();
    await this.#provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async #abort(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.#provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user denied the request.' },
      { mergeWithLastSubmission: false },
    );
  }
}

function scopeList(scope: unknown): string[] {
  return typeof scope === 'string' ? [...new Set(scope.split(' ').filter(Boolean))] : [];
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

function loginPage(uid: string, clientId: string, error?: string): string {
  return page(
    'Sign in to the Alter sandbox',
    `<p>Application <code>${escapeHtml(clientId)}</code> wants you to sign in.</p>` +
      (error ? `<p data-error-field="login">${escapeHtml(error)}</p>` : '') +
      `<form method="post" action="/interaction/${escapeHtml(uid)}/login" data-sandbox-form="login">` +
      '<label>Login <input name="login" autofocus></label> <button type="submit">Sign in</button></form>',
  );
}

function consentPage(uid: string, clientId: string, requested: readonly string[], dropped: readonly string[]): string {
  const boxes = requested
    .map(
      (s) =>
        `<li><label><input type="checkbox" name="scope" value="${escapeHtml(s)}"${dropped.includes(s) ? '' : ' checked'}> ${escapeHtml(s)}</label></li>`,
    )
    .join('');
  return page(
    'Grant access',
    `<p>Application <code>${escapeHtml(clientId)}</code> asks for:</p>` +
      `<form method="post" action="/interaction/${escapeHtml(uid)}/confirm" data-sandbox-form="consent"><ul>${boxes}</ul><button type="submit">Allow</button></form>` +
      `<form method="post" action="/interaction/${escapeHtml(uid)}/abort" data-sandbox-form="deny"><button type="submit">Deny</button></form>`,
  );
}
