/**
 * Type tests for @alter/vault's option types, as an application compiles them: against the built
 * declarations with `exactOptionalPropertyTypes` (`tsconfig.test-d.json`, part of
 * `pnpm typecheck`). Options are exact — a misspelt key does not compile, there is no index
 * signature to swallow it — and every optional key accepts `undefined`, so a value read from
 * `process.env` can be passed as is (undefined means "use the default"). Every
 * `@ts-expect-error` must fire, or tsc reports it as unused.
 */
import {
  AlterVault,
  type AlterVaultOptions,
  type AuditOptions,
  type AuditQuery,
  type AuditVerifyOptions,
  type BuiltInProviderOptions,
  type ConnectListenOptions,
  type ConnectWaitOptions,
  type CreateConnectSessionInput,
  type GrantListFilter,
  type OAuth2ProviderOptions,
  type OidcProviderOptions,
  type PostgresGrantStoreOptions,
  type ProviderConfig,
  type PutGrantInput,
  providers,
  type SqliteGrantStoreOptions,
  type SweepOptions,
  type SweepRunOptions,
  type VaultRequestOptions,
} from '@alter/vault';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

/** Keys a caller may leave out. */
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
/** `-?` keeps an explicit `| undefined` but drops the implicit one (under exactOptionalPropertyTypes). */
type Declared<T> = { [K in keyof T]-?: T[K] };
/** Optional keys that refuse an explicit `undefined` (must be none). */
export type RejectsUndefined<T> = { [K in OptionalKeys<T>]-?: undefined extends Declared<T>[K] ? never : K }[OptionalKeys<T>];
/** True when `T` has a string index signature (which would accept any misspelt key). */
export type HasIndexSignature<T> = string extends keyof T ? true : false;

// ---- every public options type: optional keys take undefined, no index signature ------------

export type VaultOptionsTakeUndefined = Expect<Equal<RejectsUndefined<AlterVaultOptions>, never>>;
export type ConnectTakesUndefined = Expect<Equal<RejectsUndefined<NonNullable<AlterVaultOptions['connect']>>, never>>;
export type HttpTakesUndefined = Expect<Equal<RejectsUndefined<NonNullable<AlterVaultOptions['http']>>, never>>;
export type RefreshTakesUndefined = Expect<Equal<RejectsUndefined<NonNullable<AlterVaultOptions['refresh']>>, never>>;
export type RequestTakesUndefined = Expect<Equal<RejectsUndefined<VaultRequestOptions>, never>>;
export type AuditTakesUndefined = Expect<Equal<RejectsUndefined<AuditOptions>, never>>;
export type AuditQueryTakesUndefined = Expect<Equal<RejectsUndefined<AuditQuery>, never>>;
export type AuditVerifyTakesUndefined = Expect<Equal<RejectsUndefined<AuditVerifyOptions>, never>>;
export type SweepTakesUndefined = Expect<Equal<RejectsUndefined<SweepOptions>, never>>;
export type SweepRunTakesUndefined = Expect<Equal<RejectsUndefined<SweepRunOptions>, never>>;
export type SqliteTakesUndefined = Expect<Equal<RejectsUndefined<SqliteGrantStoreOptions>, never>>;
export type PostgresTakesUndefined = Expect<Equal<RejectsUndefined<PostgresGrantStoreOptions>, never>>;
export type BuiltInProviderTakesUndefined = Expect<Equal<RejectsUndefined<BuiltInProviderOptions>, never>>;
export type OidcTakesUndefined = Expect<Equal<RejectsUndefined<OidcProviderOptions>, never>>;
export type OAuth2TakesUndefined = Expect<Equal<RejectsUndefined<OAuth2ProviderOptions>, never>>;
export type ProviderConfigTakesUndefined = Expect<Equal<RejectsUndefined<ProviderConfig>, never>>;
export type ConnectListenTakesUndefined = Expect<Equal<RejectsUndefined<ConnectListenOptions>, never>>;
export type ConnectWaitTakesUndefined = Expect<Equal<RejectsUndefined<ConnectWaitOptions>, never>>;
export type ConnectSessionTakesUndefined = Expect<Equal<RejectsUndefined<CreateConnectSessionInput>, never>>;
export type GrantFilterTakesUndefined = Expect<Equal<RejectsUndefined<GrantListFilter>, never>>;
export type PutGrantTakesUndefined = Expect<Equal<RejectsUndefined<PutGrantInput>, never>>;

export type NoIndexSignatures = Expect<
  Equal<
    | HasIndexSignature<AlterVaultOptions>
    | HasIndexSignature<NonNullable<AlterVaultOptions['connect']>>
    | HasIndexSignature<VaultRequestOptions>
    | HasIndexSignature<BuiltInProviderOptions>
    | HasIndexSignature<ProviderConfig>,
    false
  >
>;

// ---- the quick start's main.ts, reading its settings from the environment --------------------

export function fromEnvironment(): AlterVault {
  return new AlterVault({
    caller: 'my-mcp-server',
    store: process.env.ALTER_VAULT_STORE,
    encryptionKey: process.env.ALTER_VAULT_KEY,
    connect: { baseUrl: process.env.PUBLIC_URL, sessionTtlSec: undefined },
    http: { timeoutMs: process.env.TIMEOUT_MS ? Number(process.env.TIMEOUT_MS) : undefined },
    providers: [
      providers.google({
        clientId: process.env.GOOGLE_CLIENT_ID ?? '',
        clientSecret: process.env.GOOGLE_CLIENT_SECRET ?? '',
        displayName: process.env.GOOGLE_DISPLAY_NAME,
      }),
    ],
  });
}

export async function requestWithOptionalAccount(vault: AlterVault, account: string | undefined): Promise<void> {
  await vault.request('google', 'GET', 'https://www.googleapis.com/oauth2/v3/userinfo', { user: 'alice', account, timeoutMs: undefined });
}

// ---- misspelt keys do not compile -----------------------------------------------------------

export function typos(): void {
  new AlterVault({
    caller: 'x',
    providers: [],
    // @ts-expect-error -- `baseURL` is not `baseUrl` (it used to compile and be ignored).
    connect: { baseURL: 'https://mcp.example.com' },
  });
  new AlterVault({
    caller: 'x',
    providers: [],
    // @ts-expect-error -- `sessionTTL` is not `sessionTtlSec`.
    connect: { sessionTTL: 600 },
  });
  new AlterVault({
    caller: 'x',
    providers: [],
    // @ts-expect-error -- top-level keys are exact too (`encryptionkey`).
    encryptionkey: 'k',
  });
  // @ts-expect-error -- and provider options (`clientID`).
  providers.github({ clientID: 'id', clientSecret: 's' });
}
