/**
 * AlterVault: the embedded token vault. `request()` is the one call through which tools reach a
 * provider API with the end user's token: template the URL → check the host → get the token
 * (memory cache → store → refresh) → send with axios → on 401 refresh once and retry → audit.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { inspect } from 'node:util';
import type { AxiosResponse } from 'axios';
import { type AuditContext, type AuditContextInput, AuditContextStore } from './audit-context.js';
import { CallSecrets, noteCallSecret } from './call-secrets.js';
import {
  AuditLog,
  type AuditOptions,
  type AuditQuery,
  type AuditVerifyOptions,
  type AuditVerifyResult,
  verifyOptionsOf,
} from './audit-log.js';
import { ConnectManager } from './connect/connect-manager.js';
import type { ConnectDeps } from './connect/connect-deps.js';
import { resolveEncryptionKey } from './encryption-key.js';
import {
  EncryptionKeyError,
  HeaderNotAllowedError,
  HostNotAllowedError,
  InvalidArgumentError,
  isAlterError,
  ProviderHttpError,
  RequestAbortedError,
  RequestTimeoutError,
  ResponseTooLargeError,
  PolicyDeniedError,
  ScopeReauthRequiredError,
  StoreError,
  StoreUnavailableError,
  VaultConfigError,
} from './errors.js';
import type { GrantLock } from './grant-lock.js';
import type { AuditRecord, GrantStore, SealedSecret } from './grant-store.js';
import { resealStoredSecret } from './grant-token-seal.js';
import { GrantsApi } from './grants-api.js';
import { applyHostRewrite, checkHostAllowed } from './host-policy.js';
import {
  describeType,
  optionalDurationMs,
  optionalString,
  requireKnownKeys,
  optionalIdentifier,
  requireIdentifier,
  requireNonEmptyString,
  requireObject,
} from './internal/args.js';
import { readCappedBody } from './internal/read-capped-body.js';
import { type SentBody, sentBody } from './internal/request-body.js';
import { providerHttpClient } from './internal/provider-http-client.js';
import { offerStoreLogger } from './internal/store-logger.js';
import { refresherOf } from './internal/test-seams.js';
import { requireKnownRequestOptions } from './internal/request-option-keys.js';
import { createDefaultLogger, type Logger } from './logger.js';
import { createOAuthClient, type OAuthClient } from './oauth-client.js';
import type { ProviderConfig, ScopeErrorsMode } from './provider-config.js';
import { bearerInsufficientScope } from './providers/scope-signals.js';
import { defineProvider } from './providers/define-provider.js';
import { redactUrl } from './redact-url.js';
import { buildRequestHeaders } from './request-headers.js';
import { parseEncryptionKey, SecretBox, sealedKeyId } from './secret-box.js';
import { InProcessGrantLock } from './in-process-grant-lock.js';
import { PostgresGrantStore } from './postgres-grant-store.js';
import { signalsOf } from './store-signals.js';
import { SqliteGrantStore } from './sqlite-grant-store.js';
import { storeFromOption } from './store-from-option.js';
import {
  StoreSweeper,
  type SweepOptions,
  type SweepResult,
  type SweepRunOptions,
  sweepOptionsOf,
  sweepRunOptionsOf,
} from './store-sweeper.js';
import { type TokenLease, TokenManager } from './token-manager.js';
import type { TokenRefresher } from './token-refresher.js';
import { buildUrl, type QueryParamValue } from './url-template.js';
import { type VaultResponse, vaultResponseFromWire } from './vault-response.js';
import { VaultTelemetry } from './telemetry/vault-telemetry.js';
import { EgressPolicy, deniedOutcome } from './policy/egress-policy.js';
import { ApprovalLedger } from './approval/approval-ledger.js';
import { isAborted } from './internal/abort-signals.js';
import { unwatchCallerAbort, watchCallerAbort } from './internal/caller-abort-watch.js';
import { releaseExchangeController, takeExchangeController } from './internal/exchange-controllers.js';
import { ApprovalsApi, type VaultApprovals } from './approval/approvals-api.js';
import { PendingApprovals } from './approval/pending-approvals.js';
import type { ApprovalAsker, ApprovalAudit, ApprovalGate, ApprovalOptions } from './approval/approval-types.js';
import type { PolicyOptions, PolicyOutcome } from './policy/policy-types.js';

const ALLOWED_BY_DEFAULT: PolicyOutcome = Object.freeze({ decision: 'allow', rule: 'default' });

/** The audit outcome of an egress check that refused the request (undefined for other errors). */
function refusalOutcome(err: unknown): PolicyOutcome | undefined {
  if (err instanceof PolicyDeniedError) return deniedOutcome(err);
  if (err instanceof HostNotAllowedError) return { decision: 'deny', rule: 'allowedHosts' };
  if (err instanceof HeaderNotAllowedError) return { decision: 'deny', rule: 'extraHeaders' };
  return undefined;
}
import type { GrantRow } from './connect/grants-page-html.js';

/** How far back the grants page looks for a grant's last use (newest audit rows of the user). */
const GRANTS_PAGE_AUDIT_ROWS = 1_000;

