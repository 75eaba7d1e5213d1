import { invalidArgument } from './errors.js';
import type { EmulatedProviderId } from './emulated-providers.js';
import type { MemoryStore } from './internal/memory-store.js';
import type { SandboxClients } from './internal/sandbox-clients.js';
import type { ResolvedSandboxUser } from './sandbox-user.js';

/** Which sandbox endpoints a fault applies to. */
export type FaultTarget = 'api' | 'token' | 'any';

/** Options of {@link SandboxFaults.failNext}. */
export interface FailNextOptions {
  /** HTTP status to answer with: 429 (rate limited) or 503 (unavailable); any 4xx/5xx is accepted. */
  readonly status: number;
  /** How many matching requests fail (default 1). */
  readonly count?: number | undefined;
  /** `'api'` (fake provider APIs, default), `'token'` (the token endpoint) or `'any'`. */
  readonly target?: FaultTarget | undefined;
  /**
   * Only requests whose path starts with this fail: a sandbox path (`/hosts/api.github.com/user`,
   * `/token`), a real API path (`/user`, `/gmail/v1/`) or a real URL (`https://api.github.com/user`).
   */
  readonly path?: string | undefined;
  /** `Retry-After` header value in seconds (default 1). */
  readonly retryAfterSec?: number | undefined;
}

/** Options of {@link SandboxFaults.echoRequestNext}. */
export interface EchoRequestNextOptions {
  /** How many matching API requests are answered with the echo (default 1). */
  readonly count?: number | undefined;
  /** Only requests whose path starts with this (same forms as {@link FailNextOptions.path}). */
  readonly path?: string | undefined;
}

/** One pending `failNext` rule (internal shape, readable for debugging). */
export interface FailRule {
  status: number;
  remaining: number;
  target: FaultTarget;
  path: string | undefined;
  retryAfterSec: number;
}

/** The request facts a fault rule is matched against. */
export interface FaultMatchInput {
  readonly kind: 'api' | 'token';
  /** Sandbox pathname (`/hosts/api.github.com/user`, `/token`). */
  readonly pathname: string;
  /** For API requests: the path on the real host (`/user`) and the real URL. */
  readonly realPath?: string;
  readonly realUrl?: string;
}

/**
 * Switches that make the sandbox misbehave the way real providers do (`sandbox.faults`). Every
 * switch acts at once on the running server; `reset()` turns them all off.
 */
export class SandboxFaults {
  readonly #store: MemoryStore;
  readonly #userByLogin: (login: string) => ResolvedSandboxUser | undefined;
  readonly #clients: SandboxClients;
  #rotate = false;
  #dropScopes: readonly string[] = [];
  #latency: Record<FaultTarget, number> = { api: 0, token: 0, any: 0 };
  #rules: FailRule[] = [];
  #echoes: Array<{ remaining: number; path: string | undefined }> = [];

  /** @internal Created by `startSandbox()`. */
  constructor(store: MemoryStore, userByLogin: (login: string) => ResolvedSandboxUser | undefined, clients: SandboxClients) {
    this.#store = store;
    this.#userByLogin = userByLogin;
    this.#clients = clients;
  }

  /**
   * Every access token issued so far is now expired (`exp` in the past): the fake APIs answer
   * 401 and userinfo answers `invalid_token`. Refresh tokens stay valid, so a refresh recovers.
   * @returns how many access tokens were expired.
   */
  expireAccessTokens(): number {
    const past = Math.floor(Date.now() / 1000) - 1;
    let n = 0;
    for (const [, payload] of this.#store.entries('AccessToken')) {
      if (typeof payload.exp !== 'number' || payload.exp > past) {
        payload.exp = past;
        n += 1;
      }
    }
    return n;
  }

  /**
   * Revokes the grants of `login` (for one emulated provider or custom service, or all): its refresh tokens then get
   * `invalid_grant` and its access tokens 401 — what happens when a user removes the app in the
   * provider's account settings.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for an unknown login or provider.
   * @returns how many grants were revoked.
   */
  revokeGrant(options: { readonly login: string; readonly provider?: EmulatedProviderId | (string & {}) }): number {
    const user = this.#userByLogin(options?.login);
    if (!user) throw invalidArgument('options.login', `no sandbox user "${String(options?.login)}".`);
    let clientId: string | undefined;
    if (options.provider !== undefined) {
      clientId = this.#clients.require(options.provider, 'options.provider').clientId;
    }
    const doomed: string[] = [];
    for (const [id, payload] of this.#store.entries('Grant')) {
      if (payload.accountId === user.sub && (clientId === undefined || payload.clientId === clientId)) doomed.push(id);
    }
    for (const id of doomed) {
      this.#store.revokeByGrantId(id);
      this.#store.destroy('Grant', id);
    }
    return doomed.length;
  }

  /**
   * Rotate refresh tokens on every use (`true`) or never (`false`, the default). With rotation on,
   * presenting a refresh token that was already used answers `invalid_grant` and — as
   * oidc-provider treats it as token theft — revokes the whole grant.
   */
  rotateRefreshTokens(on: boolean): void {
    if (typeof on !== 'boolean') throw invalidArgument('on', 'must be a boolean.');
    this.#rotate = on;
  }

