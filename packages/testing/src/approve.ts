import { invalidArgument, SandboxError } from './errors.js';
import { isLoopbackUrl } from './internal/loopback.js';
import { SandboxBrowser } from './sandbox-browser.js';

/** Options of `sandbox.approve()`. */
export interface ApproveOptions {
  /** Which sandbox user signs in (`'alice'`). */
  readonly login: string;
  /**
   * Grant only these of the requested scopes (the "drop scopes" fault for one approval). The
   * identity and protocol scopes `openid`, `offline_access`, `email` and `profile` are kept
   * unless listed in `dropScopes`.
   */
  readonly scopes?: readonly string[] | undefined;
  /** Refuse these scopes at every consent screen of this approval. */
  readonly dropScopes?: readonly string[] | undefined;
  /**
   * Press "Deny" on the consent screen — the sandbox's, or an MCP auth server's
   * (`AlterAuthProvider`) when it shows one: the client's callback receives `error=access_denied`.
   */
  readonly deny?: boolean | undefined;
  /**
   * Run in this browser (its cookie jar) instead of a fresh one: e.g. the browser that consented
   * on an auth server's page, whose Connect session is bound to it, or one signed in as the user
   * a tool's Connect link names. Cookies set during the approval stay in it. Pass
   * `sandbox.browser(login)` — the one browser the sandbox keeps per login — so a second sign-in
   * finds the first one's cookies: the sandbox session (no login form) and an auth server's
   * remembered consent (no consent page). A browser kept for another login is refused.
   */
  readonly browser?: SandboxBrowser | undefined;
  /**
   * Stop before requesting the first URL that starts with this prefix (e.g. your client's
   * redirect URI, or an auth server's completion endpoint you want to open yourself); it becomes
   * `finalUrl`.
   */
  readonly stopAt?: string | undefined;
  /**
   * On a Connect interstitial that re-authorizes an existing grant, tick "use a different account
   * instead" (default: keep the connected account).
   */
  readonly switchAccount?: boolean | undefined;
  /** Safety net against redirect loops (default 50 hops). */
  readonly maxRedirects?: number | undefined;
}

/** A form `approve()` filled in, as a user would have. */
export type ApprovePage =
  /** The sandbox's login form. */
  | 'login'
  /** The sandbox's consent screen (once per provider of a Connect session). */
  | 'consent'
  /** A Connect interstitial (tool links, `bind: 'confirm'`). */
  | 'connect-confirm'
  /** An MCP authorization server's consent page (`AlterAuthProvider`). */
  | 'auth-server-consent';

/** Where `approve()` stopped. */
export interface ApproveResult {
  /**
   * The last URL: the page that answered without a redirect, the first redirect target that is
   * not loopback (not contacted) — e.g. a `returnTo` on a real domain — or, when `url` was an
   * OAuth authorization URL of an MCP auth server, the redirect to the client's `redirect_uri`
   * (not contacted; see {@link code}).
   */
  readonly finalUrl: string;
  /**
   * The authorization code, when `approve()` stopped at the `redirect_uri` of the authorization
   * URL it started from: hand it to your OAuth client (`transport.finishAuth(code)` for the MCP
   * SDK's client). Undefined otherwise (e.g. after `deny`, where `finalUrl` carries `error`).
   */
  readonly code: string | undefined;
  /** The forms it filled in, in order: shows what a remembered session or consent skipped. */
  readonly answered: readonly ApprovePage[];
  /** Status of the last response (the 3xx itself when stopping at a non-loopback redirect). */
  readonly status: number;
  /** Body of the last response ('' when stopping at a non-loopback redirect). */
  readonly body: string;
  /** Every URL requested, in order (for debugging a flow). */
  readonly visited: readonly string[];
}

/** Kept by `scopes` (drop them with `dropScopes`): without them Connect loses the refresh token or the identity. */
const PROTOCOL_SCOPES = ['openid', 'offline_access', 'email', 'profile'];