/** Options of {@link AlterVault}. */
export interface AlterVaultOptions {
  /** Who is calling (your server's name); recorded in every audit row. Required. */
  readonly caller: string;
  /** The providers this vault serves; ids must be unique. */
  readonly providers: readonly ProviderConfig[];
  /**
   * Where grants live. Default: SQLite at `./.alter/vault.db`. A string: `postgres://…` /
   * `postgresql://…` (PostgreSQL; `?schema=` picks a schema), `sqlite:path` or a file path.
   */
  readonly store?: GrantStore | string | undefined;
  /** 32 random bytes, base64. Default: `ALTER_VAULT_KEY`, else a dev key generated into `./.alter/key`. */
  readonly encryptionKey?: string | undefined;
  /** Older keys still accepted for reading (during a rotation). */
  readonly previousKeys?: readonly string[] | undefined;
  /**
   * Connect (`vault.connect`): `baseUrl`, the public URL where `vault.connect.handler()` is mounted
   * (default: none until `vault.connect.listen()`), and `sessionTtlSec`, how long a Connect link
   * stays valid. No other keys: a misspelt one (`baseURL`) fails to compile and, from plain
   * JavaScript, throws `InvalidArgumentError` instead of being ignored.
   */
  readonly connect?: { readonly baseUrl?: string | undefined; readonly sessionTtlSec?: number | undefined } | undefined;
  /** `timeoutMs`: each provider call (API requests, and the token endpoint). Default 30 000 ms. */
  readonly http?: { readonly timeoutMs?: number | undefined } | undefined;
  /**
   * Who may refresh a grant right now, across processes (a short-lived lease; see
   * docs/vault.md "Refresh and crashes"). Default: the lease table of the built-in SQLite or
   * PostgreSQL store. A custom store needs one to be safe in several processes; without it the
   * vault uses an {@link InProcessGrantLock} and logs a warning.
   */
  readonly grantLock?: GrantLock | undefined;
  /**
   * `leaseTtlMs`: how long a refresh lease lasts when its holder dies before releasing it; must be
   * longer than `http.timeoutMs` (the token endpoint timeout). Default `http.timeoutMs` + 15 000 ms.
   */
  readonly refresh?: { readonly leaseTtlMs?: number | undefined } | undefined;
  /** Default: silent except warnings/errors; debug output with `DEBUG=alter:*`. */
  readonly logger?: Logger | undefined;
  /**
   * Audit durability: `{ durability: 'batched' }` (default; a crash loses at most `maxBatchRows`
   * rows, default 200, written within about `maxDelayMs`, default 100) or `{ durability: 'sync' }`
   * (request() returns only after its row is committed). See docs/vault.md#audit-durability.
   */
  readonly audit?: AuditOptions | undefined;
  /**
   * Background removal of expired store entries (Connect sessions, auth-server codes and tokens):
   * every `intervalMs` (default 10 min; 0 = off), `batchSize` rows per delete (default 1000).
   */
  readonly sweep?: SweepOptions | undefined;
  /**
   * OpenTelemetry spans and metrics, recorded when `@opentelemetry/api` is installed and the
   * application registered an SDK (docs/observability.md). Default true; false records nothing.
   */
  readonly telemetry?: boolean | undefined;
  /**
   * The egress policy, evaluated before a request's token is read (docs/policies.md): declared
   * endpoints are always enforced; `undeclared: 'deny'` refuses requests without them; `rules`
   * (deny, rate limits, time windows) and a `decide` function add your own. Fails closed.
   */
  readonly policy?: PolicyOptions | undefined;
  /** Human approvals (docs/approvals.md): how long a request can be approved (`ttlMs`, default 5 minutes). */
  readonly approvals?: ApprovalOptions | undefined;
}

/** Options of {@link AlterVault.request}. */
export interface VaultRequestOptions {
  /** The end user whose grant is used. */
  readonly user: string;
  /** Which of the user's accounts at the provider (needed only when there are several). */
  readonly account?: string | undefined;
  /** JSON body (serialized, `content-type: application/json`). */
  readonly json?: unknown | undefined;
  /**
   * Raw body (use instead of `json`). Copied when the request is checked (a Uint8Array: exactly its
   * bytes); the copy is approved and sent. Anything else (a stream, an object) is refused.
   */
  readonly body?: string | Buffer | Uint8Array | URLSearchParams | undefined;
  readonly queryParams?: Readonly<Record<string, QueryParamValue | undefined>> | undefined;
  /** Values for `{name}` placeholders in the URL (each percent-encoded as one segment piece). */
  readonly pathParams?: Readonly<Record<string, string | number>> | undefined;
  /**
   * Extra request headers. Refused (`HeaderNotAllowedError`, nothing sent): `Authorization` and
   * `Proxy-*` (the vault sets the token), headers that frame or route the request or control the
   * connection (`Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`, `Upgrade`, `TE`,
   * `Trailer`, `Host`, `Expect`), invalid names, values with CR/LF/control characters, and a name
   * given twice in different case.
   */
  readonly extraHeaders?: Readonly<Record<string, string>> | undefined;
  /**
   * The endpoints this request may reach, e.g. `['GET /gmail/v1/users/me/messages/{id}']`
   * (method + path template on any of the provider's hosts, or a full https URL). A request outside
   * them is refused (PolicyDeniedError) before the token is read. `ctx.request` passes the tool's
   * declared `endpoints`.
   */
  readonly endpoints?: readonly string[] | undefined;
  /**
   * Asks a human to approve this exact request before its token is read (docs/approvals.md).
   * The answer must name the request and its hash, arrive within `approvals.ttlMs`, and is used once;
   * anything else throws `ApprovalRefusedError` and nothing is sent. `ctx.request` passes it for
   * tools declared with `approval: 'required'`. When the gate cannot ask (`'unavailable'`), or a
   * vault policy rule asks for an approval and neither a gate nor an `approvalAsker` is given, the
   * request waits for an approval by URL instead: `ApprovalPendingError` carries the link; the same request made again after the
   * approval is sent once.
   */
  readonly approval?: ApprovalGate | undefined;
  /**
   * Asks inline for an approval that only a vault policy rule requires (no `approval` given): its
   * gate is built only then, and asked like `approval`; without it the user is asked by URL.
   * `ctx.request` passes its call's, so a rule's approval is asked the same way as a declared tool's.
   */
  readonly approvalAsker?: ApprovalAsker | undefined;
  /** Why the call is made (recorded in the audit row). */
  readonly reason?: string | undefined;
  /** Whole-request timeout (default `http.timeoutMs`, else 30 000 ms). */
  readonly timeoutMs?: number | undefined;
  /**
   * Ends the request with RequestAbortedError when it aborts: checked before anything is sent, then
   * every 10 ms while the provider exchange is in flight (no listener is added to it).
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Largest response body accepted, in bytes after decompression (default: the provider's
   * `maxResponseBytes`, else 10 MiB). Larger → `ResponseTooLargeError`; reading stops at the cap.
   */
  readonly maxResponseBytes?: number | undefined;
  /** Scopes the call needs (a tool's declared scopes); checked against the grant before sending. */
  readonly scopes?: readonly string[] | undefined;
  /**
   * An answer the provider's `scopeSignal` recognizes as "insufficient scope" (Google 403
   * `insufficientPermissions`, GitHub `X-Accepted-OAuth-Scopes`, Slack `missing_scope`):
   * `'raise'` throws `ScopeReauthRequiredError` naming the scopes (default, or the provider's
   * `scopeErrors`), `'return'` hands the response back as is.
   */
  readonly scopeErrors?: ScopeErrorsMode | undefined;
}