  /** Whether refresh tokens rotate (read by the authorization server). */
  get rotatingRefreshTokens(): boolean {
    return this.#rotate;
  }

  /**
   * The next `count` matching requests are answered with `status` in the provider's error shape
   * (Google `RESOURCE_EXHAUSTED`/`UNAVAILABLE`, GitHub `message`, Slack `ratelimited`, OAuth
   * `temporarily_unavailable`) and a `Retry-After` header, without reaching the fake or the server.
   * Rules stack; the oldest matching rule is used first.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for a status outside 400-599 or a bad count.
   */
  failNext(options: FailNextOptions): void {
    const { status, count = 1, target = 'api', path, retryAfterSec = 1 } = options ?? ({} as FailNextOptions);
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw invalidArgument('options.status', 'must be an HTTP error status (429, 503, …).');
    if (!Number.isInteger(count) || count < 1) throw invalidArgument('options.count', 'must be a positive integer.');
    if (target !== 'api' && target !== 'token' && target !== 'any')
      throw invalidArgument('options.target', "must be 'api', 'token' or 'any'.");
    if (path !== undefined && typeof path !== 'string') throw invalidArgument('options.path', 'must be a string.');
    if (!Number.isInteger(retryAfterSec) || retryAfterSec < 0)
      throw invalidArgument('options.retryAfterSec', 'must be a non-negative integer.');
    this.#rules.push({ status, remaining: count, target, path, retryAfterSec });
  }

  /**
   * The next `count` matching API requests are answered 400 in the provider's error shape with
   * every request header — `Authorization: Bearer <token>` included — echoed in the error field
   * the tool packs read (Google `error.message`, GitHub `message`, Slack `error`), as a
   * misconfigured gateway or debugging proxy in front of a provider does. For testing that no
   * secret reaches a tool result.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for a bad count or path.
   */
  echoRequestNext(options: EchoRequestNextOptions = {}): void {
    const { count = 1, path } = options ?? {};
    if (!Number.isInteger(count) || count < 1) throw invalidArgument('options.count', 'must be a positive integer.');
    if (path !== undefined && typeof path !== 'string') throw invalidArgument('options.path', 'must be a string.');
    this.#echoes.push({ remaining: count, path });
  }

  /** @internal Takes one echo from the first matching `echoRequestNext` rule; true when the request must be echoed. */
  takeEcho(input: FaultMatchInput): boolean {
    const rule = input.kind === 'api' ? this.#echoes.find((r) => pathMatches(r.path, input)) : undefined;
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#echoes.splice(this.#echoes.indexOf(rule), 1);
    return true;
  }

  /** Pending `failNext` rules (a copy). */
  get pendingFailures(): readonly Readonly<FailRule>[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /**
   * Delays every response of `target` (default `'any'`) by `ms` milliseconds. `latency(0)` turns it off.
   * @throws {SandboxError} `SANDBOX_INVALID_ARGUMENT` for a negative or non-finite delay.
   */
  latency(ms: number, target: FaultTarget = 'any'): void {
    if (!Number.isFinite(ms) || ms < 0) throw invalidArgument('ms', 'must be a non-negative number of milliseconds.');
    if (target !== 'api' && target !== 'token' && target !== 'any') throw invalidArgument('target', "must be 'api', 'token' or 'any'.");
    this.#latency[target] = ms;
  }

  /**
   * From now on every consent grants fewer scopes than asked: the listed scopes are refused (as a
   * user unticking boxes on a consent screen would). `grantFewerScopes([])` turns it off.
   * `approve(url, { scopes })` does the same for one approval.
   */
  grantFewerScopes(dropScopes: readonly string[]): void {
    if (!Array.isArray(dropScopes) || dropScopes.some((s) => typeof s !== 'string')) {
      throw invalidArgument('dropScopes', 'must be an array of scope strings ([] turns the fault off).');
    }
    this.#dropScopes = Object.freeze([...dropScopes]);
  }

  /** Scopes every consent currently refuses. */
  get droppedScopes(): readonly string[] {
    return this.#dropScopes;
  }

  /** Turns every switch off (rotation, pending failures and echoes, latency, dropped scopes). Expired and revoked tokens stay so. */
  reset(): void {
    this.#rotate = false;
    this.#dropScopes = [];
    this.#latency = { api: 0, token: 0, any: 0 };
    this.#rules = [];
    this.#echoes = [];
  }

  /** @internal The delay for a request of `kind` ('other' for pages, discovery, userinfo). */
  delayFor(kind: 'api' | 'token' | 'other'): number {
    return Math.max(this.#latency.any, kind === 'other' ? 0 : this.#latency[kind]);
  }

  /** @internal Takes one failure from the first matching rule, if any. */
  takeFailure(input: FaultMatchInput): FailRule | undefined {
    const rule = this.#rules.find((r) => (r.target === 'any' || r.target === input.kind) && pathMatches(r.path, input));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.#rules.splice(this.#rules.indexOf(rule), 1);
    return { ...rule };
  }
}

function pathMatches(path: string | undefined, input: FaultMatchInput): boolean {
  if (path === undefined) return true;
  return input.pathname.startsWith(path) || input.realPath?.startsWith(path) === true || input.realUrl?.startsWith(path) === true;
}
