/**
 * stdio end to end, once per MCP SDK generation: that generation's real Client spawns the BUILT
 * example server (ALTER_MCP_SDK selects the server's SDK generation)
 * (examples/conformance-server/dist/stdio-server.js, run `pnpm build` first), which serves
 * CalendarTools/GmailTools against the sandbox with a SQLite vault. First call → Connect URL,
 * approve, same call succeeds; after the client closes, the server shuts down gracefully and
 * the audit rows it wrote (tool, parent tool, chain) are all in the file.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault } from '@alter/vault';
import { createLeakCheck, providers, type Sandbox, startSandbox } from '@alter/testing';
import { SDK_GENERATIONS } from '../support/sdk-generations.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const serverJs = path.join(root, 'examples/conformance-server/dist/stdio-server.js');

describe.each(SDK_GENERATIONS)('AlterMCP over stdio (spawned, built example server, SDK $name)', (sdk) => {
  let sandbox: Sandbox;
  let dir: string;
  const leak = createLeakCheck();
  const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');

  beforeAll(async () => {
    if (!existsSync(serverJs))
      throw new Error(
        `${path.relative(root, serverJs)} is missing: run \`pnpm build\` at the repository root first (this test runs the built output).`,
      );
    sandbox = await startSandbox();
    dir = mkdtempSync(path.join(tmpdir(), 'alter-stdio-'));
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('recovers with a Connect URL, succeeds after approval, and flushes the audit log on shutdown', async () => {
    const db = path.join(dir, 'vault.db');
    let stderr = '';
    let resolveUrl: (url: string) => void = () => {};
    const connectUrl = new Promise<string>((resolve) => {
      resolveUrl = resolve;
    });
    const {
      client,
      stderr: stream,
      pid,
    } = await sdk.connectStdio({
      command: process.execPath,
      args: [serverJs],
      env: {
        PATH: process.env.PATH ?? '',
        ALTER_SANDBOX_URL: sandbox.url,
        ALTER_VAULT_DB: db,
        ALTER_VAULT_KEY: key,
        ALTER_DEFAULT_USER: 'bob',
        ALTER_MCP_SDK: sdk.envValue,
      },
    });
    stream.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /ALTER_CONNECT_URL=(\S+)/.exec(stderr);
      if (m) resolveUrl(m[1]!);
    });
    try {
      sandbox.registerRedirectUri(`${await connectUrl}/connect/callback`);

      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['list_emails', 'list_events', 'summarize_inbox']);

      const first = await client.callTool('summarize_inbox', {});
      expect(first.isError).toBe(true);
      const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)?.[1];
      expect(url).toBeDefined();
      await sandbox.approve(url!, { login: 'bob' });
      const second = await client.callTool('summarize_inbox', {});
      expect(second.isError).toBeFalsy();
      expect(second.content[0]!.text).toMatch(/^Found \d+ unread emails$/);
      leak.inspect(first, 'first result');
      leak.inspect(second, 'second result');
    } finally {
      // Closing the client ends the child (stdin closes, then SIGTERM); its shutdown flushes the audit batch.
      await client.close();
    }
    for (let i = 0; i < 100 && pid() !== null; i++) await new Promise((r) => setTimeout(r, 20));

    const vault = new AlterVault({
      caller: 'stdio-e2e-reader',
      store: db,
      encryptionKey: key,
      providers: [providers.sandbox(sandbox, { id: 'google' })],
      logger: leak.logger,
    });
    try {
      const rows = await vault.audit.query({
        user: 'bob',
        tool: 'list_emails',
      });
      expect(rows.length).toBeGreaterThanOrEqual(1);
      expect(rows.find((r) => r.status === 200)).toMatchObject({
        tool: 'list_emails',
        parentTool: 'summarize_inbox',
        chain: ['summarize_inbox', 'list_emails'],
      });
      expect((await vault.audit.verify()).ok).toBe(true);
      for (const g of await vault.store.listGrants({ includeRevoked: true })) {
        leak.secret(vault.openSecret(g.accessToken), 'access token');
        if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), 'refresh token');
      }
      leak.inspect(rows, 'audit rows');
      leak.inspect(stderr, 'server stderr');
      leak.assertClean();
    } finally {
      await vault.close();
    }
  });
});
