/** What `vault.request()` returns. Non-2xx responses are returned, not thrown. */
import { inspect } from 'node:util';
import { ProviderHttpError } from './errors.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The headers of a response as the HTTP client gave them (values may be arrays or numbers). */
type WireHeaders = Readonly<Record<string, unknown>>;

/** Set by the class's static block: how the vault builds a response from the wire (see {@link vaultResponseFromWire}). */
let fromWire: (provider: string, status: number, wire: WireHeaders, body: Buffer) => VaultResponse;

/** A provider response: status, lower-cased headers, and the body (parsed lazily). */
export class VaultResponse {
  readonly status: number;
  readonly #provider: string;
  readonly #body: Buffer;
  /** The frozen lower-cased headers, built on first read when the response came from the wire. */
  #headers: Readonly<Record<string, string>> | undefined;
  #wire: WireHeaders | undefined;
  #text: string | undefined;
  #parsed: { value: unknown } | undefined;

  /** @internal constructed by the vault. */
  constructor(provider: string, status: number, headers: Readonly<Record<string, string>>, body: Buffer) {
    this.#provider = provider;
    this.status = status;
    // A frozen object is kept (it cannot change); anything else is copied, so the caller's object
    // cannot change the response later.
    this.#headers = Object.isFrozen(headers) ? headers : Object.freeze({ ...headers });
    this.#body = body;
  }

  static {
    fromWire = (provider, status, wire, body) => {
      const response = new VaultResponse(provider, status, NO_HEADERS, body);
      response.#headers = undefined;
      response.#wire = wire;
      return response;
    };
  }

  /**
   * The response headers, names lower-cased, repeated values joined with `, `. Built on first
   * read: most tools never read a header, and copying them was a measurable part of every request.
   */
  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === undefined) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(this.#wire ?? {})) {
        if (v === undefined || v === null) continue;
        out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      }
      this.#headers = Object.freeze(out);
      this.#wire = undefined;
    }
    return this.#headers;
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

/**
 * A response as the vault builds it from the HTTP client's answer: `wire` is kept (it is the
 * client's own object, not shared) and turned into {@link VaultResponse.headers} on first read.
 * Not public API (the vault's request path).
 */
export function vaultResponseFromWire(
  provider: string,
  status: number,
  wire: Readonly<Record<string, unknown>>,
  body: Buffer,
): VaultResponse {
  return fromWire(provider, status, wire, body);
}
