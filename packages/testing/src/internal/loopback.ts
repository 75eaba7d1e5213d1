import { isLoopbackHost } from '@alter/vault/internal';

/**
 * True for http(s) URLs on a loopback host — the only places the sandbox talks to. The host rule
 * is @alter/vault's `isLoopbackHost` (one policy for every package: `localhost` exactly,
 * 127.0.0.0/8, `::1`; subdomains of localhost are not loopback).
 */
export function isLoopbackUrl(url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return isLoopbackHost(url.hostname);
}