/** Ambient audit context as returned by {@link AlterVault.currentAuditContext}. */
export type { AuditContext } from './audit-context.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const KEY_CHECK_NS = 'alter.vault';
const KEY_CHECK_KEY = 'key-check';
const KEY_CHECK_PLAIN = 'alter-vault-key-check:v1';
const DEFAULT_TIMEOUT_MS = 30_000;
/** Lease TTL beyond the token endpoint timeout: room for the persist retries (~1.5 s) and slow disks. */
const LEASE_MARGIN_MS = 15_000;
/** Default response-body cap: 10 MiB after decompression. */
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** The keys of `options.connect` (see {@link AlterVaultOptions.connect}). */
const CONNECT_OPTION_KEYS: readonly string[] = ['baseUrl', 'sessionTtlSec'];
/** The keys of {@link AlterVaultOptions}. */
const VAULT_OPTION_KEYS: readonly string[] = [
  'caller',
  'providers',
  'store',
  'encryptionKey',
  'previousKeys',
  'connect',
  'http',
  'grantLock',
  'refresh',
  'logger',
  'audit',
  'sweep',
  'telemetry',
  'policy',
  'approvals',
];
/** Names users reach for, and the option each means. */
const VAULT_OPTION_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  storePath: 'store',
  database: 'store',
  databaseUrl: 'store',
  db: 'store',
  path: 'store',
  filename: 'store',
  key: 'encryptionKey',
  masterKey: 'encryptionKey',
  timeoutMs: 'http.timeoutMs',
});

/** `vault.audit`: query, verify and flush the audit trail. */
export interface VaultAudit {
  /** Rows matching the filter, newest first (flushes first). */
  query(filter?: AuditQuery): Promise<AuditRecord[]>;
  /**
   * Walks the hash chain; reports the first edited or missing row. `options.onProgress` gets the
   * running count every `options.progressEvery` rows (default 1,000) and once at the end.
   *
   * @throws InvalidArgumentError for bad options (named).
   */
  verify(options?: AuditVerifyOptions): Promise<AuditVerifyResult>;
  /** Writes every queued row. */
  flush(): Promise<void>;
}

/** Set by AlterVault's static block: the audit contexts of a vault, for {@link withToolCallScope}. */
let auditContextsOf: (vault: AlterVault) => AuditContextStore;

/**
 * The embedded token vault.
 *
 * @example
 * const vault = new AlterVault({ caller: 'my-server', providers: [providers.github({ clientId, clientSecret })] });
 * const res = await vault.request('github', 'GET', 'https://api.github.com/repos/{owner}/{repo}', {
 *   user: 'alice', pathParams: { owner: 'acme', repo: 'app' },
 * });
 * console.log(res.status, res.json());
 * await vault.close();
 */
export class AlterVault {
  readonly caller: string;
  /** The store (holds only sealed secrets). Public for extensions such as the auth server. */
  readonly store: GrantStore;
  readonly grants: GrantsApi;
  readonly audit: VaultAudit;
  readonly connect: ConnectManager;
  /** Approvals asked by URL: list, approve, deny (docs/approvals.md; `alter approvals`). */
  readonly approvals: VaultApprovals;
  readonly #logger: Logger;
  readonly #providers = new Map<string, ProviderConfig>();
  #box: SecretBox;
  readonly #tokens: TokenManager;
  readonly #auditLog: AuditLog;
  readonly #context = new AuditContextStore();
  readonly #timeoutMs: number;
  readonly #refreshers = new Map<string, TokenRefresher>();
  readonly #revokers = new Map<string, OAuthClient>();
  readonly #refresherFactory: (provider: ProviderConfig) => TokenRefresher;
  readonly #sweeper: StoreSweeper;
  readonly #policy: EgressPolicy;
  readonly #approvals: ApprovalLedger;
  /** Null when @opentelemetry/api is not installed or telemetry is off: each hook is one check. */
  readonly #telemetry: VaultTelemetry | null;
  #readyPromise: Promise<void> | undefined;
  #isReady = false;
  #closing: Promise<void> | undefined;
  /** Requests between their audit-relevant start and their audit row; close() waits for them. */
  #inflight = 0;
  #idle: (() => void) | undefined;

