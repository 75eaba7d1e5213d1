/**
 * The approval page (docs/approvals.md), served by Connect's handler beside Connect links and the
 * grants page:
 *
 *   GET  <base>/connect/approvals/:id   the interstitial (first visit), then the request exactly as
 *                                       it will be sent, with Approve / Deny
 *   POST <base>/connect/approvals/:id   `action=confirm` binds the link to this browser;
 *                                       `action=approve` | `action=deny` records the decision
 *
 * Bound like a grants link (grants-page.ts): the interstitial names only the app and the user; the
 * first browser that confirms it owns the link (compare-and-set on the stored hash of its HttpOnly
 * secret), so a forwarded link shows nothing in another browser; every POST carries a CSRF token
 * derived from that secret; with a signed-in-user hook (`vault.connect.useBrowserUser`) only a
 * browser signed in as the approval's user gets anywhere. The decision records `by` = that user,
 * `via` = `'url'`. Nothing is sent here: the request goes out when the app makes it again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { effectiveStatus, kvExpiry, type PendingApprovalRecord } from '../approval/pending-approval-record.js';
import { PendingApprovals } from '../approval/pending-approvals.js';
import { APPROVAL_PAGES, sendApprovalInterstitial, sendApprovalPage } from './approval-page-html.js';
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
import type { BrowserUserCheck } from './connect-http-handler.js';
import { readForm } from './connect-http-handler.js';
import { type ConnectPage, PAGES, sendPage, sendRedirect } from './connect-pages.js';
import { shortId } from './connect-session-store.js';
import { displayName } from './grants-page.js';

/** The page's CSRF tokens are bound to this purpose, so a Connect or grants token never fits. */
const csrfScope = (id: string) => `approval:${id}`;

export class ApprovalPageHandler {
  readonly #deps: ConnectDeps;
  readonly #browserUser: () => BrowserUserCheck | undefined;
  readonly #pending: PendingApprovals;

  constructor(parts: { readonly deps: ConnectDeps; readonly browserUser: () => BrowserUserCheck | undefined }) {
    this.#deps = parts.deps;
    this.#browserUser = parts.browserUser;
    this.#pending = new PendingApprovals(parts.deps.store, { seal: (p) => parts.deps.seal(p), open: (s) => parts.deps.open(s) });
  }

  async handle(req: IncomingMessage, id: string, res: ServerResponse): Promise<void> {
    await this.#deps.ready?.();
    const record = await this.#pending.get(id);
    if (!record) return sendPage(res, APPROVAL_PAGES.unknown);
    const refusal = await this.#signedInRefusal(req, record);
    if (refusal) return sendPage(res, refusal);
    const secret = readBrowserSecret(req, record.id);
    if (req.method === 'POST') return this.#post(req, record, secret, res);
    const status = effectiveStatus(record);
    if (record.binding === undefined) {
      // Never confirmed in a browser: an answered or expired link shows nothing of the request.
      if (status === 'expired') return sendPage(res, APPROVAL_PAGES.expired);
      if (status !== 'pending') return sendPage(res, APPROVAL_PAGES.ended);
      return this.#interstitial(res, record, secret);
    }
    if (!isBoundBrowser(record, secret)) return this.#wrongBrowser(res, record);
    return this.#page(res, record, secret!);
  }

  async #post(req: IncomingMessage, record: PendingApprovalRecord, secret: string | undefined, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    if (!form || !isValidConfirmToken(csrfScope(record.id), secret, form.get('csrf'))) {
      this.#deps.logger.warn('connect: approval form refused (CSRF)', { approval: shortId(record.id) });
      return sendPage(res, {
        ...PAGES.csrf,
        message:
          'The answer did not come from this approval page (missing or wrong form token). Nothing was approved. Open the link again.',
      });
    }
    const action = form.get('action');
    if (action === 'confirm') {
      const bound = await this.#pending.bind(record.id, bindingHash(secret!));
      if (!bound) return this.#wrongBrowser(res, record);
      this.#deps.logger.info('connect: approval link confirmed in a browser', { approval: shortId(record.id), user: record.user });
      return sendRedirect(res, `${record.baseUrl}/connect/approvals/${record.id}`, 303);
    }
    if (action !== 'approve' && action !== 'deny') return sendPage(res, PAGES.csrf);
    if (!isBoundBrowser(record, secret)) return this.#wrongBrowser(res, record);
    const outcome = action === 'approve' ? 'approved' : 'denied';
    const result = await this.#pending.decide(record.id, outcome, { by: record.user, via: 'url', at: new Date().toISOString() });
    if (!result.ok) {
      if (result.reason === 'unknown') return sendPage(res, APPROVAL_PAGES.unknown);
      if (result.reason === 'expired') return sendPage(res, APPROVAL_PAGES.expired);
      // Answered meanwhile (another tab, or the CLI): show what stands.
      return this.#page(res, result.record ?? record, secret!);
    }
    this.#deps.logger.info(`connect: approval ${outcome} on the approval page`, {
      approval: shortId(record.id),
      user: record.user,
      provider: record.provider,
      tool: record.tool,
    });
    return this.#page(res, result.record, secret!);
  }

  #page(res: ServerResponse, record: PendingApprovalRecord, secret: string): void {
    sendApprovalPage(res, {
      app: this.#deps.caller,
      record,
      providerName: displayName(this.#deps, record.provider),
      status: effectiveStatus(record),
      csrf: confirmToken(csrfScope(record.id), secret),
    });
  }

  #interstitial(res: ServerResponse, record: PendingApprovalRecord, existing: string | undefined): void {
    // The cookie lives as long as the kv entry, so the bound browser still sees "expired" later.
    const maxAgeSec = (kvExpiry(record).getTime() - Date.now()) / 1000;
    const secret = ensureBrowserSecret(res, record.id, existing, record.baseUrl, maxAgeSec);
    sendApprovalInterstitial(res, {
      app: this.#deps.caller,
      user: record.user,
      providerName: displayName(this.#deps, record.provider),
      csrf: confirmToken(csrfScope(record.id), secret),
    });
  }

  /** As for Connect links: with a signed-in-user hook, only a browser signed in as the approval's user. */
  async #signedInRefusal(req: IncomingMessage, record: PendingApprovalRecord): Promise<ConnectPage | undefined> {
    const refused = await browserUserRefusal(this.#browserUser(), req, record.user);
    if (refused === undefined) return undefined;
    this.#deps.logger.warn('connect: approval link opened in a browser not signed in as its user', {
      approval: shortId(record.id),
      signedIn: refused.signedIn,
    });
    return {
      ...PAGES.signInRequired(record.user),
      message: `This page asks the user ${record.user} to approve a request. Sign in to the app as ${record.user} in this browser, then open the link again. Nothing was approved.`,
    };
  }

  #wrongBrowser(res: ServerResponse, record: PendingApprovalRecord): void {
    this.#deps.logger.warn('connect: approval link opened in a browser it is not bound to', { approval: shortId(record.id) });
    sendPage(res, APPROVAL_PAGES.wrongBrowser);
  }
}
