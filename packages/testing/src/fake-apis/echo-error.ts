/**
 * The answer of `faults.echoRequestNext()`: a 400 in the provider's error shape whose error text
 * echoes every request header, the way a misconfigured gateway or debugging proxy in front of an
 * API answers. The echo sits in the field each tool pack turns into its error message, so a pack
 * that copies provider text into errors would hand the caller's `Authorization` header onwards.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FakeApiProvider, FakeResponse } from './fake-api.js';
import { googleError } from './google-errors.js';

export function echoError(provider: FakeApiProvider, headers: IncomingHttpHeaders): FakeResponse {
  const dump = Object.entries(headers)
    .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('; ');
  const text = `Bad request: the gateway could not route this request. Request headers: ${dump}`;
  switch (provider) {
    case 'google':
      return googleError(400, text, 'badRequest');
    case 'github':
      return { status: 400, body: { message: text, documentation_url: 'https://docs.github.com/rest', status: '400' } };
    case 'slack':
      return { status: 400, body: { ok: false, error: text } };
    default:
      // A custom service: the OAuth-style error shape its other answers use (service-api.ts).
      return { status: 400, body: { error: 'bad_request', error_description: text } };
  }
}
