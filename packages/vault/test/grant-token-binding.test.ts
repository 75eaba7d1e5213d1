/**
 * Grant tokens are bound to their grant (AES-GCM additional authenticated data): a sealed token
 * copied into another user's grant row with raw SQL is refused with GrantTokenBindingError, nothing
 * reaches the provider, the owner's grant keeps working, and key rotation keeps both properties.
 * Real parts: a SQLite file, PostgreSQL (when ALTER_TEST_PG_URL is set), loopback HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AlterVault, EncryptionKeyError, GrantTokenBindingError, isAlterError } from '@alter/vault';
import Database from 'better-sqlite3';
import pg from 'pg';
import { grantTokenContext } from '../src/grant-token-seal.js';
import { parseEncryptionKey, SecretBox } from '../src/secret-box.js';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';
import { describeWithPostgres } from './support/pg.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

type Column = 'access_token' | 'refresh_token';

/** Raw SQL on the store's database, bypassing the vault: what an attacker with write access does. */
interface RawDb {
  readonly store: string;
  grant(user: string): Promise<{ id: string; access_token: string; refresh_token: string | null }>;
  set(id: string, column: Column, value: string): Promise<void>;
  all(): Promise<Array<{ access_token: string; refresh_token: string | null }>>;
}

describe('SecretBox binding (v2)', () => {
  it('binds a value to its context: v2 format, context authenticated, v1 unchanged without one', () => {
    const box = new SecretBox(parseEncryptionKey(newKey()));
    const ctx = grantTokenContext({ user: 'alice', provider: 'acme', account: '' }, 'access');
    const bound = box.seal('secret-value', ctx);
    expect(bound.startsWith(`v2.${box.keyId}.`)).toBe(true);
    expect(bound.split('.')).toHaveLength(6);
    expect(box.openBound(bound)).toEqual({ plain: 'secret-value', context: ctx });
    expect(box.openBound(box.seal('x')).context).toBeNull();
    expect(box.seal('x').split('.')).toHaveLength(5);
    // Rewriting the embedded context (to claim another grant) breaks authentication.
    const parts = bound.split('.');
    parts[5] = Buffer.from(grantTokenContext({ user: 'bob', provider: 'acme', account: '' }, 'access')).toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/failed authentication/);
    // A wrong key is still reported by key id.
    const other = new SecretBox(parseEncryptionKey(newKey()));
    const err = (() => {
      try {
        other.open(bound);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EncryptionKeyError);
    expect((err as EncryptionKeyError).keyId).toBe(box.keyId);
  });

  it('encodes the context unambiguously, whatever characters the parts contain', () => {
    const f = (user: string, provider: string, account: string) => grantTokenContext({ user, provider, account }, 'access');
    expect(f('a\u0000b', 'c', '')).not.toBe(f('a', 'b\u0000c', ''));
    expect(f('a","b', 'c', '')).not.toBe(f('a', 'b","c', ''));
    expect(f('a', 'b', 'c')).not.toBe(grantTokenContext({ user: 'a', provider: 'b', account: 'c' }, 'refresh'));
    expect(JSON.parse(f('a\u0000b', 'c', 'd'))).toEqual(['grant-token', 'a\u0000b', 'c', 'd', 'access']);
  });
});

function bindingSuite(name: string, makeDb: () => RawDb) {
  describe(name, () => {
    let leak: LeakCheck;
    let server: RecordingServer;
    let db: RawDb;
    let key: string;
    const vaults: AlterVault[] = [];
    let warnings: string[] = [];
    const tokens = { aliceAccess: '', aliceRefresh: '', bobAccess: '', bobRefresh: '', refreshed: '' };

    const open = (encryptionKey: string) => {
      const v = new AlterVault({
        caller: 'binding',
        // The token endpoint is the recording server too, so "nothing sent" covers refreshes.
        providers: [loopbackProvider('acme', { tokenEndpoint: `${server.origin}/token` })],
        store: db.store,
        encryptionKey,
        // The leak-checking logger, also keeping warning messages for assertions.
        logger: {
          debug: (m, f) => leak.logger.debug(m, f),
          info: (m, f) => leak.logger.info(m, f),
          warn: (m, f) => {
            warnings.push(m);
            leak.logger.warn(m, f);
          },
          error: (m, f) => leak.logger.error(m, f),
        },
      });
      vaults.push(v);
      return v;
    };

    beforeEach(async () => {
      leak = createLeakCheck();
      warnings = [];
      server = await startRecordingServer();
      db = makeDb();
      key = leak.secret(newKey(), 'key');
      tokens.aliceAccess = leak.secret(newToken('at-alice'), 'alice access');
      tokens.aliceRefresh = leak.secret(newToken('rt-alice'), 'alice refresh');
      tokens.bobAccess = leak.secret(newToken('at-bob'), 'bob access');
      tokens.bobRefresh = leak.secret(newToken('rt-bob'), 'bob refresh');
      tokens.refreshed = leak.secret(newToken('at-new'), 'refreshed access');
      server.route('/token', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: tokens.refreshed, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    afterEach(async () => {
      for (const v of vaults.splice(0)) await v.close();
      await server.close();
      leak.assertClean();
    });

    /** Alice and Bob each connected; `expired` makes their access tokens due for a refresh. */
    async function twoGrants(v: AlterVault, expired = false) {
      const expiresAt = expired ? new Date(Date.now() - 60_000) : null;
      await v.grants.put({
        user: 'alice',
        provider: 'acme',
        accessToken: tokens.aliceAccess,
        refreshToken: tokens.aliceRefresh,
        expiresAt,
        scopes: [],
      });
      await v.grants.put({
        user: 'bob',
        provider: 'acme',
        accessToken: tokens.bobAccess,
        refreshToken: tokens.bobRefresh,
        expiresAt,
        scopes: [],
      });
    }

    /** Copies Alice's sealed `column` into Bob's row. */
    async function moveAliceTokenToBob(column: Column) {
      const alice = await db.grant('alice');
      const bob = await db.grant('bob');
      await db.set(bob.id, column, alice[column]!);
      return bob.id;
    }

    async function expectRefused(v: AlterVault, field: 'access' | 'refresh', reason: 'other-grant' | 'unbound', grantId: string) {
      const err = await v.request('acme', 'GET', `${server.origin}/me`, { user: 'bob' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GrantTokenBindingError);
      expect(isAlterError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'ALTER_GRANT_TOKEN_BINDING', user: 'bob', provider: 'acme', field, reason, grantId });
      expect((err as Error).message).toMatch(reason === 'other-grant' ? /database was edited/ : /v1/);
      expect((err as Error).message).toMatch(/revoke|reconnect/i);
      expect((err as Error).message).not.toContain('alice'); // never tells Bob whose token it was
      leak.inspect(err, `${field} binding error`);
      expect(server.requests).toHaveLength(0);
    }

    async function expectWorks(v: AlterVault, user: string, token: string) {
      const before = server.requests.length;
      const res = await v.request('acme', 'GET', `${server.origin}/me`, { user });
      expect(res.status).toBe(200);
      const api = server.requests.slice(before).filter((r) => r.url === '/me');
      expect(api.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
    }

    it("refuses Alice's access token moved into Bob's row; Alice still works", async () => {
      const v = open(key);
      await twoGrants(v);
      const bobId = await moveAliceTokenToBob('access_token');
      await expectRefused(v, 'access', 'other-grant', bobId);
      await expectWorks(v, 'alice', tokens.aliceAccess);
      // The refusal is audited with its code, and nothing was sent for it.
      await v.audit.flush();
      const rows = await v.audit.query({ user: 'bob' });
      expect(rows.map((r) => [r.errorCode, r.status])).toEqual([['ALTER_GRANT_TOKEN_BINDING', null]]);
    });

    it("refuses Alice's refresh token moved into Bob's row before any token request; Alice still refreshes", async () => {
      const v = open(key);
      await twoGrants(v, true);
      const bobId = await moveAliceTokenToBob('refresh_token');
      await expectRefused(v, 'refresh', 'other-grant', bobId);
      await expectWorks(v, 'alice', tokens.refreshed);
      expect(server.requests.filter((r) => r.url === '/token')).toHaveLength(1);
      expect(server.requests.find((r) => r.url === '/token')!.body).toContain(encodeURIComponent(tokens.aliceRefresh));
    });

    it("refuses a grant's own refresh token moved into its access field", async () => {
      const v = open(key);
      await twoGrants(v);
      const bob = await db.grant('bob');
      await db.set(bob.id, 'access_token', bob.refresh_token!);
      await expectRefused(v, 'access', 'other-grant', bob.id);
    });

    it('rotateKey keeps every grant readable and bound, and a moved token stays refused', async () => {
      const v = open(key);
      await twoGrants(v);
      const bobId = await moveAliceTokenToBob('access_token');
      const newK = leak.secret(newKey(), 'new key');
      const { resealed, keyId } = await v.rotateKey(newK);
      expect(resealed).toBe(4 + 1); // 4 grant tokens + the key-check canary
      expect(warnings.some((w) => /sealed for another grant/.test(w))).toBe(true);
      expect((await db.all()).every((r) => r.access_token.startsWith(`v2.${keyId}.`) && r.refresh_token!.startsWith(`v2.${keyId}.`))).toBe(
        true,
      );
      await expectRefused(v, 'access', 'other-grant', bobId);
      await expectWorks(v, 'alice', tokens.aliceAccess);
      // A fresh vault on the new key only: same outcome.
      const fresh = open(newK);
      server.reset();
      await expectRefused(fresh, 'access', 'other-grant', bobId);
      await expectWorks(fresh, 'alice', tokens.aliceAccess);
    });

    it('refuses an unbound (v1) grant token, and rotateKey binds it to its row', async () => {
      const v = open(key);
      await twoGrants(v);
      const bob = await db.grant('bob');
      await db.set(bob.id, 'access_token', v.sealSecret(tokens.bobAccess));
      await expectRefused(v, 'access', 'unbound', bob.id);
      await v.rotateKey(leak.secret(newKey(), 'new key'));
      expect((await db.grant('bob')).access_token.startsWith('v2.')).toBe(true);
      await expectWorks(v, 'bob', tokens.bobAccess);
    });
  });
}

describe('grant token binding', () => {
  let tmp: TempDir;
  beforeEach(() => {
    tmp = tempDir('alter-binding');
  });
  afterEach(() => tmp.remove());

  bindingSuite('SQLite file', () => {
    const file = tmp.file('v.db');
    const withDb = <T>(fn: (d: Database.Database) => T): T => {
      const d = new Database(file);
      try {
        return fn(d);
      } finally {
        d.close();
      }
    };
    return {
      store: file,
      grant: async (user) =>
        withDb((d) => d.prepare('SELECT id, access_token, refresh_token FROM alter_grants WHERE user_id = ?').get(user) as never),
      set: async (id, column, value) => {
        withDb((d) => d.prepare(`UPDATE alter_grants SET ${column} = ? WHERE id = ?`).run(value, id));
      },
      all: async () => withDb((d) => d.prepare('SELECT access_token, refresh_token FROM alter_grants').all() as never),
    };
  });
});

describeWithPostgres('grant token binding on PostgreSQL', (pgSchema) => {
  let n = 0;
  bindingSuite('PostgreSQL', () => {
    // A derived schema per test (dropped with the parent) keeps the tests independent.
    const schema = `${pgSchema.schema}_${++n}`;
    const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
      const client = new pg.Client({ connectionString: pgSchema.url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows as T[];
      } finally {
        await client.end();
      }
    };
    return {
      store: `${pgSchema.url}${pgSchema.url.includes('?') ? '&' : '?'}schema=${schema}`,
      grant: async (user) =>
        (
          await query<{ id: string; access_token: string; refresh_token: string | null }>(
            `SELECT id, access_token, refresh_token FROM "${schema}".alter_grants WHERE user_id = $1`,
            [user],
          )
        )[0]!,
      set: async (id, column, value) => {
        await query(`UPDATE "${schema}".alter_grants SET ${column} = $1 WHERE id = $2`, [value, id]);
      },
      all: () => query(`SELECT access_token, refresh_token FROM "${schema}".alter_grants`),
    };
  });
});