  /**
   * @throws InvalidArgumentError for a bad option (named); VaultConfigError for duplicate provider
   *   ids; EncryptionKeyError for a malformed key.
   */
  constructor(options: AlterVaultOptions) {
    // An unknown key is refused: `{ storePath }` would otherwise open the default store silently.
    requireKnownKeys(options, VAULT_OPTION_KEYS, 'options', VAULT_OPTION_ALIASES);
    this.caller = requireNonEmptyString(options.caller, 'options.caller');
    this.#logger = options.logger ?? createDefaultLogger();
    if (!Array.isArray(options.providers))
      throw new InvalidArgumentError('options.providers', 'expected an array of provider configurations');
    options.providers.forEach((raw, i) => {
      requireObject(raw, `options.providers[${i}]`);
      const id = requireNonEmptyString(raw.id, `options.providers[${i}].id`);
      if (this.#providers.has(id)) throw new VaultConfigError(`options.providers: provider id "${id}" appears twice; ids must be unique.`);
      // The one validation seam for providers; it also hides clientSecret from inspect/JSON
      // (idempotent for configs the provider factories already built).
      this.#providers.set(id, defineProvider(raw, `new AlterVault: providers[${i}]`));
    });
    const http = options.http === undefined ? {} : requireKnownKeys(options.http, ['timeoutMs'], 'options.http', { timeout: 'timeoutMs' });
    this.#timeoutMs = optionalDurationMs(http.timeoutMs, 'options.http.timeoutMs') ?? DEFAULT_TIMEOUT_MS;
    optionalString(options.encryptionKey, 'options.encryptionKey');
    const previous = options.previousKeys ?? [];
    if (!Array.isArray(previous)) throw new InvalidArgumentError('options.previousKeys', 'expected an array of base64 keys');
    const { key } = resolveEncryptionKey(options.encryptionKey, this.#logger);
    this.#box = new SecretBox(
      key,
      previous.map((k, i) => parseEncryptionKey(k, `options.previousKeys[${i}]`)),
    );
    if (options.telemetry !== undefined && typeof options.telemetry !== 'boolean')
      throw new InvalidArgumentError('options.telemetry', 'expected true or false');
    this.#telemetry = VaultTelemetry.create(options.telemetry !== false);
    this.#policy = new EgressPolicy(options.policy);
    this.store = storeFromOption(options.store);
    const pendingApprovals = new PendingApprovals(this.store, { seal: (p) => this.sealSecret(p), open: (s) => this.openSecret(s) });
    // Approval links live beside Connect links (the same base URL and handler).
    this.#approvals = new ApprovalLedger(options.approvals, { pending: pendingApprovals, baseUrl: () => this.connect.baseUrl });
    this.approvals = new ApprovalsApi(pendingApprovals, () => this.ready());
    offerStoreLogger(this.store, this.#logger);
    this.#sweeper = new StoreSweeper(this.store, this.#logger, sweepOptionsOf(options.sweep));
    this.#auditLog = new AuditLog(this.store, this.#logger, options.audit);
    this.#refresherFactory = refresherOf(options) ?? ((p) => createOAuthClient(p, { timeoutMs: this.#timeoutMs }));
    const refreshOptions = options.refresh === undefined ? {} : requireKnownKeys(options.refresh, ['leaseTtlMs'], 'options.refresh');
    const leaseTtlMs = optionalDurationMs(refreshOptions.leaseTtlMs, 'options.refresh.leaseTtlMs') ?? this.#timeoutMs + LEASE_MARGIN_MS;
    if (leaseTtlMs <= this.#timeoutMs) {
      throw new InvalidArgumentError(
        'options.refresh.leaseTtlMs',
        `must be longer than the token endpoint timeout (http.timeoutMs = ${this.#timeoutMs} ms), or a slow refresh could lose its lease to another process; got ${leaseTtlMs} ms`,
      );
    }
    this.#tokens = new TokenManager({
      store: this.store,
      lock: grantLockFor(this.store, options.grantLock, this.#logger),
      leaseTtlMs,
      box: () => this.#box,
      refresher: (p) => this.#refresherFor(p),
      logger: this.#logger,
    });
    this.grants = new GrantsApi({
      ready: () => this.ready(),
      store: this.store,
      box: () => this.#box,
      provider: (id) => this.provider(id),
      tokens: this.#tokens,
      revokeUpstream: (p, tokens) => this.#revokerFor(p).revokeGrant(tokens),
    });
    const auditLog = this.#auditLog;
    this.audit = Object.freeze({
      query: async (filter?: AuditQuery) => {
        await this.ready();
        return auditLog.query(filter);
      },
      verify: async (options?: AuditVerifyOptions) => {
        verifyOptionsOf(options); // bad arguments fail before the store is opened
        await this.ready();
        return auditLog.verify(options);
      },
      flush: () => auditLog.flush(),
    });
    const connectOptions = options.connect === undefined ? {} : requireKnownKeys(options.connect, CONNECT_OPTION_KEYS, 'options.connect');
    const signals = signalsOf(this.store);
    const deps: ConnectDeps = {
      store: this.store,
      caller: this.caller,
      provider: (id) => this.provider(id),
      seal: (plain) => this.sealSecret(plain),
      open: (sealed) => this.openSecret(sealed),
      putGrant: async (input) => {
        const info = await this.grants.put({
          user: input.user,
          provider: input.provider,
          account: input.account,
          accessToken: input.accessToken,
          ...(input.refreshToken !== undefined ? { refreshToken: input.refreshToken } : {}),
          expiresAt: input.expiresAt,
          scopes: input.scopes,
        });
        return { id: info.id };
      },
      options: { ...connectOptions } as ConnectDeps['options'],
      logger: this.#logger,
      ready: () => this.ready(),
      ...(this.#telemetry ? { sessionStarted: () => this.#telemetry?.connectSession('started') } : {}),
      grantRowsOfUser: (user) => this.#grantRowsOf(user),
      revokeGrantOfUser: async (user, grantId) => {
        if (typeof grantId !== 'string' || grantId === '') return undefined;
        await this.ready();
        const grant = await this.store.getGrant(grantId);
        // Only a grant of the page's user: a grant id from another user's page changes nothing.
        if (grant === undefined || grant.user !== user) return undefined;
        return this.grants.revoke({ id: grantId });
      },
      // Connect completions reach waiters in other processes at once (LISTEN/NOTIFY); other stores poll.
      ...(signals ? { signals } : {}),
    };
    this.connect = new ConnectManager(deps);
    const telemetry = this.#telemetry;
    if (telemetry) {
      this.connect.on('complete', () => telemetry.connectSession('completed'));
      this.connect.on('failed', () => telemetry.connectSession('failed'));
    }
  }

  /** The grants page's rows: active grants, with when each was last used (newest audit rows). */
  async #grantRowsOf(user: string): Promise<GrantRow[]> {
    await this.ready();
    const grants = await this.store.listGrants({ user });
    await this.#auditLog.flush();
    const recent = await this.#auditLog.query({ user, limit: GRANTS_PAGE_AUDIT_ROWS });
    const lastUsed = new Map<string, Date>();
    // Newest first: the first row of each (provider, account) is its last use.
    for (const row of recent) {
      const key = `${row.provider}\n${row.account}`;
      if (!lastUsed.has(key) && row.status !== null) lastUsed.set(key, row.at);
    }
    return grants.map((g) => ({
      id: g.id,
      providerName: this.#providers.get(g.provider)?.displayName ?? g.provider,
      account: g.account,
      scopes: g.scopes,
      lastUsed: lastUsed.get(`${g.provider}\n${g.account}`),
    }));
  }

  /** Ids of the configured providers. */
  get providerIds(): string[] {
    return [...this.#providers.keys()];
  }

  /** Id of the key new secrets are sealed with (not secret). */
  get keyId(): string {
    return this.#box.keyId;
  }

  /** The provider configuration. @throws VaultConfigError naming the known ids. */
  provider(id: string): ProviderConfig {
    const p = typeof id === 'string' ? this.#providers.get(id) : undefined;
    if (!p) {
      const known = this.providerIds;
      throw new VaultConfigError(
        `Unknown provider "${String(id)}". Configured providers: ${known.length ? known.join(', ') : '(none)'}. Add it to new AlterVault({ providers: [...] }).`,
      );
    }
    return p;
  }

  /**
   * Opens the store (migrations) and checks the encryption key against the store. Optional:
   * every method awaits it. @throws EncryptionKeyError when the store was written with another key.
   */
  ready(): Promise<void> {
    if (this.#closing) return Promise.reject(new VaultConfigError('The vault is closed; create a new AlterVault.'));
    this.#readyPromise ??= this.#open().then(
      () => {
        this.#isReady = true;
        this.#sweeper.start();
      },
      (err: unknown) => {
        this.#readyPromise = undefined;
        throw err;
      },
    );
    return this.#readyPromise;
  }

  async #open(): Promise<void> {
    await this.store.open();
    const box = this.#box;
    const entry = await this.store.kvGet(KEY_CHECK_NS, KEY_CHECK_KEY);
    if (entry) {
      this.#checkKey(box, entry.value);
      return;
    }
    // No canary yet: a store written before canaries (or by hand) may still hold sealed grants.
    const [someGrant] = await this.store.listGrants({ includeRevoked: true });
    if (someGrant) this.#checkKey(box, someGrant.accessToken);
    const written = await this.store.kvCompareAndSet(KEY_CHECK_NS, KEY_CHECK_KEY, 0, box.seal(KEY_CHECK_PLAIN), null);
    if (!written) {
      const raced = await this.store.kvGet(KEY_CHECK_NS, KEY_CHECK_KEY);
      if (raced) this.#checkKey(box, raced.value);
    }
  }

  #checkKey(box: SecretBox, sealed: string): void {
    const keyId = sealedKeyId(sealed);
    if (keyId !== undefined && !box.hasKey(keyId)) {
      throw new EncryptionKeyError(
        `This vault's store was encrypted with key id "${keyId}", but the configured key has id "${box.keyId}"${box.keyIds.length > 1 ? ` (previous keys: ${box.keyIds.slice(1).join(', ')})` : ''}. Set encryptionKey / ALTER_VAULT_KEY to the key with id "${keyId}" (or add it to previousKeys and call rotateKey). Nothing was changed.`,
        { keyId },
      );
    }
    box.open(sealed);
  }

