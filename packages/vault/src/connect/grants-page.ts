/**
 * The end user's grants page, served by Connect's handler beside the Connect links:
 *
 *   GET  <base>/connect/grants/:id   the interstitial (first visit), then the list of grants
 *   POST <base>/connect/grants/:id   `action=confirm` binds the link to this browser;
 *                                    `action=disconnect&grant=…` revokes one grant (upstream too)
 *
 * A grants link (`vault.connect.createGrantsLink({ user })`) is bound exactly like a `confirm`
 * Connect link: a forwarded link shows nothing to a second browser, every POST carries a CSRF token
 * derived from the browser's HttpOnly secret, and with a signed-in-user hook installed
 * (`vault.connect.useBrowserUser`, which AlterAuthProvider installs) the page opens only in a
 * browser signed in as the link's user. A disconnect revokes only a grant of that user.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RevokeGrantResult } from '../upstream-revocation.js';
import {
  bindingHash,
  browserUserRefusal,
  confirmToken,
  ensureBrowserSecret,
  isBoundBrowser,
  isValidConfirmToken,
  readBrowserSecret,
} from './browser-binding.js';
import type { ConnectDeps } from './connect-deps.js';
import { type ConnectPage, PAGES, sendPage, sendRedirect } from './connect-pages.js';
import { shortId } from './connect-session-store.js';
import type { BrowserUserCheck } from './connect-http-handler.js';
import { readForm } from './connect-http-handler.js';
import {
  GRANTS_LINK_KV_NAMESPACE,
  type GrantsLinkRecord,
  grantsLinkKvExpiry,
  isGrantsLinkExpired,
  parseGrantsLink,
} from './grants-link-record.js';
import { type DisconnectOutcome, type GrantRow, sendGrantsInterstitial, sendGrantsPage } from './grants-page-html.js';

const LINK_ID = /^[A-Za-z0-9_-]{20,64}$/;
/** The CSRF tokens of the page are bound to this purpose, so a Connect confirmation token never fits. */
const csrfScope = (id: string) => `grants:${id}`;

const GRANTS_PAGES = {
  unknown: {
    status: 404,
    title: 'Link not found',
    message: 'This link is unknown or has expired and been cleaned up. Ask the app for a new one.',
    code: 'unknown_grants_link',
  },
  expired: {
    status: 400,
    title: 'Link expired',
    message: 'This link has expired. Ask the app for a new one.',
    code: 'grants_link_expired',
  },
  notYours: {
    status: 404,
    title: 'Not found',
    message: "That connection is not one of this page's; nothing was changed.",
    code: 'grant_not_found',
  },
} satisfies Record<string, ConnectPage>;

/** What the page needs from the vault: the user's grants as rows, and revoking one. */
export interface GrantsPageDeps {
  readonly deps: ConnectDeps;
  readonly browserUser: () => BrowserUserCheck | undefined;
}

export class GrantsPageHandler {
  readonly #deps: ConnectDeps;
  readonly #browserUser: () => BrowserUserCheck | undefined;

  constructor(parts: GrantsPageDeps) {
    this.#deps = parts.deps;
    this.#browserUser = parts.browserUser;
  }

  async handle(req: IncomingMessage, id: string, res: ServerResponse): Promise<void> {
    const record = await this.#load(id);
    if (!record) return sendPage(res, GRANTS_PAGES.unknown);
    if (isGrantsLinkExpired(record)) return sendPage(res, GRANTS_PAGES.expired);
    const refusal = await this.#signedInRefusal(req, record);
    if (refusal) return sendPage(res, refusal);
    const secret = readBrowserSecret(req, record.id);
    if (req.method === 'POST') return this.#post(req, record, secret, res);
    if (record.binding === undefined) return this.#interstitial(res, record, secret);
    if (!isBoundBrowser(record, secret)) return this.#wrongBrowser(res, record);
    return this.#page(res, record, secret!);
  }

