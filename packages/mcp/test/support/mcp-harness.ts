/**
 * Real parts for @alter/mcp e2e tests: the @alter/testing sandbox (real OAuth server + fake Google
 * APIs on 127.0.0.1), an AlterVault on a SQLite file in a temp dir, Connect on its own loopback
 * port, and a leak check fed with every token and secret.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AlterVault, type AlterVaultOptions, type ProviderConfig } from '@alter/vault';
import { type LeakCheck, type Sandbox, createLeakCheck, startSandbox } from '@alter/testing';

export interface McpHarness {
  readonly sandbox: Sandbox;
  readonly vault: AlterVault;
  readonly leak: LeakCheck;
  readonly dir: string;
  /** The `listen()` server's URL ('' with `listen: false`). */
  readonly connectUrl: string;
  /** Registers every token in the store with the leak check. */
  collectTokens(): Promise<void>;
  close(): Promise<void>;
}

export async function createMcpHarness(
  options: {
    providers?: readonly ('google' | 'github' | 'slack')[];
    connectBaseUrl?: string;
    /** Default true; false leaves the vault without a Connect base URL. */ listen?: boolean;
    /** Connect session lifetime (default: the vault's). */ connectSessionTtlSec?: number;
    /** How long a request can be approved, ms (default: the vault's). */ approvalTtlMs?: number;
    /** The vault's egress policy and approval options (default: none). */
    vault?: Pick<AlterVaultOptions, 'policy' | 'approvals'>;
  } = {},
): Promise<McpHarness> {
  const leak = createLeakCheck();
  const sandbox = await startSandbox();
  const dir = mkdtempSync(path.join(tmpdir(), 'alter-mcp-'));
  const encryptionKey = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
  const configs: ProviderConfig[] = (options.providers ?? ['google']).map((id) => sandbox.provider(id));
  for (const c of configs) if (c.clientSecret) leak.secret(c.clientSecret, `${c.id} client secret`);
  const vault = new AlterVault({
    caller: 'mcp-e2e',
    store: path.join(dir, 'vault.db'),
    encryptionKey,
    providers: configs,
    logger: leak.logger,
    ...(options.connectSessionTtlSec !== undefined ? { connect: { sessionTtlSec: options.connectSessionTtlSec } } : {}),
    ...options.vault,
    ...(options.approvalTtlMs !== undefined ? { approvals: { ...options.vault?.approvals, ttlMs: options.approvalTtlMs } } : {}),
  });
  await vault.ready();
  const server = options.listen === false ? undefined : await vault.connect.listen();
  if (server) sandbox.registerRedirectUri(`${server.url}/connect/callback`);
  return {
    sandbox,
    vault,
    leak,
    dir,
    connectUrl: server?.url ?? '',
    async collectTokens() {
      for (const g of await vault.store.listGrants({ includeRevoked: true })) {
        leak.secret(vault.openSecret(g.accessToken), `access token of ${g.user}/${g.provider}`);
        if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), `refresh token of ${g.user}/${g.provider}`);
      }
    },
    async close() {
      await vault.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