  /** The OAuth client that revokes grants of `provider` at the provider (same host policy as refresh). */
  #revokerFor(provider: ProviderConfig): OAuthClient {
    let c = this.#revokers.get(provider.id);
    if (!c) {
      c = createOAuthClient(provider, { timeoutMs: this.#timeoutMs });
      this.#revokers.set(provider.id, c);
    }
    return c;
  }

  #refresherFor(provider: ProviderConfig): TokenRefresher {
    let r = this.#refreshers.get(provider.id);
    if (!r) {
      r = this.#refresherFactory(provider);
      if (this.#telemetry) r = this.#telemetry.countRefreshes(r, provider.id);
      this.#refreshers.set(provider.id, r);
    }
    return r;
  }

  /**
   * Sends a request to a provider API as `options.user`, with their access token injected.
   * Non-2xx responses are returned, not thrown — except an answer the provider's `scopeSignal`
   * recognizes as insufficient scope, which throws ScopeReauthRequiredError (see `scopeErrors`).
   *
   * @throws InvalidArgumentError (bad argument, named), UrlTemplateError, HostNotAllowedError,
   *   GrantNotFoundError, AccountAmbiguousError, ScopeReauthRequiredError, TokenRefreshError,
   *   RequestTimeoutError, RequestAbortedError, ProviderHttpError (network failure),
   *   PolicyDeniedError, ApprovalRefusedError, ApprovalPendingError (approve at its link, then retry).
   * @example
   * const res = await vault.request('google', 'GET',
   *   'https://gmail.googleapis.com/gmail/v1/users/me/messages/{id}',
   *   { user: 'alice', pathParams: { id: messageId } });
   */
  async request(provider: string, method: string, url: string, options: VaultRequestOptions): Promise<VaultResponse> {
    const started = performance.now();
    const at = new Date();
    const p = this.provider(requireNonEmptyString(provider, 'provider'));
    const verb = typeof method === 'string' ? method.toUpperCase() : '';
    if (!METHODS.has(verb)) throw new InvalidArgumentError('method', `expected one of ${[...METHODS].join(', ')}`);
    // Per-call secret tracking (call-secrets.ts): the MCP layer redacts these from tool results.
    noteCallSecret(p.clientSecret, p);
    requireNonEmptyString(url, 'url');
    requireKnownRequestOptions(requireObject(options, 'options'), 'options');
    const user = requireIdentifier(options.user, 'options.user');
    const account = optionalIdentifier(options.account, 'options.account');
    const reason = optionalString(options.reason, 'options.reason');
    const timeoutMs = optionalDurationMs(options.timeoutMs, 'options.timeoutMs') ?? this.#timeoutMs;
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal))
      throw new InvalidArgumentError('options.signal', 'expected an AbortSignal');
    if (options.json !== undefined && options.body !== undefined)
      throw new InvalidArgumentError('options.body', 'pass either json or body, not both');
    const scopeErrors = scopeErrorsArg(options.scopeErrors) ?? p.scopeErrors ?? 'raise';
    if (options.endpoints !== undefined) this.#policy.endpoints(options.endpoints, 'options.endpoints');
    if (options.approval !== undefined && typeof options.approval !== 'function')
      throw new InvalidArgumentError('options.approval', 'expected a function that asks for the approval');
    if (options.approvalAsker !== undefined && typeof options.approvalAsker?.approvalGate !== 'function')
      throw new InvalidArgumentError('options.approvalAsker', 'expected an object whose approvalGate() returns the gate that asks');
    const maxResponseBytes =
      responseCapArg(options.maxResponseBytes, 'options.maxResponseBytes') ?? p.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (this.#closing) throw new VaultConfigError('The vault is closed; create a new AlterVault.');
    if (!this.#isReady) {
      await this.#withinTimeout(this.ready(), started, timeoutMs, p.id, user);
      if (this.#closing) throw new VaultConfigError('The vault is closed; create a new AlterVault.');
    }

    // Set once the template expands; a refused template is audited as the redacted raw string.
    let auditUrl: string | undefined;
    this.#inflight += 1;
    let auditAccount = account ?? '';
    let status: number | null = null;
    let errorCode: string | null = null;
    let policy: PolicyOutcome | undefined;
    let approval: ApprovalAudit | null = null;
    const trace = this.#telemetry?.startRequest(p.id, verb);
    try {
      const target = buildUrl(url, options.pathParams, options.queryParams);
      auditUrl = redactUrl(target);
      trace?.target(auditUrl, target, url);
      checkHostAllowed(p, target);
      const sendUrl = applyHostRewrite(p, target);
      const headers = buildRequestHeaders(options.extraHeaders, options.json !== undefined);
      // The one copy that is approved, hashed, shown and sent (request-body.ts).
      const data = sentBody(options.json, options.body);
      // Before the token is read: a refused request never touches the grant.
      policy =
        this.#policy.isTrivial && options.endpoints === undefined
          ? ALLOWED_BY_DEFAULT
          : await this.#evaluatePolicy(p.id, verb, target, user, options.endpoints);
      if (options.approval !== undefined || policy.approvalRule !== undefined) {
        // After the policy (a refused request is never shown for approval), before the token is read.
        // A tool's gate asks inline, and so does the caller's asker when only a rule wants the
        // approval; without either (or when the gate cannot ask) the user approves by URL.
        const result = await this.#approvals.obtain(
          {
            user,
            provider: p.id,
            account: account ?? null,
            tool: this.#context.current()?.tool ?? null,
            method: verb,
            url: target.href,
            auditUrl: redactUrl(target),
            body: data,
            headers,
            rule: policy.approvalRule ?? null,
          },
          options.approval ?? options.approvalAsker?.approvalGate(),
        );
        approval = result.audit;
        if (result.refusal !== null) throw result.refusal;
      }
      if (options.signal !== undefined && isAborted(options.signal)) throw new RequestAbortedError({ provider: p.id });
      const required = options.scopes === undefined ? [] : scopesArg(options.scopes);

      // The deadline (also for waiting on another process's refresh lease) is #withinTimeout's;
      // `wait` lets the caller's signal end a wait on a shared refresh.
      const wait = options.signal ? { signal: options.signal } : undefined;
      // A cached token needs no store, so there is nothing to bound by the timeout (no timer).
      let lease: TokenLease =
        this.#tokens.cached(p, user, account) ??
        (await this.#withinTimeout(this.#tokens.acquire(p, user, account, wait), started, timeoutMs, p.id, user));
      noteCallSecret(lease.token, lease);
      auditAccount = lease.account;
      if (required.length > 0) {
        const missing = missingScopes(required, lease.scopes);
        if (missing !== undefined) throw new ScopeReauthRequiredError({ user, provider: p.id, missingScopes: missing });
      }
      let res = await this.#send(p, verb, sendUrl.href, headers, data, lease.token, {
        timeoutMs,
        maxResponseBytes,
        signal: options.signal,
      });
      if (res.status === 401 && lease.refreshable) {
        this.#logger.debug('provider answered 401; refreshing once and retrying', { provider: p.id, user });
        lease = await this.#withinTimeout(this.#tokens.forceRefresh(p, user, account, lease, wait), started, timeoutMs, p.id, user);
        noteCallSecret(lease.token, lease);
        res = await this.#send(p, verb, sendUrl.href, headers, data, lease.token, { timeoutMs, maxResponseBytes, signal: options.signal });
      }
      status = res.status;
      if (scopeErrors === 'raise') {
        // The body is already in memory (read within the response cap), so the check reads nothing more.
        const needed = (p.scopeSignal ?? bearerInsufficientScope)(res);
        if (needed !== undefined)
          throw new ScopeReauthRequiredError({ user, provider: p.id, missingScopes: needed, providerStatus: res.status });
      }
      return res;
    } catch (err) {
      errorCode = isAlterError(err) ? err.code : 'ALTER_UNEXPECTED';
      if (policy === undefined) policy = refusalOutcome(err);
      this.#telemetry?.requestFailed(p.id, errorCode);
      throw err;
    } finally {
      trace?.end(status, errorCode);
      const ctx = this.#context.current();
      const committed = this.#auditLog.record({
        id: randomUUID(),
        at,
        caller: this.caller,
        user,
        provider: p.id,
        account: auditAccount,
        method: verb,
        url: auditUrl ?? redactUrl(url),
        status,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        tool: ctx?.tool ?? null,
        parentTool: ctx?.parentTool ?? null,
        chain: ctx?.chain ?? [],
        callId: ctx?.callId ?? null,
        reason: reason ?? null,
        errorCode,
        decision: policy?.decision ?? null,
        policyRule: policy?.rule ?? null,
        // Always present (null without an approval): every row has one shape, and null hashes
        // and stores exactly like an absent field (audit-hash.ts, store-rows.ts).
        approval: approval?.approval ?? null,
        approvalBy: approval?.by ?? null,
        approvalVia: approval?.via ?? null,
        approvalAt: approval?.at ?? null,
      });
      try {
        // 'sync', or a 'batched' row beyond the loss window: return only once the row is committed.
        if (committed !== undefined) await this.#auditCommitted(committed, p.id, status, errorCode);
      } finally {
        this.#inflight -= 1;
        if (this.#inflight === 0 && this.#idle) this.#idle();
      }
    }
  }

  /**
   * Waits for a request's audit row to commit. When the append fails, a request that succeeded
   * throws (its durability promise cannot be kept); a request that already failed keeps its own
   * error (the audit failure is logged by the writer, which retries the row).
   */
  async #auditCommitted(committed: Promise<void>, provider: string, status: number | null, errorCode: string | null): Promise<void> {
    try {
      await committed;
    } catch (cause) {
      if (errorCode !== null) return;
      throw new StoreError(
        `The ${provider} request was sent (HTTP ${status}) but its audit row could not be committed: ${cause instanceof Error ? cause.message : String(cause)}. ` +
          'The row stays queued and is retried; check the store, and do not assume the call did not happen.',
        { cause },
      );
    }
  }

  /**
   * Bounds a wait on the store (opening it, reading the grant, the grant lock of a refresh) by the
   * request's `timeoutMs`, counted from the request's start: a database that does not answer must
   * not hold the caller past its timeout. The abandoned operation ends by the store's own timeouts
   * (PostgreSQL destroys the stuck connection); its late failure is observed here, never unhandled.
   * @throws StoreUnavailableError (`reason: 'timeout'`) when `timeoutMs` passes first.
   */
  async #withinTimeout<T>(work: Promise<T>, started: number, timeoutMs: number, provider: string, user: string): Promise<T> {
    work.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError({
              reason: 'timeout',
              message: `Request to ${provider} for user "${user}" could not get its grant from the vault store within timeoutMs (${timeoutMs} ms): the store did not answer in time (database unreachable or slow, or the grant lock held by a slow token refresh). Retry later; if it persists, check the database.`,
            }),
          ),
        Math.max(0, started + timeoutMs - performance.now()),
      );
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #send(
    p: ProviderConfig,
    method: string,
    url: string,
    headers: Record<string, string>,
    data: SentBody,
    token: string,
    limits: { readonly timeoutMs: number; readonly maxResponseBytes: number; readonly signal: AbortSignal | undefined },
  ): Promise<VaultResponse> {
    const { timeoutMs, maxResponseBytes, signal } = limits;
    // Aborted while the token was read (or before the retry after a 401): nothing is sent.
    if (signal !== undefined && isAborted(signal)) throw new RequestAbortedError({ provider: p.id });
    // Reused across exchanges (internal/exchange-controllers.ts): a new AbortSignal is costly on Node 20.
    const controller = takeExchangeController();
    let timedOut = false;
    // One timer for the whole exchange: sending, headers and reading the body.
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const abort = () => controller.abort();
    // Checked on a shared timer, not by a listener on the caller's signal (caller-abort-watch.ts).
    if (signal !== undefined) watchCallerAbort(abort, signal);
    let res: AxiosResponse<Readable>;
    let body: Buffer | undefined;
    try {
      const pending = providerHttpClient();
      const http = pending instanceof Promise ? await pending : pending;
      res = await http.request<Readable>({
        method,
        url,
        headers: { ...headers, authorization: `Bearer ${token}` },
        data,
        signal: controller.signal,
      });
      body = await readCappedBody(res.data, maxResponseBytes, controller.signal);
    } catch (err) {
      if (timedOut) throw new RequestTimeoutError({ provider: p.id, timeoutMs });
      if (signal !== undefined && isAborted(signal)) throw new RequestAbortedError({ provider: p.id });
      // Never attach axios' error: its config holds the Authorization header.
      const e = err as { code?: unknown; message?: unknown };
      const detail = typeof e.code === 'string' ? e.code : typeof e.message === 'string' ? e.message.slice(0, 200) : 'network error';
      throw new ProviderHttpError({ provider: p.id, detail, cause: new Error(detail) });
    } finally {
      clearTimeout(timer);
      if (signal !== undefined) unwatchCallerAbort(abort);
      // Nothing of this exchange can abort the controller any more (timer cleared, watch ended).
      releaseExchangeController(controller);
    }
    if (body === undefined) throw new ResponseTooLargeError({ provider: p.id, limitBytes: maxResponseBytes, status: res.status });
    // The headers are copied (lower-cased, frozen) only if someone reads them.
    return vaultResponseFromWire(p.id, res.status, res.headers as Readonly<Record<string, unknown>>, body);
  }

  /** The policy's verdict on one request, made inside the current tool's audit context (if any). */
  #evaluatePolicy(
    provider: string,
    method: string,
    url: URL,
    user: string,
    endpoints: readonly string[] | undefined,
  ): Promise<PolicyOutcome> {
    const context = this.#context.current();
    return this.#policy.evaluate({
      provider,
      method,
      url,
      user,
      tool: context?.tool ?? null,
      declaredTool: context?.declaredTool ?? null,
      endpoints,
    });
  }

  /**
   * Runs `fn` inside an audit context: every `request()` in it (however deep) is tagged with the
   * tool; nested contexts record their parent and the whole chain.
   * @example
   * await vault.withAuditContext({ tool: 'list_emails' }, () => vault.request(...));
   */
  withAuditContext<T>(context: AuditContextInput, fn: () => T): T {
    return this.#context.run(context, fn);
  }

  /** The ambient audit context, or undefined outside {@link withAuditContext}. */
  currentAuditContext(): AuditContext | undefined {
    return this.#context.current();
  }

  static {
    // The only way in for withToolCallScope (module-private, not a method of the public class).
    auditContextsOf = (vault) => vault.#context;
  }

  /** Seals a secret with the vault key (for extensions: auth-server keys, connect state). */
  sealSecret(plain: string): SealedSecret {
    if (typeof plain !== 'string') throw new InvalidArgumentError('plain', 'expected a string');
    return this.#box.seal(plain);
  }

  /**
   * Opens a value sealed by {@link sealSecret} (or a stored grant token: those are bound to their
   * grant, which this does not check — the request path does). @throws EncryptionKeyError naming the key id.
   */
  openSecret(sealed: SealedSecret): string {
    if (typeof sealed !== 'string') throw new InvalidArgumentError('sealed', 'expected a sealed string');
    return this.#box.open(sealed);
  }

  /**
   * Re-encrypts every stored secret with `newKeyBase64` in one transaction; the old key is kept
   * for reading. Then configure the new key (and drop the old one) on every process.
   * @throws EncryptionKeyError when the new key is malformed.
   */
  async rotateKey(newKeyBase64: string): Promise<{ resealed: number; keyId: string }> {
    const key = parseEncryptionKey(newKeyBase64, 'newKeyBase64');
    await this.ready();
    const oldBox = this.#box;
    const newBox = oldBox.rotatedTo(key);
    // Grant tokens stay bound to their grant (v1 ones get bound to their row); see grant-token-seal.ts.
    const moved: string[] = [];
    const resealed = await this.store.resealAll((sealed, row) => resealStoredSecret(oldBox, newBox, sealed, row, (id) => moved.push(id)));
    if (moved.length > 0) {
      this.#logger.warn(
        'rotateKey: some grants hold a token sealed for another grant (the database was edited); they stay refused. Revoke them and have their users reconnect.',
        {
          grantIds: moved,
        },
      );
    }
    this.#box = newBox;
    this.#tokens.clear();
    this.#logger.info('encryption key rotated', { keyId: newBox.keyId, resealed });
    return { resealed, keyId: newBox.keyId };
  }

  /**
   * Deletes every expired store entry now (what the background sweep does every
   * `sweep.intervalMs`), in batches of `sweep.batchSize` (or `options.batchSize`), and returns
   * how many entries it removed. `alter store prune` calls this.
   * @throws InvalidArgumentError for bad options (named); StoreError when the store fails; EncryptionKeyError / NativeModuleError from opening it.
   * @example
   * const { removed } = await vault.pruneExpired();
   */
  async pruneExpired(options?: SweepRunOptions): Promise<SweepResult> {
    const run = sweepRunOptionsOf(options); // bad arguments fail before the store is opened
    await this.ready();
    return this.#sweeper.sweep(run);
  }

  /** Flushes the audit trail, closes Connect and the store. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const pending = this.#readyPromise;
      if (pending) await pending.catch(() => {});
      // Graceful shutdown: let in-flight requests finish so their audit rows are written too.
      if (this.#inflight > 0) {
        await new Promise<void>((resolve) => {
          this.#idle = resolve;
        });
      }
      await this.#sweeper.stop();
      try {
        await (this.connect as { close?: () => Promise<void> | void }).close?.();
      } finally {
        try {
          if (this.#isReady) await this.#auditLog.flush();
        } finally {
          // Whatever the last flush did, the writer ends here: no retry against a closed store.
          this.#auditLog.stop();
          try {
            await this.store.close();
          } finally {
            this.#context.close();
          }
        }
      }
    })();
    return this.#closing;
  }

  toJSON(): Record<string, unknown> {
    return { caller: this.caller, providers: this.providerIds, store: this.store.kind, keyId: this.#box.keyId };
  }

  [inspect.custom](): string {
    return `AlterVault { caller: '${this.caller}', providers: [${this.providerIds.map((p) => `'${p}'`).join(', ')}], store: '${this.store.kind}', keyId: '${this.#box.keyId}' }`;
  }
}

/** A response cap: a positive safe integer number of bytes. */
function responseCapArg(value: unknown, argument: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(
      argument,
      `expected a positive integer number of bytes, got ${typeof value === 'number' ? String(value) : describeType(value)}`,
    );
  }
  return value;
}

