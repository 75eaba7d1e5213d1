/**
 * The axios instance every vault sends provider requests with, created on the first request:
 * importing @alter/vault (and starting a server) does not load axios; the first tool call does.
 * The specifier is a literal, so bundlers include it.
 */
import type { AxiosInstance } from 'axios';

let client: Promise<AxiosInstance> | undefined;
/** The instance once loaded: every later request uses it without awaiting the load again. */
let loaded: AxiosInstance | undefined;

/**
 * The shared client (one config for every vault, so one instance): the instance itself once it is
 * loaded, a promise of it before. Awaiting an already resolved promise still costs a promise and a
 * microtask turn per request (and, on Node 20 with an AsyncLocalStorage entered, a propagation).
 */
export function providerHttpClient(): AxiosInstance | Promise<AxiosInstance> {
  if (loaded !== undefined) return loaded;
  client ??= import('axios').then(({ default: axios }) => {
    loaded = axios.create({
      validateStatus: () => true,
      // Redirects are never followed: a 3xx is returned as is, so the token cannot follow one to
      // another host (and same-host redirects stay visible to the caller).
      maxRedirects: 0,
      // A proxy from the environment would receive the Authorization header of plain requests.
      proxy: false,
      // The body is read by readCappedBody, which stops at the cap; axios' own maxContentLength
      // keeps the chunk that crosses it and is unbounded by default (a gzip bomb filled memory).
      responseType: 'stream',
      transformResponse: [],
      decompress: true,
    });
    return loaded;
  });
  return client;
}
