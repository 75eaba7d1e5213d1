/**
 * One GET to a URL someone else chose (server-side request forgery is the threat). The host is
 * resolved ONCE; every address it resolves to must pass {@link outboundAddressProblem}; the
 * socket then connects to exactly those checked addresses through a `lookup` that never asks DNS
 * again, so a name that answers a public address to the check and 127.0.0.1 to the connect
 * (DNS rebinding) cannot reach the second one. TLS still verifies the certificate against the
 * hostname (SNI and `Host` stay the name). No redirects, no proxy, no connection reuse, a
 * deadline covering resolution, connect and body, and a byte cap on the body.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { outboundAddressProblem } from './outbound-address-policy.js';

/** A resolved address, as `dns.lookup(host, { all: true })` returns it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a hostname to its addresses (default: `dns.lookup` with `all: true`). Tests inject their own. */
export type ResolveHost = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Why a {@link safeFetch} failed. */
export type SafeFetchFailure = 'refused_address' | 'unresolvable' | 'timeout' | 'too_large' | 'network';

/** A fetch {@link safeFetch} refused or could not complete. The message names no secret. */
export class SafeFetchError extends Error {
  readonly code: SafeFetchFailure;

  constructor(code: SafeFetchFailure, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Options of {@link safeFetch}. */
export interface SafeFetchOptions {
  /** Accept loopback addresses (development and tests); every other special range stays refused. */
  readonly allowLoopback: boolean;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Deadline for the whole fetch (resolution, connect, headers, body), in milliseconds. */
  readonly timeoutMs: number;
  /** `Accept` header. */
  readonly accept: string;
  /** DNS resolution (tests inject one; never called for an IP-literal host). */
  readonly resolve?: ResolveHost;
}

/** What came back: the status and the (capped) body. */
export interface SafeFetchResponse {
  readonly status: number;
  readonly body: Buffer;
}

const defaultResolve: ResolveHost = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/**
 * GETs `url` (http: or https:) under the rules above.
 * @throws SafeFetchError (`refused_address`, `unresolvable`, `timeout`, `too_large`, `network`).
 * @example
 * const { status, body } = await safeFetch(new URL('https://client.example/meta.json'), {
 *   allowLoopback: false, maxBytes: 65536, timeoutMs: 5000, accept: 'application/json',
 * });
 */
export async function safeFetch(url: URL, options: SafeFetchOptions): Promise<SafeFetchResponse> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new SafeFetchError('refused_address', `scheme ${url.protocol} is not fetched`);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = await resolveChecked(host, options, deadline);
  // The socket asks this instead of DNS: it can only ever get the addresses checked above.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
    const usable = family ? addresses.filter((a) => a.family === family) : addresses;
    if (usable.length === 0) {
      callback(Object.assign(new Error(`no checked IPv${family} address`), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    // With `all` (net's happy-eyeballs path) the callback takes the address list; @types/node
    // types only the single-address form.
    if (lookupOptions.all) (callback as unknown as (err: null, all: ResolvedAddress[]) => void)(null, [...usable]);
    else callback(null, usable[0]!.address, usable[0]!.family);
  };
  return request(url, pinned, options, deadline);
}

async function resolveChecked(host: string, options: SafeFetchOptions, deadline: AbortSignal): Promise<readonly ResolvedAddress[]> {
  const literal = isIP(host);
  let addresses: readonly ResolvedAddress[];
  if (literal !== 0) addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await raceDeadline((options.resolve ?? defaultResolve)(host), deadline);
    } catch (err) {
      if (deadline.aborted) throw new SafeFetchError('timeout', 'the host did not resolve in time', { cause: err });
      throw new SafeFetchError('unresolvable', 'the host does not resolve', { cause: err });
    }
  }
  if (addresses.length === 0) throw new SafeFetchError('unresolvable', 'the host does not resolve');
  // Every answer must pass: the connect may try any of them (happy eyeballs).
  for (const { address } of addresses) {
    const problem = outboundAddressProblem(address, { allowLoopback: options.allowLoopback });
    if (problem) throw new SafeFetchError('refused_address', `the host resolves to a refused address: ${problem}`);
  }
  return Object.freeze(addresses.map((a) => Object.freeze({ address: a.address, family: a.family })));
}

function request(url: URL, lookup: LookupFunction, options: SafeFetchOptions, deadline: AbortSignal): Promise<SafeFetchResponse> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<SafeFetchResponse>((resolve, reject) => {
    const fail = (err: SafeFetchError) => {
      req.destroy();
      reject(err);
    };
    const req = client.request(
      url,
      // agent: false — a fresh socket for this request only, so no pooled connection made for
      // another name or address is ever reused.
      { method: 'GET', agent: false, lookup, signal: deadline, headers: { accept: options.accept, 'accept-encoding': 'identity' } },
      (res) => {
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > options.maxBytes)
          return fail(new SafeFetchError('too_large', `the response is larger than ${options.maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.byteLength;
          if (total > options.maxBytes)
            return fail(new SafeFetchError('too_large', `the response is larger than ${options.maxBytes} bytes`));
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', (err) => reject(networkError(err, deadline)));
        res.on('aborted', () => reject(networkError(new Error('response aborted'), deadline)));
      },
    );
    req.on('error', (err) => reject(networkError(err, deadline)));
    req.end();
  });
}

function networkError(err: Error, deadline: AbortSignal): SafeFetchError {
  if (deadline.aborted) return new SafeFetchError('timeout', 'the fetch did not finish in time', { cause: err });
  return new SafeFetchError('network', `the fetch failed (${(err as { code?: unknown }).code ?? err.name})`, { cause: err });
}

function raceDeadline<T>(promise: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(deadline.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadline.reason);
    deadline.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        deadline.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        deadline.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
