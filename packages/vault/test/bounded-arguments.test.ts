/**
 * Numbers and dates the vault hands to a timer or a store are checked where they come in (review
 * findings, stop 33), the same on both stores:
 * - `timeoutMs: 3e9` ("35 days") timed every request out at once: Node runs a timer longer than
 *   2^31 - 1 ms after 1 ms, and the RequestTimeoutError blamed the provider;
 * - `audit.query({ limit: 1e20 })` failed as a StoreError ("check the database") on both stores,
 *   and `since` before 4713 BC failed on PostgreSQL only;
 * - a URL that does not parse (a bad port) was audited with its userinfo, password included, in
 *   the append-only chain.
 * Real stores (a SQLite file; PostgreSQL in its own schema when ALTER_TEST_PG_URL is set).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { AlterVault, InvalidArgumentError } from '@alter/vault';
import { describeOnEachStore } from './support/each-store.js';
import { loopbackProvider, newKey } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';
import { openVaultWithGrant } from './support/vault-with-grant.js';

let server: RecordingServer;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
});

/** The InvalidArgumentError `run` rejects with, or what it did instead. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
    return 'resolved';
  } catch (err) {
    return err instanceof InvalidArgumentError ? { argument: err.argument } : err;
  }
}

describeOnEachStore('bounded arguments', (store) => {
  it('refuses a timeout no timer can run, instead of timing the request out at once', async () => {
    const { vault, leak } = await openVaultWithGrant(store(), { caller: 'bounded', user: 'alice' });
    server.reset();
    try {
      const url = `${server.origin}/v1/me`;
      expect(await outcome(() => vault.request('acme', 'GET', url, { user: 'alice', timeoutMs: 3e9 }))).toEqual({
        argument: 'options.timeoutMs',
      });
      expect(await outcome(() => vault.request('acme', 'GET', url, { user: 'alice', timeoutMs: 1.5 }))).toEqual({
        argument: 'options.timeoutMs',
      });
      expect(server.requests.filter((r) => r.url === '/v1/me')).toEqual([]);
      // The longest timer Node runs is accepted.
      const res = await vault.request('acme', 'GET', url, { user: 'alice', timeoutMs: 2 ** 31 - 1 });
      expect(res.status).toBe(200);
      leak.assertClean();
    } finally {
      await vault.close();
    }
    expect(
      () =>
        new AlterVault({
          caller: 'bounded',
          providers: [loopbackProvider('acme')],
          store: ':memory:',
          encryptionKey: newKey(),
          http: { timeoutMs: 2 ** 31 },
        }),
    ).toThrow(InvalidArgumentError);
  });

  it('refuses an audit query limit or since the store cannot take, as InvalidArgumentError', async () => {
    const { vault, leak } = await openVaultWithGrant(store(), { caller: 'bounded', user: 'alice' });
    try {
      await vault.request('acme', 'GET', `${server.origin}/v1/me`, { user: 'alice' });
      for (const limit of [1e20, 2 ** 63, 1.5, 0])
        expect(await outcome(() => vault.audit.query({ limit }))).toEqual({ argument: 'filter.limit' });
      for (const since of [new Date(-8.64e15), new Date(8.64e15)])
        expect(await outcome(() => vault.audit.query({ since }))).toEqual({ argument: 'filter.since' });
      // The bounds themselves are answered.
      expect(await vault.audit.query({ limit: Number.MAX_SAFE_INTEGER })).toHaveLength(1);
      expect(await vault.audit.query({ since: new Date('0001-01-01T00:00:00Z') })).toHaveLength(1);
      leak.assertClean();
    } finally {
      await vault.close();
    }
  });

  it('audits a URL that does not parse without its userinfo', async () => {
    const { vault, leak } = await openVaultWithGrant(store(), { caller: 'bounded', user: 'alice' });
    try {
      const password = leak.secret('pw-in-the-url-0f3a9c', 'a password in a URL');
      const err = await outcome(() => vault.request('acme', 'GET', `https://x:${password}@api.github.com:99999/user`, { user: 'alice' }));
      expect(err).toEqual({ argument: 'url' });
      const rows = await vault.audit.query({});
      expect(rows.map((r) => r.url)).toEqual(['https://api.github.com:99999/user']);
      leak.inspect(rows, 'audit rows');
      leak.assertClean();
    } finally {
      await vault.close();
    }
  });
});
