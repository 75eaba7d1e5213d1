/**
 * Type-level tests for @alter/vault's public generics and option types. Checked by
 * `npx tsc -p tsconfig.test-d.json` (root), never executed: every `@ts-expect-error` below must
 * fire, or tsc reports it as unused.
 */
import type { AlterVault, VaultRequestOptions, VaultResponse } from '@alter/vault';

/** Compile-time equality: `Expect<Equal<A, B>>` fails to type-check unless A and B are identical. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

declare const vault: AlterVault;
declare const res: VaultResponse;

interface Repo {
  readonly fullName: string;
  readonly stars: number;
}

// `json<T>()` returns exactly T; without a type argument it is `unknown`, never `any`.
export type JsonReturnsT = Expect<Equal<ReturnType<typeof res.json<Repo>>, Repo>>;
export type JsonDefaultsToUnknown = Expect<Equal<ReturnType<typeof res.json>, unknown>>;
export type DataIsUnknown = Expect<Equal<typeof res.data, unknown>>;
export type StatusIsNumber = Expect<Equal<typeof res.status, number>>;
export type RequestResolvesToVaultResponse = Expect<Equal<Awaited<ReturnType<AlterVault['request']>>, VaultResponse>>;

export async function typedRequests(): Promise<void> {
  const r = await vault.request('github', 'GET', 'https://api.github.com/repos/{owner}/{repo}', {
    user: 'alice',
    pathParams: { owner: 'acme', repo: 42 },
    queryParams: { per_page: 10, state: 'open', page: undefined },
    extraHeaders: { accept: 'application/vnd.github+json' },
    scopes: ['repo'],
    timeoutMs: 5_000,
    signal: AbortSignal.timeout(5_000),
  });
  const repo = r.json<Repo>();
  repo.stars.toFixed(0);
  // @ts-expect-error -- json<T>() gives T, so a field T lacks is an error.
  repo.owner;
  // @ts-expect-error -- json() without T is `unknown`: it must be narrowed before use.
  r.json().fullName;

  // Bodies: JSON or a raw body.
  await vault.request('slack', 'POST', 'https://slack.com/api/chat.postMessage', { user: 'alice', json: { channel: 'C1', text: 'hi' } });
  await vault.request('google', 'POST', 'https://oauth2.googleapis.com/x', { user: 'alice', body: new URLSearchParams({ a: '1' }) });
}

export async function rejectedRequestOptions(): Promise<void> {
  // @ts-expect-error -- `user` is required: the vault never guesses whose token to use.
  await vault.request('github', 'GET', 'https://api.github.com/user', {});
  // @ts-expect-error -- options themselves are required (they carry the user).
  await vault.request('github', 'GET', 'https://api.github.com/user');
  // @ts-expect-error -- unknown keys are rejected (a misspelt `queryParams`).
  await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'alice', query: { a: '1' } });
  // @ts-expect-error -- unknown keys are rejected (`headers` is `extraHeaders`).
  await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'alice', headers: { a: '1' } });
  // @ts-expect-error -- `timeoutMs` is a number of milliseconds, not a string.
  await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'alice', timeoutMs: '5s' });
  // @ts-expect-error -- `scopes` is a list, not one space-separated string.
  await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'alice', scopes: 'repo read:org' });
  // @ts-expect-error -- path parameters are strings or numbers (each becomes one URL segment).
  await vault.request('github', 'GET', 'https://api.github.com/repos/{owner}', { user: 'alice', pathParams: { owner: ['a', 'b'] } });
  // @ts-expect-error -- header values are strings.
  await vault.request('github', 'GET', 'https://api.github.com/user', { user: 'alice', extraHeaders: { 'x-n': 1 } });
  // @ts-expect-error -- a raw body is text or bytes; objects go in `json`.
  await vault.request('github', 'POST', 'https://api.github.com/user', { user: 'alice', body: { a: 1 } });
}

// The options are read-only: the vault may keep a reference without the caller changing it later.
export function optionsAreReadonly(options: VaultRequestOptions): void {
  // @ts-expect-error -- readonly property.
  options.user = 'mallory';
}