function scopeErrorsArg(value: unknown): ScopeErrorsMode | undefined {
  if (value === undefined || value === 'raise' || value === 'return') return value;
  throw new InvalidArgumentError('options.scopeErrors', `expected 'raise' or 'return', got ${describeType(value)}`);
}

/**
 * Frozen scope arrays already checked: a tool passes the same frozen array (its declared scopes)
 * on every request, and a frozen array cannot change after the check.
 */
const checkedScopes = new WeakSet<readonly string[]>();

function scopesArg(value: unknown): readonly string[] {
  if (Array.isArray(value) && checkedScopes.has(value)) return value;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || s === '')) {
    throw new InvalidArgumentError('options.scopes', 'expected an array of non-empty scope strings');
  }
  if (Object.isFrozen(value)) checkedScopes.add(value);
  return value as string[];
}

/**
 * Runs a tool call's `fn` with `secrets` as its secret tracker, inside `vault`'s audit context
 * `context`: what `withCallSecrets(secrets, () => vault.withAuditContext(context, fn))` does, in
 * one AsyncLocalStorage entry instead of two (internal/call-scope.ts). For @alter/mcp's tool
 * runner, through `@alter/vault/internal`.
 * @throws TypeError when `secrets` is not a CallSecrets or `vault` not an AlterVault; InvalidArgumentError for a bad `context`.
 */
