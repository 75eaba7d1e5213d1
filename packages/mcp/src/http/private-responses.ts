/**
 * Marks a response served to an authenticated user as private: `Cache-Control: private` (no shared
 * cache — a CDN or corporate proxy — may store it) and `Vary: Authorization`. A tool list, a tool
 * result or a Connect link is computed for one user; a shared cache handing user A's answer to
 * user B would leak it.
 *
 * The SDK writes its own `Cache-Control` (`no-cache` on SSE streams) in `writeHead`, which would
 * replace a header set earlier, so `private` is merged into whatever the response is finally
 * written with.
 */
import type { ServerResponse } from 'node:http';

function withPrivate(value: unknown): string {
  const directives = String(value ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d.toLowerCase() !== 'public');
  if (!directives.some((d) => d.toLowerCase() === 'private')) directives.unshift('private');
  if (!directives.some((d) => d.toLowerCase() === 'no-store')) directives.push('no-store');
  return directives.join(', ');
}

/** Makes every response head written on `res` private to the authenticated user. */
export function markPrivate(res: ServerResponse): void {
  const vary = res.getHeader('Vary');
  const varyList = String(vary ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (!varyList.some((v) => v.toLowerCase() === 'authorization' || v === '*'))
    res.setHeader('Vary', [...varyList, 'Authorization'].join(', '));
  res.setHeader('Cache-Control', withPrivate(undefined));
  const writeHead = res.writeHead;
  // writeHead(status[, message][, headers]): headers given here win over setHeader, so fix them up.
  res.writeHead = function patchedWriteHead(this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null && !Array.isArray(a)) as
      | Record<string, unknown>
      | undefined;
    if (headers) {
      for (const key of Object.keys(headers)) {
        if (key.toLowerCase() === 'cache-control') {
          res.setHeader('Cache-Control', withPrivate(headers[key]));
          delete headers[key];
        }
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
}