/** What `approve()` needs to know about the sandbox. */
export interface ApproveContext {
  /** Origin of the sandbox's authorization server (`http://127.0.0.1:PORT`). */
  readonly origin: string;
  readonly knownLogin: (login: string) => boolean;
  /** The login a browser was kept for by `sandbox.browser(login)`, if it was. */
  readonly browserLogin: (browser: SandboxBrowser) => string | undefined;
}

/**
 * Completes a sign-in the way a browser would: GETs `startUrl` (any loopback URL that ends up at
 * the sandbox's authorize endpoint — a Connect URL, an MCP authorize URL), follows redirects with
 * a cookie jar, fills in the sandbox's login and consent forms, and follows the redirects back to
 * the client's callback and onward (through several providers when a Connect session chains
 * them). Confirms a Connect interstitial (`bind: 'confirm'` links: the tool-triggered ones) the
 * way a user would, by posting its form. Stops at the first non-redirect response, at a redirect
 * to a non-loopback URL, or before a URL starting with `options.stopAt`.
 *
 * @throws {SandboxError} `SANDBOX_NOT_LOOPBACK` when `startUrl` is not loopback;
 *   `SANDBOX_INVALID_ARGUMENT` for an unknown login; `SANDBOX_REDIRECT_LOOP` past `maxRedirects`.
 */
export async function approveFlow(ctx: ApproveContext, startUrl: string, options: ApproveOptions): Promise<ApproveResult> {
  if (typeof startUrl !== 'string' || !URL.canParse(startUrl)) throw invalidArgument('url', 'must be an absolute URL.');
  if (!options || typeof options.login !== 'string' || !ctx.knownLogin(options.login)) {
    throw invalidArgument('options.login', `no sandbox user "${String(options?.login)}"; add it with startSandbox({ users }).`);
  }
  const maxRedirects = options.maxRedirects ?? 50;
  let url = new URL(startUrl);
  if (!isLoopbackUrl(url)) {
    throw new SandboxError(
      'SANDBOX_NOT_LOOPBACK',
      `approve() only contacts loopback URLs; "${url.origin}" is not one. Pass the URL your local server produced.`,
    );
  }

  const keptFor = options.browser ? ctx.browserLogin(options.browser) : undefined;
  if (keptFor !== undefined && keptFor !== options.login) {
    throw invalidArgument(
      'options.browser',
      `this browser is kept for "${keptFor}" (sandbox.browser('${keptFor}')); sign "${options.login}" in with sandbox.browser('${options.login}') or a new SandboxBrowser().`,
    );
  }
  const browser = options.browser ?? new SandboxBrowser();
  const stopAt = options.stopAt;
  const clientRedirect = clientRedirectUri(url, ctx.origin);
  const visited: string[] = [];
  const answered: ApprovePage[] = [];
  let method = 'GET';
  let form: URLSearchParams | undefined;
  let confirmed = 0;
  let serverConsents = 0;
  const done = (finalUrl: string, status: number, body: string): ApproveResult => ({
    finalUrl,
    status,
    body,
    visited,
    answered,
    code:
      clientRedirect !== undefined && isRedirectTo(finalUrl, clientRedirect)
        ? (new URL(finalUrl).searchParams.get('code') ?? undefined)
        : undefined,
  });

  for (let hop = 0; hop <= maxRedirects; hop++) {
    visited.push(url.href);
    const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await browser.fetch(url, { method, headers, ...(form ? { body: form.toString() } : {}) });

    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, url);
      // The MCP client's redirect URI is where the code is handed over: reported, never requested.
      if (
        !isLoopbackUrl(next) ||
        (stopAt !== undefined && next.href.startsWith(stopAt)) ||
        (clientRedirect !== undefined && isRedirectTo(next.href, clientRedirect))
      ) {
        return done(next.href, res.status, '');
      }
      // 307/308 repeat the method and body; every other redirect becomes a GET (as browsers do).
      if (res.status !== 307 && res.status !== 308) {
        method = 'GET';
        form = undefined;
      }
      url = next;
      continue;
    }

    const body = await res.text();
    const refresh = metaRefresh(body, url);
    if (refresh) {
      if (!isLoopbackUrl(refresh)) return done(refresh.href, res.status, body);
      method = 'GET';
      form = undefined;
      url = refresh;
      continue;
    }
    // A Connect interstitial: confirm it once per page (a second one in a row means it refused).
    const interstitial = res.status === 200 && confirmed < 5 ? connectConfirmForm(body, url, options) : undefined;
    if (interstitial) {
      confirmed++;
      answered.push('connect-confirm');
      method = 'POST';
      form = interstitial.form;
      url = interstitial.action;
      continue;
    }
    if (url.origin === ctx.origin && /^\/interaction\/[^/]+$/.test(url.pathname) && res.status === 200) {
      const step = fillSandboxForm(body, url, options);
      if (step) {
        answered.push(step.page);
        method = 'POST';
        form = step.form;
        url = step.action;
        continue;
      }
    }
    // An MCP auth server's consent page (AlterAuthProvider), answered once per approval: a
    // second one means the server refused the answer, which the caller should see.
    const serverConsent =
      res.status === 200 && url.origin !== ctx.origin && serverConsents === 0 ? authServerConsentForm(body, url, options) : undefined;
    if (serverConsent) {
      serverConsents++;
      answered.push('auth-server-consent');
      method = 'POST';
      form = serverConsent.form;
      url = serverConsent.action;
      continue;
    }
    return done(url.href, res.status, body);
  }
  throw new SandboxError(
    'SANDBOX_REDIRECT_LOOP',
    `approve() followed ${maxRedirects} redirects without reaching a page; raise options.maxRedirects if the flow is that long.`,
  );
}

