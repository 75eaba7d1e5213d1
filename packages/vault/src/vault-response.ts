/** What `vault.request()` returns. Non-2xx responses are returned, not thrown. */
import { inspect } from 'node:util';
import { ProviderHttpError } from './errors.js';

/** A provider response: status, lower-cased headers, and the body (parsed lazily). */
export class VaultResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly #provider: string;
  readonly #body: Buffer;
  #text: string | undefined;
  #parsed: { value: unknown } | undefined;

  /** @internal constructed by the vault. */
  constructor(provider: string, status: number, headers: Readonly<Record<string, string>>, body: Buffer) {
    this.#provider = provider;
    this.status = status;
    // The vault passes a fresh frozen object (no copy needed); anything else is copied, so the
    // caller's object cannot change the response later.
    this.headers = Object.isFrozen(headers) ? headers : Object.freeze({ ...headers });
    this.#body = body;
  }

  /** True for 2xx. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The body: parsed JSON when the content type is JSON (and it parses), else text; null when empty. */
  get data(): unknown {
    if (this.#body.length === 0) return null;
    const type = this.headers['content-type'] ?? '';
    if (/[/+]json\b/i.test(type)) {
      try {
        return this.json();
      } catch {
        return this.text();
      }
    }
    return this.text();
  }

  /** The body as UTF-8 text. */
  text(): string {
    if (this.#text === undefined) this.#text = this.#body.toString('utf8');
    return this.#text;
  }

  /** The raw body bytes (a copy). */
  bytes(): Buffer {
    return Buffer.from(this.#body);
  }

  /** The body parsed as JSON. @throws ProviderHttpError when it is not JSON. */
  json<T = unknown>(): T {
    if (this.#parsed === undefined) {
      try {
        this.#parsed = { value: JSON.parse(this.text()) };
      } catch {
        throw new ProviderHttpError({ provider: this.#provider, detail: `response (status ${this.status}) is not JSON; use text()` });
      }
    }
    return this.#parsed.value as T;
  }

  toJSON(): { status: number; headers: Readonly<Record<string, string>>; data: unknown } {
    return { status: this.status, headers: this.headers, data: this.data };
  }

  [inspect.custom](depth: number, options: object): string {
    return `VaultResponse ${inspect({ status: this.status, headers: this.headers, data: this.data }, { ...options, depth })}`;
  }
}
