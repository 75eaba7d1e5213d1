/**
 * The small HTML pages of Connect: the pages a flow ends on, and the interstitial of a
 * `bind: 'confirm'` link. Self-contained, no scripts, nothing echoed unescaped, never framed.
 */
import type { ServerResponse } from 'node:http';

export interface ConnectPage {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  /** A stable code shown small on the page and sent as `x-alter-connect-status` (tests and support read it). */
  readonly code: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Writes `page` as the complete response (no caching, no framing, no scripts). */
export function sendPage(res: ServerResponse, page: ConnectPage): void {
  sendHtml(res, page.status, page.title, `<p>${escapeHtml(page.message)}</p>`, page.code);
}

/** Writes an HTML document whose body is `bodyHtml` (already escaped), with the page headers. */
export function sendHtml(res: ServerResponse, status: number, title: string, bodyHtml: string, code: string): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}small{color:#777}.warn{background:#fff4e5;padding:.5rem .75rem;border-left:4px solid #e69500}dt{font-weight:600}dd{margin:0 0 .5rem 0}table{border-collapse:collapse}th,td{padding:.3rem .5rem;text-align:left;vertical-align:top;border-bottom:1px solid #eee}</style>
</head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}<p><small>${escapeHtml(code)}</small></p></body></html>
`;
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader(
    'content-security-policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-alter-connect-status', code);
  res.end(body);
}

/** What the interstitial of a `bind: 'confirm'` link names. */
export interface InterstitialInput {
  /** The app asking (the vault's `caller`). */
  readonly app: string;
  /** The user the grant will belong to. */
  readonly user: string | undefined;
  readonly providers: ReadonlyArray<{
    readonly name: string;
    readonly scopes: readonly string[];
    readonly currentAccounts?: readonly string[];
  }>;
  readonly csrf: string;
}

/**
 * The interstitial: names the app, the user the grant will belong to, each provider and its
 * scopes, and asks for an explicit confirmation (a POST carrying the CSRF token). When the session
 * re-authorizes existing grants it names the connected account and offers to switch.
 */
export function sendInterstitial(res: ServerResponse, input: InterstitialInput): void {
  const names = input.providers.map((p) => p.name).join(', ');
  const who = input.user === undefined ? 'the account you sign in with' : `the user <b>${escapeHtml(input.user)}</b>`;
  const providers = input.providers
    .map((p) => {
      const scopes = p.scopes.length ? p.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ') : '<i>default access</i>';
      const current = p.currentAccounts?.length
        ? `<br>Connected now as <b>${p.currentAccounts.map(escapeHtml).join('</b>, <b>')}</b>; sign in with that account.`
        : '';
      return `<li><b>${escapeHtml(p.name)}</b>: ${scopes}${current}</li>`;
    })
    .join('');
  const canSwitch = input.providers.some((p) => p.currentAccounts?.length);
  const body = `<p><b>${escapeHtml(input.app)}</b> asks you to connect ${escapeHtml(names)}. The access will belong to ${who}.</p>
<p class="warn">Continue only if you asked for this yourself${input.user === undefined ? '' : ` and you are ${escapeHtml(input.user)}`}. If someone sent you this link, close this tab: whoever continues here attaches their account to ${input.user === undefined ? 'this app' : escapeHtml(input.user)}.</p>
<dl><dt>App</dt><dd>${escapeHtml(input.app)}</dd><dt>Access belongs to</dt><dd>${input.user === undefined ? '<i>the account you sign in with</i>' : escapeHtml(input.user)}</dd><dt>Access asked for</dt><dd><ul>${providers}</ul></dd></dl>
<form method="post" action="" data-alter-connect-form="confirm">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
${canSwitch ? '<p><label><input type="checkbox" name="switch_account" value="1"> Use a different account instead (replaces who is connected)</label></p>' : ''}
<button type="submit" name="decision" value="continue">Continue to ${escapeHtml(names)}</button>
</form>`;
  sendHtml(res, 200, `Connect ${names}?`, body, 'confirm');
}

/** Sends a 302 (303 after a POST) without caching or a referrer (the Location carries state and a PKCE challenge). */
export function sendRedirect(res: ServerResponse, location: string, status: 302 | 303 = 302): void {
  res.statusCode = status;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('referrer-policy', 'no-referrer');
  res.end();
}

/** The pages Connect ends on (titles and messages are ours; the code is stable). */
export const PAGES = {
  done: { status: 200, title: 'Connected', message: 'All done. You can close this tab and return to your app.', code: 'complete' },
  unknown: {
    status: 404,
    title: 'Link not found',
    message: 'This Connect link is unknown or has been cleaned up. Ask the app for a new link.',
    code: 'unknown_session',
  },
  used: {
    status: 400,
    title: 'Link already used',
    message: 'This Connect link has already been used. Ask the app for a new link.',
    code: 'session_used',
  },
  expired: {
    status: 400,
    title: 'Link expired',
    message: 'This Connect link has expired. Ask the app for a new link.',
    code: 'session_expired',
  },
  failed: {
    status: 400,
    title: 'Connection failed',
    message: 'This Connect attempt failed earlier. Ask the app for a new link.',
    code: 'session_failed',
  },
  badState: {
    status: 400,
    title: 'Invalid sign-in response',
    message:
      'The sign-in response did not match a Connect session (a wrong, old or replayed link). Nothing was connected. Ask the app for a new link.',
    code: 'state_mismatch',
  },
  wrongBrowser: {
    status: 403,
    title: 'Wrong browser',
    message:
      'This Connect link belongs to the browser where it was started (or confirmed), and this is another one. Nothing was connected. If someone sent you this link, do not use it; otherwise start again from your app in this browser.',
    code: 'wrong_browser',
  },
  csrf: {
    status: 403,
    title: 'Request refused',
    message:
      'The confirmation did not come from this Connect page (missing or wrong form token). Nothing was connected. Open the link again and confirm there.',
    code: 'csrf',
  },
  signInRequired: (user: string): ConnectPage => ({
    status: 403,
    title: 'Sign in first',
    message: `This link connects an account for the user ${user}. Sign in to the app as ${user} in this browser, then open the link again. Nothing was connected.`,
    code: 'sign_in_required',
  }),
  accountMismatch: (name: string): ConnectPage => ({
    status: 400,
    title: 'A different account',
    message: `You signed in to ${name} with a different account than the one connected before, so nothing was changed. Open a new link and sign in with the same account, or tick "Use a different account instead" if you mean to switch.`,
    code: 'account_mismatch',
  }),
  denied: (name: string): ConnectPage => ({
    status: 400,
    title: 'Access denied',
    message: `You declined access to ${name}, so nothing was connected. Ask the app for a new link if you change your mind.`,
    code: 'denied',
  }),
  providerError: (name: string): ConnectPage => ({
    status: 400,
    title: 'Connection failed',
    message: `${name} could not complete the connection, so nothing was connected. Ask the app for a new link and try again.`,
    code: 'provider_error',
  }),
} satisfies Record<string, ConnectPage | ((name: string) => ConnectPage)>;
