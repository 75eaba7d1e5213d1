/**
 * Type tests for @alter/testing's option types, as an application compiles them (against the
 * built declarations, `exactOptionalPropertyTypes`; see tsconfig.test-d.json): exact, and every
 * optional key accepts `undefined`. Every `@ts-expect-error` must fire.
 */
import {
  type ApproveOptions,
  type EchoRequestNextOptions,
  type FailNextOptions,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '@alter/testing';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
type Declared<T> = { [K in keyof T]-?: T[K] };
type RejectsUndefined<T> = { [K in OptionalKeys<T>]-?: undefined extends Declared<T>[K] ? never : K }[OptionalKeys<T>];

export type SandboxTakesUndefined = Expect<Equal<RejectsUndefined<SandboxOptions>, never>>;
export type ApproveTakesUndefined = Expect<Equal<RejectsUndefined<ApproveOptions>, never>>;
export type FailNextTakesUndefined = Expect<Equal<RejectsUndefined<FailNextOptions>, never>>;
export type EchoTakesUndefined = Expect<Equal<RejectsUndefined<EchoRequestNextOptions>, never>>;

export async function fromEnvironment(): Promise<Sandbox> {
  const ttl = process.env.TOKEN_TTL;
  return startSandbox({ accessTokenTtlSec: ttl === undefined ? undefined : Number(ttl) });
}

export async function typos(): Promise<void> {
  // @ts-expect-error -- `accessTokenTTL` is not `accessTokenTtlSec`.
  await startSandbox({ accessTokenTTL: 60 });
}
