/**
 * The HTML of the approval page: the interstitial that binds an approval link to a browser, the
 * request exactly as it will be sent (method, redacted URL, body summary, tool, expiry) with
 * Approve / Deny buttons, and the pages it ends on. Same rules as the Connect pages
 * (connect-pages.ts): no scripts, everything escaped, never framed, never cached.
 */
import type { ServerResponse } from 'node:http';
import type { PendingApprovalRecord } from '../approval/pending-approval-record.js';
import type { ConnectPage } from './connect-pages.js';
import { escapeHtml, sendHtml } from './connect-pages.js';

/** Names the app and the user only: the request itself is shown once this browser confirmed. */
export function sendApprovalInterstitial(
  res: ServerResponse,
  input: { readonly app: string; readonly user: string; readonly providerName: string; readonly csrf: string },
): void {
  const body = `<p><b>${escapeHtml(input.app)}</b> wants to send a request to ${escapeHtml(input.providerName)} as the user <b>${escapeHtml(input.user)}</b>, and asks for approval first.</p>
<p class="warn">Continue only if you are ${escapeHtml(input.user)} and expect this request. If someone sent you this link, close this tab.</p>
<form method="post" action="" data-alter-approval-form="confirm">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit" name="action" value="confirm">Review the request</button>
</form>`;
  sendHtml(res, 200, 'Approve a request?', body, 'approval_confirm');
}

/** The request as it will be sent, and (while it waits) the Approve / Deny forms. */
export function sendApprovalPage(
  res: ServerResponse,
  input: {
    readonly app: string;
    readonly record: PendingApprovalRecord;
    readonly providerName: string;
    /** `pending` shows the buttons; otherwise the decision is shown. */
    readonly status: string;
    readonly csrf: string;
  },
): void {
  const r = input.record;
  const expires = `<time datetime="${escapeHtml(r.expiresAt)}">${escapeHtml(r.expiresAt.replace('T', ' ').slice(0, 19))} UTC</time>`;
  const details = `<dl data-alter-approval="${escapeHtml(r.id)}">
<dt>App</dt><dd>${escapeHtml(input.app)}</dd>
<dt>As the user</dt><dd>${escapeHtml(r.user)}</dd>
<dt>Tool</dt><dd>${r.tool === null ? '<i>none (a direct request)</i>' : `<code>${escapeHtml(r.tool)}</code>`}</dd>
<dt>Service</dt><dd>${escapeHtml(input.providerName)}</dd>
${
  r.account === undefined
    ? ''
    : `<dt>Account</dt><dd data-alter-account>${escapeHtml(r.account)}</dd>
`
}<dt>Request</dt><dd><code data-alter-request>${escapeHtml(r.method)} ${escapeHtml(r.url)}</code></dd>
<dt>Body</dt><dd>${r.body === '' ? '<i>none</i>' : `<pre data-alter-body>${escapeHtml(r.body)}</pre>`}</dd>
<dt>Approval expires</dt><dd>${expires}</dd>
</dl>`;
  const form = (action: 'approve' | 'deny', label: string) =>
    `<form method="post" action="" data-alter-approval-form="${action}"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><button type="submit" name="action" value="${action}">${label}</button></form>`;
  const tail =
    input.status === 'pending'
      ? `<p>Approving sends exactly this request once, when the app tries again. A changed request needs a new approval.</p>${form('approve', 'Approve')}${form('deny', 'Deny')}`
      : `<p data-alter-status="${escapeHtml(input.status)}">${escapeHtml(statusText(input.status, r))}</p>`;
  sendHtml(res, 200, 'Approve this request?', `${details}${tail}`, `approval_${input.status}`);
}

function statusText(status: string, r: PendingApprovalRecord): string {
  const who = r.decision ? ` by ${r.decision.by} (${r.decision.via}) at ${r.decision.at}` : '';
  switch (status) {
    case 'approved':
      return `Approved${who}. Go back to the app: it sends the request once when it tries again.`;
    case 'denied':
      return `Denied${who}. Nothing will be sent.`;
    case 'used':
      return 'This approval has been used. Nothing more will be sent with it.';
    default:
      return 'This approval has expired. Nothing was sent; ask the app to try again.';
  }
}

/** The pages an approval link ends on without showing the request. */
export const APPROVAL_PAGES = {
  unknown: {
    status: 404,
    title: 'Link not found',
    message: 'This approval link is unknown or has expired and been cleaned up. Nothing was sent.',
    code: 'unknown_approval',
  },
  expired: {
    status: 400,
    title: 'Approval expired',
    message: 'This approval link has expired. Nothing was sent; ask the app to try again for a new link.',
    code: 'approval_expired',
  },
  ended: {
    status: 400,
    title: 'Approval answered',
    message: 'This approval was already answered. Nothing was changed.',
    code: 'approval_answered',
  },
  wrongBrowser: {
    status: 403,
    title: 'Wrong browser',
    message:
      'This approval link belongs to the browser where it was first opened and confirmed, and this is another one. Nothing was approved. If someone sent you this link, do not use it.',
    code: 'wrong_browser',
  },
} satisfies Record<string, ConnectPage>;