  async #post(req: IncomingMessage, record: GrantsLinkRecord, secret: string | undefined, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    if (!form || !isValidConfirmToken(csrfScope(record.id), secret, form.get('csrf'))) {
      this.#deps.logger.warn('connect: grants page form refused (CSRF)', { link: shortId(record.id) });
      return sendPage(res, PAGES.csrf);
    }
    const action = form.get('action');
    if (action === 'confirm') {
      const bound = await this.#bind(record, secret!);
      if (!bound) return this.#wrongBrowser(res, record);
      this.#deps.logger.info('connect: grants link confirmed in a browser', { link: shortId(record.id), user: record.user });
      return sendRedirect(res, `${record.baseUrl}/connect/grants/${record.id}`, 303);
    }
    if (action !== 'disconnect') return sendPage(res, PAGES.csrf);
    if (!isBoundBrowser(record, secret)) return this.#wrongBrowser(res, record);
    const grantId = form.get('grant') ?? '';
    const revoke = this.#deps.revokeGrantOfUser;
    if (revoke === undefined) throw new Error('grants page: the vault did not provide revokeGrantOfUser');
    const result = await revoke(record.user, grantId);
    if (result === undefined) return sendPage(res, GRANTS_PAGES.notYours);
    const outcome = outcomeOf(result, this.#deps);
    this.#deps.logger.info('connect: grant disconnected from the grants page', {
      link: shortId(record.id),
      user: record.user,
      upstream: outcome?.upstream ?? 'skipped',
    });
    return this.#page(res, record, secret!, outcome);
  }

  async #page(res: ServerResponse, record: GrantsLinkRecord, secret: string, outcome?: DisconnectOutcome): Promise<void> {
    const rows = this.#deps.grantRowsOfUser;
    if (rows === undefined) throw new Error('grants page: the vault did not provide grantRowsOfUser');
    sendGrantsPage(res, {
      app: this.#deps.caller,
      user: record.user,
      grants: await rows(record.user),
      csrf: confirmToken(csrfScope(record.id), secret),
      ...(outcome ? { outcome } : {}),
    });
  }

  #interstitial(res: ServerResponse, record: GrantsLinkRecord, existing: string | undefined): void {
    const maxAgeSec = (Date.parse(record.expiresAt) - Date.now()) / 1000;
    const secret = ensureBrowserSecret(res, record.id, existing, record.baseUrl, maxAgeSec);
    sendGrantsInterstitial(res, { app: this.#deps.caller, user: record.user, csrf: confirmToken(csrfScope(record.id), secret) });
  }

  /** Binds the link to this browser (compare-and-set: the first confirming browser wins). */
  async #bind(record: GrantsLinkRecord, secret: string): Promise<boolean> {
    const store = this.#deps.store;
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await store.kvGet(GRANTS_LINK_KV_NAMESPACE, record.id);
      const current = entry ? parseGrantsLink(entry.value) : undefined;
      if (!entry || !current) return false;
      if (current.binding !== undefined) return isBoundBrowser(current, secret);
      const next: GrantsLinkRecord = { ...current, binding: bindingHash(secret) };
      if (await store.kvCompareAndSet(GRANTS_LINK_KV_NAMESPACE, record.id, entry.version, JSON.stringify(next), grantsLinkKvExpiry(next)))
        return true;
    }
    return false;
  }

  async #load(id: string): Promise<GrantsLinkRecord | undefined> {
    if (!LINK_ID.test(id)) return undefined;
    await this.#deps.ready?.();
    const entry = await this.#deps.store.kvGet(GRANTS_LINK_KV_NAMESPACE, id);
    return entry ? parseGrantsLink(entry.value) : undefined;
  }

  /** As for Connect links: with a signed-in-user hook, only a browser signed in as the link's user. */
  async #signedInRefusal(req: IncomingMessage, record: GrantsLinkRecord): Promise<ConnectPage | undefined> {
    const refused = await browserUserRefusal(this.#browserUser(), req, record.user);
    if (refused === undefined) return undefined;
    this.#deps.logger.warn('connect: grants link opened in a browser not signed in as its user', {
      link: shortId(record.id),
      signedIn: refused.signedIn,
    });
    return {
      ...PAGES.signInRequired(record.user),
      message: `This page shows the connected accounts of the user ${record.user}. Sign in to the app as ${record.user} in this browser, then open the link again.`,
    };
  }

  #wrongBrowser(res: ServerResponse, record: GrantsLinkRecord): void {
    this.#deps.logger.warn('connect: grants link opened in a browser it is not bound to', { link: shortId(record.id) });
    sendPage(res, {
      ...PAGES.wrongBrowser,
      message:
        'This link belongs to the browser where it was first confirmed, and this is another one. If someone sent you this link, do not use it; otherwise ask the app for a new link.',
    });
  }
}

function outcomeOf(result: RevokeGrantResult, deps: ConnectDeps): DisconnectOutcome | undefined {
  if (!result.revoked) return undefined;
  const providerName = displayName(deps, result.provider);
  return { providerName, account: result.account, upstream: result.upstream };
}

export function displayName(deps: ConnectDeps, provider: string): string {
  try {
    return deps.provider(provider).displayName;
  } catch {
    return provider;
  }
}

/** The grant rows of the page, from the grants and the newest audit rows. */
export type { GrantRow };