export function withToolCallScope<T>(vault: AlterVault, secrets: CallSecrets, context: AuditContextInput, fn: () => T): T {
  if (!(secrets instanceof CallSecrets)) throw new TypeError('withToolCallScope(vault, secrets, …): secrets must be a CallSecrets');
  if (!(vault instanceof AlterVault))
    throw new TypeError(
      'withToolCallScope(vault, …): vault is not an AlterVault of this copy of @alter/vault. Two copies installed? The secrets its requests use would not be redacted from tool results, so the call is refused; install one copy (`npm ls @alter/vault`).',
    );
  return auditContextsOf(vault).runWithSecrets(context, secrets, fn);
}

/**
 * The scopes of `required` the grant lacks, or undefined when it has them all: a plain loop, as
 * every request of a tool that declares scopes runs it (an `every` and a `filter` callback were
 * two closures per request).
 */
function missingScopes(required: readonly string[], granted: ReadonlySet<string>): string[] | undefined {
  let missing: string[] | undefined;
  for (const scope of required) {
    if (granted.has(scope)) continue;
    missing ??= [];
    missing.push(scope);
  }
  return missing;
}

/** The `grantLock` option, else the built-in store's lease table, else an in-process lock (warned). */
function grantLockFor(store: GrantStore, option: GrantLock | undefined, logger: Logger): GrantLock {
  if (option !== undefined) {
    requireObject(option, 'options.grantLock');
    if (typeof option.tryAcquire !== 'function' || typeof option.release !== 'function') {
      throw new InvalidArgumentError('options.grantLock', 'expected a GrantLock (tryAcquire and release methods; see grant-lock.ts)');
    }
    return option;
  }
  if (store instanceof SqliteGrantStore || store instanceof PostgresGrantStore) return store.createGrantLock();
  logger.warn(
    `The custom store "${store.kind}" comes without a grantLock: token refresh is single-flight inside this process only. Pass options.grantLock (a GrantLock shared by every process) before running several processes on this store.`,
  );
  return new InProcessGrantLock();
}