/** The form of a Connect interstitial (`data-alter-connect-form="confirm"`), filled in as a user who confirms. */
function connectConfirmForm(html: string, pageUrl: URL, options: ApproveOptions): { action: URL; form: URLSearchParams } | undefined {
  const m = /<form\b([^>]*data-alter-connect-form="confirm"[^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const form = new URLSearchParams();
  const inputRe = /<input\b([^>]*)>/gi;
  for (let i = inputRe.exec(m[2] ?? ''); i; i = inputRe.exec(m[2] ?? '')) {
    const a = i[1] ?? '';
    const name = attr(a, 'name');
    if (!name) continue;
    if (attr(a, 'type') === 'hidden') form.set(name, attr(a, 'value') ?? '');
    else if (attr(a, 'type') === 'checkbox' && name === 'switch_account' && options.switchAccount) form.set(name, attr(a, 'value') ?? '1');
  }
  form.set('decision', 'continue');
  return { action: new URL(attr(m[1] ?? '', 'action') ?? '', pageUrl), form };
}

/**
 * The `redirect_uri` of an OAuth authorization URL served by someone other than the sandbox (an
 * MCP auth server's `/authorize`): the client's callback, where approve() stops. The sandbox's
 * own authorize URL (a test driving the sandbox directly) keeps its documented behaviour of
 * following the redirect back.
 */
function clientRedirectUri(start: URL, sandboxOrigin: string): URL | undefined {
  if (start.origin === sandboxOrigin || start.searchParams.get('response_type') !== 'code') return undefined;
  const uri = start.searchParams.get('redirect_uri');
  return uri !== null && URL.canParse(uri) ? new URL(uri) : undefined;
}

/** True when `href` is `redirectUri` with the authorization response's parameters added. */
function isRedirectTo(href: string, redirectUri: URL): boolean {
  const u = new URL(href);
  return u.origin === redirectUri.origin && u.pathname === redirectUri.pathname;
}

/**
 * An MCP authorization server's consent page (AlterAuthProvider's): a POST form with an
 * "approve" `decision` button. Its hidden fields (request id, CSRF token) are sent back as they
 * are, with `decision=approve` — or `deny` with `options.deny`.
 */
function authServerConsentForm(html: string, pageUrl: URL, options: ApproveOptions): { action: URL; form: URLSearchParams } | undefined {
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const attrs = m[1] ?? '';
    const inner = m[2] ?? '';
    if ((attr(attrs, 'method') ?? '').toLowerCase() !== 'post') continue;
    const buttons = [...inner.matchAll(/<button\b([^>]*)>/gi)].map((b) => b[1] ?? '');
    if (!buttons.some((b) => attr(b, 'name') === 'decision' && attr(b, 'value') === 'approve')) continue;
    const form = new URLSearchParams();
    for (const i of inner.matchAll(/<input\b([^>]*)>/gi)) {
      const a = i[1] ?? '';
      const name = attr(a, 'name');
      if (name && attr(a, 'type') === 'hidden') form.set(name, attr(a, 'value') ?? '');
    }
    form.set('decision', options.deny ? 'deny' : 'approve');
    return { action: new URL(attr(attrs, 'action') ?? '', pageUrl), form };
  }
  return undefined;
}

/** Picks the right form on a sandbox interaction page and fills it in. */
function fillSandboxForm(
  html: string,
  pageUrl: URL,
  options: ApproveOptions,
): { action: URL; form: URLSearchParams; page: ApprovePage } | undefined {
  const login = findForm(html, 'login');
  if (login) return { action: new URL(login.action, pageUrl), form: new URLSearchParams({ login: options.login }), page: 'login' };
  if (options.deny) {
    const deny = findForm(html, 'deny');
    if (deny) return { action: new URL(deny.action, pageUrl), form: new URLSearchParams(), page: 'consent' };
  }
  const consent = findForm(html, 'consent');
  if (!consent) return undefined;
  const dropped = new Set(options.dropScopes ?? []);
  const allow = options.scopes ? new Set([...options.scopes, ...PROTOCOL_SCOPES]) : undefined;
  const form = new URLSearchParams();
  for (const box of consent.checkboxes) {
    if (dropped.has(box.value)) continue;
    if (allow ? allow.has(box.value) : box.checked) form.append(box.name, box.value);
  }
  return { action: new URL(consent.action, pageUrl), form, page: 'consent' };
}

interface ParsedForm {
  action: string;
  checkboxes: { name: string; value: string; checked: boolean }[];
}

/** Reads one `data-sandbox-form` form from the sandbox's own markup (see interactions.ts). */
function findForm(html: string, kind: string): ParsedForm | undefined {
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const attrs = m[1] ?? '';
    if (attr(attrs, 'data-sandbox-form') !== kind) continue;
    const checkboxes: ParsedForm['checkboxes'] = [];
    const inputRe = /<input\b([^>]*)>/gi;
    for (let i = inputRe.exec(m[2] ?? ''); i; i = inputRe.exec(m[2] ?? '')) {
      const a = i[1] ?? '';
      if (attr(a, 'type') !== 'checkbox') continue;
      checkboxes.push({ name: attr(a, 'name') ?? '', value: attr(a, 'value') ?? '', checked: /\schecked\b/i.test(a) });
    }
    return { action: attr(attrs, 'action') ?? '', checkboxes };
  }
  return undefined;
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(attrs);
  return m ? unescapeHtml(m[1] ?? '') : undefined;
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** `<meta http-equiv="refresh" content="0;url=…">`, which browsers follow like a redirect. */
function metaRefresh(html: string, base: URL): URL | undefined {
  const m = /<meta\b[^>]*http-equiv=["']?refresh["']?[^>]*content=["']\s*\d+\s*;\s*url=([^"']+)["']/i.exec(html);
  if (!m?.[1]) return undefined;
  try {
    return new URL(unescapeHtml(m[1].trim()), base);
  } catch {
    return undefined;
  }
}
