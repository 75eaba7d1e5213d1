/** The small HTML pages Connect ends on. Self-contained, no scripts, nothing from the query echoed unescaped. */
import type { ServerResponse } from 'node:http';

export interface ConnectPage {
  readonly status: number;
  readonly title: string;
  readonly message: string;
  /** A stable code shown small on the page and sent as `x-alter-connect-status` (tests and support read it). */
  readonly code: string;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Writes `page` as the complete response (no caching, no framing, no scripts). */
export function sendPage(res: ServerResponse, page: ConnectPage): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}small{color:#777}</style>
</head><body><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.message)}</p><p><small>${escapeHtml(page.code)}</small></p></body></html>
`;
  res.statusCode = page.status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-alter-connect-status', page.code);
  res.end(body);
}

/** Sends a 302 without caching or a referrer (the Location carries state and a PKCE challenge). */
export function sendRedirect(res: ServerResponse, location: string): void {
  res.statusCode = 302;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('referrer-policy', 'no-referrer');
  res.end();
}
