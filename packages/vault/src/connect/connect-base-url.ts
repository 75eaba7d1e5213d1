/**
 * The base URL Connect links start with, per process: adopted (`useBaseUrl`), else configured
 * (`connect.baseUrl`), else the `listen()` server's. Each session stores the base it was created
 * with, so its link and its provider callback stay on one origin whichever process handles them.
 */
import { InvalidArgumentError, VaultConfigError } from '../errors.js';
import type { Logger } from '../logger.js';

export class ConnectBaseUrl {
  readonly #configured: string | undefined;
  readonly #logger: Logger;
  #adopted: string | undefined;
  /** Set by `listen()`, cleared by `close()`. */
  listening: string | undefined;

  constructor(configured: unknown, logger: Logger) {
    this.#configured = typeof configured === 'string' && configured !== '' ? configured.replace(/\/+$/, '') : undefined;
    this.#logger = logger;
  }

  /** The base URL new sessions use (adopted, else configured, else listening). */
  get current(): string | undefined {
    return this.#adopted ?? this.#configured ?? this.listening;
  }

  /** See `ConnectManager.useBaseUrl`. */
  adopt(url: string, force: boolean): () => void {
    if (typeof url !== 'string' || !URL.canParse(url))
      throw new InvalidArgumentError('url', 'must be an absolute http(s) URL, e.g. "http://127.0.0.1:8080".');
    const parsed = new URL(url);
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search !== '' || parsed.hash !== '' || url.includes('#')) {
      throw new InvalidArgumentError('url', 'must be an absolute http(s) URL without query or fragment, e.g. "http://127.0.0.1:8080".');
    }
    const normalized = `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
    const current = this.#adopted ?? this.#configured;
    if (current !== undefined && current !== normalized && !force) {
      const what = this.#adopted !== undefined ? 'was already adopted' : 'is configured (connect.baseUrl)';
      throw new VaultConfigError(
        `Connect base URL ${current} ${what}; useBaseUrl("${normalized}") does not replace it. Pass { force: true } to replace it in this process.`,
      );
    }
    this.#adopted = normalized;
    this.#logger.debug('connect: base URL adopted', { baseUrl: normalized });
    return () => {
      if (this.#adopted === normalized) this.#adopted = undefined;
    };
  }
}
