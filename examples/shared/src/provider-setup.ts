/**
 * Where an example's OAuth providers come from: the offline sandbox (`--sandbox` or
 * `ALTER_SANDBOX=1`), or the real Google / GitHub / Slack with client ids from the environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '@alter/testing';
import { type AlterVaultOptions, type ProviderConfig, providers } from '@alter/vault';

/** The providers the examples use. */
export type ProviderId = 'google' | 'github' | 'slack';

const ENV: Record<ProviderId, { id: string; secret: string; console: string }> = {
  google: { id: 'GOOGLE_CLIENT_ID', secret: 'GOOGLE_CLIENT_SECRET', console: 'https://console.cloud.google.com/apis/credentials' },
  github: { id: 'GITHUB_CLIENT_ID', secret: 'GITHUB_CLIENT_SECRET', console: 'https://github.com/settings/developers' },
  slack: { id: 'SLACK_CLIENT_ID', secret: 'SLACK_CLIENT_SECRET', console: 'https://api.slack.com/apps' },
};

/** The vault options for the chosen mode, and what to close at exit. */
export interface ProviderSetup {
  readonly mode: 'sandbox' | 'real';
  readonly sandbox: Sandbox | undefined;
  readonly vaultOptions: Pick<AlterVaultOptions, 'providers' | 'store' | 'encryptionKey'>;
  /**
   * The port for `vault.connect.listen`: any free port in sandbox mode (the sandbox learns it
   * through `connectListening`), else `ALTER_CONNECT_PORT` (default 8787), the port of the
   * redirect URI registered in each provider's console.
   */
  readonly connectPort: number;
  /** Tells the sandbox the Connect callback URL (it matches redirect URIs exactly, like real providers). */
  connectListening(connectBaseUrl: string): void;
  close(): Promise<void>;
}

/** Thrown when real mode lacks client ids; the message lists the missing variables. */
export class MissingCredentialsError extends Error {
  readonly missing: readonly string[];
  constructor(missing: readonly string[], ids: readonly ProviderId[]) {
    super(
      `Missing ${missing.join(', ')}.\n` +
        `Create OAuth clients (${ids.map((id) => ENV[id].console).join(' , ')}) with the redirect URI ` +
        `http://127.0.0.1:<ALTER_CONNECT_PORT>/connect/callback and export them, or run offline with --sandbox.`,
    );
    this.name = 'MissingCredentialsError';
    this.missing = missing;
  }
}

/** True when the process was asked to run against the sandbox. */
export function wantsSandbox(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--sandbox') || env.ALTER_SANDBOX === '1' || env.ALTER_SANDBOX === 'true';
}

/**
 * Sandbox mode: starts the sandbox and keeps the vault in a temp folder (sandbox tokens die with
 * it). Real mode: reads `<PROVIDER>_CLIENT_ID` / `_CLIENT_SECRET`, and the vault uses its
 * default store (`./.alter/vault.db`) and key (`ALTER_VAULT_KEY`, else a generated dev key).
 * @throws {MissingCredentialsError} in real mode when a variable is unset.
 * @example
 * const setup = await setupProviders(['google'], wantsSandbox());
 * const vault = new AlterVault({ caller: 'my-server', ...setup.vaultOptions });
 */
export async function setupProviders(
  ids: readonly ProviderId[],
  sandboxMode: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProviderSetup> {
  if (sandboxMode) {
    // Loaded only in sandbox mode: a real server never loads the test sandbox (oidc-provider, jose).
    const { startSandbox } = await import('@alter/testing');
    const sandbox = await startSandbox();
    const dir = mkdtempSync(join(tmpdir(), 'alter-example-'));
    return {
      mode: 'sandbox',
      sandbox,
      vaultOptions: {
        providers: ids.map((id) => sandbox.provider(id)),
        store: join(dir, 'vault.db'),
        encryptionKey: randomBytes(32).toString('base64'),
      },
      connectPort: 0,
      connectListening(connectBaseUrl) {
        sandbox.registerRedirectUri(`${connectBaseUrl}/connect/callback`);
      },
      async close() {
        await sandbox.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const missing = ids.flatMap((id) => [ENV[id].id, ENV[id].secret].filter((name) => !env[name]));
  if (missing.length > 0) throw new MissingCredentialsError(missing, ids);
  const configs: ProviderConfig[] = ids.map((id) =>
    providers[id]({ clientId: env[ENV[id].id] as string, clientSecret: env[ENV[id].secret] as string }),
  );
  // Real providers: register http://127.0.0.1:<ALTER_CONNECT_PORT>/connect/callback in each console.
  return {
    mode: 'real',
    sandbox: undefined,
    vaultOptions: { providers: configs },
    connectPort: Number(env.ALTER_CONNECT_PORT ?? 8787),
    connectListening: () => undefined,
    close: async () => undefined,
  };
}
