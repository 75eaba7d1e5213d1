/**
 * Seeds a real vault (SQLite file or a PostgreSQL schema) through AlterVault itself: grants put
 * with the grants API, audit rows written by real `vault.request()` calls to a loopback HTTP
 * server inside nested audit contexts. Every secret is registered with the leak check.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlterVault, type GrantInfo, type ProviderConfig, providers } from '@alter/vault';
import type { LeakCheck } from '@alter/testing';

export interface SeededVault {
  readonly dir: string;
  /** The `store` value: an absolute SQLite path or a postgres URL with `?schema=`. */
  readonly store: string;
  readonly key: string;
  /** Environment for the CLI child: ALTER_VAULT_STORE + ALTER_VAULT_KEY. */
  readonly env: Readonly<Record<string, string>>;
  readonly grants: { readonly alice: GrantInfo; readonly bob: GrantInfo; readonly carol: GrantInfo };
  /** Plaintext access tokens, by user (registered as secrets). */
  readonly tokens: Readonly<Record<'alice' | 'bob' | 'carol', string>>;
  readonly auditRows: number;
  /** The reason written on every 5th row: a comma, quotes, a CRLF and unicode, for CSV round trips. */
  readonly awkwardReason: string;
  /** The providers the vault was seeded with (a fresh AlterVault over the same store needs them). */
  readonly providers: readonly ProviderConfig[];
  /** A new AlterVault over the same store (caller 'test'). */
  open(options?: { key?: string }): AlterVault;
}

const AWKWARD = 'weekly, "urgent" sync\r\nnext line ☃';

/** Seeds `count` audit rows (default 23) and three grants. `store` defaults to a SQLite file in a new temp dir. */
export async function seedVault(leak: LeakCheck, options: { store?: string; count?: number } = {}): Promise<SeededVault> {
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-cli-'));
  const store = options.store ?? path.join(dir, 'vault.db');
  const key = leak.secret(randomBytes(32).toString('base64'), 'vault key');
  const count = options.count ?? 23;

  const api: Server = createServer((req, res) => {
    res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const port = (api.address() as { port: number }).port;

  const seeded: ProviderConfig[] = [
    providers.oauth2({
      id: 'acme',
      clientId: 'acme-client',
      clientSecret: leak.secret('acme-client-secret-1234567890', 'acme client secret'),
      authorizationEndpoint: 'http://127.0.0.1:9/authorize',
      tokenEndpoint: 'http://127.0.0.1:9/token',
      allowedHosts: ['127.0.0.1:*'],
      allowInsecureLoopback: true,
    }),
    providers.github({ clientId: 'gh-client', clientSecret: leak.secret('github-client-secret-abcdef', 'github client secret') }),
  ];
  const open = (o: { key?: string } = {}) =>
    new AlterVault({ caller: 'test', providers: seeded, store, encryptionKey: o.key ?? key, logger: leak.logger });

  const vault = new AlterVault({ caller: 'seed-server', providers: seeded, store, encryptionKey: key, logger: leak.logger });
  const tokens = {
    alice: leak.secret(`at-alice-${randomBytes(12).toString('hex')}`, 'alice access token'),
    bob: leak.secret(`at-bob-${randomBytes(12).toString('hex')}`, 'bob access token'),
    carol: leak.secret(`at-carol-${randomBytes(12).toString('hex')}`, 'carol access token'),
  };
  try {
    const alice = await vault.grants.put({
      user: 'alice',
      provider: 'acme',
      accessToken: tokens.alice,
      refreshToken: leak.secret(`rt-alice-${randomBytes(12).toString('hex')}`, 'alice refresh token'),
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: ['read', 'write'],
    });
    const bob = await vault.grants.put({
      user: 'bob',
      provider: 'acme',
      accessToken: tokens.bob,
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: ['read'],
    });
    const carol = await vault.grants.put({
      user: 'carol',
      provider: 'github',
      account: 'carol-gh',
      accessToken: tokens.carol,
      scopes: ['repo'],
    });

    const queryToken = leak.secret(`query-secret-${randomBytes(8).toString('hex')}`, 'secret query value');
    for (let i = 0; i < count; i++) {
      const user = i % 3 === 0 ? 'bob' : 'alice';
      const call = () =>
        vault.request('acme', 'GET', `http://127.0.0.1:${port}/${i % 7 === 6 ? 'missing' : 'things'}/{n}`, {
          user,
          pathParams: { n: String(i) },
          queryParams: { page: String(i), access_token: queryToken },
          ...(i % 5 === 0 ? { reason: AWKWARD } : {}),
        });
      // Nested contexts: inner rows carry parentTool and the whole chain.
      if (i % 2 === 0)
        await vault.withAuditContext({ tool: 'summarize_inbox' }, () => vault.withAuditContext({ tool: 'list_things' }, call));
      else await vault.withAuditContext({ tool: 'get_thing' }, call);
    }
    await vault.audit.flush();
    return {
      dir,
      store,
      key,
      env: { ALTER_VAULT_STORE: store, ALTER_VAULT_KEY: key },
      grants: { alice, bob, carol },
      tokens,
      auditRows: count,
      awkwardReason: AWKWARD,
      providers: seeded,
      open,
    };
  } finally {
    await vault.close();
    await new Promise<void>((resolve) => api.close(() => resolve()));
  }
}
