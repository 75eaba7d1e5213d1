import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ALL_SCOPES, startMultiProviderServer } from '../src/server.js';

describe('examples/multi-provider-http', () => {
  let sandbox: Sandbox;
  let vault: AlterVault;
  let server: { url: string; close(): Promise<void> };
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'multi-provider-'));
    sandbox = await startSandbox();
    vault = new AlterVault({
      caller: 'multi-provider-http',
      store: join(dir, 'vault.db'),
      encryptionKey: randomBytes(32).toString('base64'),
      providers: [sandbox.provider('google'), sandbox.provider('github'), sandbox.provider('slack')],
    });
    const connect = await vault.connect.listen();
    sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
    server = await startMultiProviderServer({ vault, port: 0, user: 'bob' });
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await vault?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the 14 tools of the three packs', async () => {
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(14);
  });

  it("one Connect session with every pack's scopes connects all three providers; one tool of each then works", async () => {
    const session = await vault.connect.createSession({ user: 'bob', providers: { ...ALL_SCOPES } });
    await sandbox.approve(session.url, { login: 'bob' });
    expect((await vault.connect.waitFor(session.id, { timeoutMs: 5000 })).grants.map((g) => g.provider).sort()).toEqual([
      'github',
      'google',
      'slack',
    ]);
    for (const [name, args] of [
      ['list_events', { timeMin: '2026-01-01T00:00:00Z' }],
      ['list_issues', { owner: 'bob', repo: 'hello-world' }],
      ['list_channels', {}],
    ] as const) {
      const result = await client.callTool({ name, arguments: args });
      expect({ name, isError: result.isError ?? false }).toEqual({ name, isError: false });
    }
    const rows = await vault.audit.query({ user: 'bob' });
    expect(new Set(rows.map((r) => r.provider))).toEqual(new Set(['google', 'github', 'slack']));
  });
});
