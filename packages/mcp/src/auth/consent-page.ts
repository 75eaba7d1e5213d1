/**
 * The consent page of the authorize step, and the small cookie helpers around it. The page names
 * the client (flagged as self-registered), its redirect URI, the scopes it asks for and every
 * provider the user will be asked to connect; it carries a CSRF token bound to the request and to
 * this browser, and is served with anti-framing headers (`X-Frame-Options: DENY`, CSP
 * `frame-ancestors 'none'`).
 */
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';

export interface ConsentPageInput {
  readonly action: string;
  readonly requestId: string;
  readonly csrf: string;
  readonly clientName: string | undefined;
  readonly clientId: string;
  readonly clientUri: string | undefined;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly providers: Readonly<Record<string, readonly string[]>>;
  readonly serverName: string;
}

/** Headers every auth-server HTML page carries. */
export function setPageHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/** Escapes text for HTML element and attribute contexts. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders the consent page. */
export function renderConsentPage(input: ConsentPageInput): string {
  const name = input.clientName ?? input.clientId;
  const providers = Object.entries(input.providers)
    .map(
      ([id, scopes]) =>
        `<li><b>${escapeHtml(id)}</b>${scopes.length ? `: ${scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}` : ''}</li>`,
    )
    .join('');
  const scopes = input.scopes.length ? input.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ') : '<i>none</i>';
  return page(
    `Allow ${name}?`,
    `<p><b>${escapeHtml(name)}</b> wants to use <b>${escapeHtml(input.serverName)}</b> as you.</p>
<p class="warn">This application registered itself; its name is not verified. Continue only if you started this sign-in and trust it.</p>
<dl>
<dt>Application id</dt><dd><code>${escapeHtml(input.clientId)}</code></dd>
${input.clientUri ? `<dt>Website</dt><dd><code>${escapeHtml(input.clientUri)}</code></dd>` : ''}
<dt>After you approve, you return to</dt><dd><code>${escapeHtml(input.redirectUri)}</code></dd>
<dt>Permissions on this server</dt><dd>${scopes}</dd>
<dt>You will be asked to connect</dt><dd><ul>${providers}</ul></dd>
</dl>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="request" value="${escapeHtml(input.requestId)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** A minimal error/info page with a stable machine-readable code (`<small>`). */
export function renderMessagePage(title: string, message: string, code: string): string {
  return page(title, `<p>${escapeHtml(message)}</p><p><small>${escapeHtml(code)}</small></p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f3f3;padding:0 .2rem;word-break:break-all}.warn{color:#8a4b00}dt{font-weight:600;margin-top:.5rem}button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** Reads one cookie from the request (no cookie-parser needed). */
export function readCookie(req: Pick<Request, 'headers'> | Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Appends a `Set-Cookie`: HttpOnly, SameSite=Lax (sent on the top-level navigation back from the
 * provider), Path=/; Secure on https (then the name carries the `__Host-` prefix, see cookieName).
 */
export function setCookie(res: Response, name: string, value: string, options: { secure: boolean; maxAgeSec: number }): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${options.maxAgeSec}`];
  if (options.secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

/** `__Host-<name>` on https (bound to this host, Secure, Path=/), the bare name on plain-http development servers. */
export function cookieName(name: string, secure: boolean): string {
  return secure ? `__Host-${name}` : name;
}
