/**
 * Type tests for @alter/mcp's option types, as an application compiles them (against the built
 * declarations, `exactOptionalPropertyTypes`; see tsconfig.test-d.json): exact (no index
 * signature, misspelt keys fail) and every optional key accepts `undefined`, so settings read
 * from `process.env` pass as is. Every `@ts-expect-error` must fire, or tsc reports it as unused.
 */
import {
  type AlterAuthProviderOptions,
  AlterMCP,
  type AlterMCPOptions,
  type AlterToolOptions,
  type AuthServerLimitsOptions,
  type ClientDocumentLimits,
  type CorsOptions,
  type McpServerLike,
  type RegisterOptions,
  type RegistrationLimits,
  type ServeHttpOptions,
  type ServeStdioOptions,
  serveHttp,
  serveStdio,
  type ToolAnnotations,
} from '@alter/mcp';
import type { AlterVault } from '@alter/vault';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
/** `-?` keeps an explicit `| undefined` but drops the implicit one (under exactOptionalPropertyTypes). */
type Declared<T> = { [K in keyof T]-?: T[K] };
/** Optional keys that refuse an explicit `undefined` (must be none). */
type RejectsUndefined<T> = { [K in OptionalKeys<T>]-?: undefined extends Declared<T>[K] ? never : K }[OptionalKeys<T>];
type HasIndexSignature<T> = string extends keyof T ? true : false;

export type AlterMcpOptionsTakeUndefined = Expect<Equal<RejectsUndefined<AlterMCPOptions>, never>>;
export type RegisterTakesUndefined = Expect<Equal<RejectsUndefined<RegisterOptions>, never>>;
export type ToolOptionsTakeUndefined = Expect<Equal<RejectsUndefined<AlterToolOptions>, never>>;
export type AnnotationsTakeUndefined = Expect<Equal<RejectsUndefined<ToolAnnotations>, never>>;
export type StdioTakesUndefined = Expect<Equal<RejectsUndefined<ServeStdioOptions>, never>>;
export type HttpTakesUndefined = Expect<Equal<RejectsUndefined<ServeHttpOptions>, never>>;
export type CorsTakesUndefined = Expect<Equal<RejectsUndefined<CorsOptions>, never>>;
export type AuthProviderTakesUndefined = Expect<Equal<RejectsUndefined<AlterAuthProviderOptions>, never>>;
export type LimitsTakeUndefined = Expect<Equal<RejectsUndefined<AuthServerLimitsOptions>, never>>;
export type ClientDocumentLimitsTakeUndefined = Expect<Equal<RejectsUndefined<ClientDocumentLimits>, never>>;
export type RegistrationLimitsTakeUndefined = Expect<Equal<RejectsUndefined<RegistrationLimits>, never>>;

export type NoIndexSignatures = Expect<
  Equal<
    | HasIndexSignature<AlterMCPOptions>
    | HasIndexSignature<RegisterOptions>
    | HasIndexSignature<AlterToolOptions>
    | HasIndexSignature<ServeStdioOptions>
    | HasIndexSignature<ServeHttpOptions>
    | HasIndexSignature<AlterAuthProviderOptions>,
    false
  >
>;

declare const vault: AlterVault;
declare const server: McpServerLike;

export async function fromEnvironment(): Promise<void> {
  const alter = new AlterMCP(vault, { defaultUser: process.env.ALTER_DEFAULT_USER, toolNamePrefix: process.env.TOOL_PREFIX });
  alter.register(server, [], { prefix: process.env.REGISTER_PREFIX });
  await serveHttp(server, {
    port: process.env.PORT ? Number(process.env.PORT) : undefined,
    host: process.env.HOST,
    publicUrl: process.env.PUBLIC_URL,
  });
  await serveStdio(server, { vault, handleSignals: undefined });
}

export function typos(): void {
  // @ts-expect-error -- `defaultuser` is not `defaultUser`.
  new AlterMCP(vault, { defaultuser: 'alice' });
  // @ts-expect-error -- `publicURL` is not `publicUrl`.
  void serveHttp(server, { publicURL: 'https://mcp.example.com' });
  // @ts-expect-error -- `handleSignal` is not `handleSignals`.
  void serveStdio(server, { handleSignal: false });
}
