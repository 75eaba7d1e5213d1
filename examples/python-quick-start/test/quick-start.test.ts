import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CONNECT_META_KEY } from '@alter/mcp';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createQuickStartServer } from '../src/server.js';

type CallResult = { content: Array<{ type: string; text?: string }>; isError?: boolean; _meta?: Record<string, unknown> };
const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

describe("examples/python-quick-start (the Python docs' Quick Start)", () => {
  let sandbox: Sandbox;
  let vault: AlterVault;
  let leak: LeakCheck;
  let server: McpServer;
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    leak = createLeakCheck();
    dir = mkdtempSync(join(tmpdir(), 'python-quick-start-'));
    sandbox = await startSandbox();
    const google = sandbox.provider('google');
    leak.secret(google.clientSecret!, 'google client secret');
    vault = new AlterVault({
      caller: 'my-mcp-server',
      store: join(dir, 'vault.db'),
      encryptionKey: leak.secret(randomBytes(32).toString('base64'), 'key'),
      providers: [google],
      logger: leak.logger,
    });
    const connect = await vault.connect.listen();
    sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
    server = createQuickStartServer(vault, 'alice');
    const [a, b] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'quick-start-test', version: '1.0.0' });
    await Promise.all([server.connect(a), client.connect(b)]);
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await vault?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists list_emails(query) with the seed’s parameter name, closed to other names', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_emails']);
    expect(tools[0]!.inputSchema).toMatchObject({
      properties: { query: { type: 'string' } },
      required: ['query'],
      additionalProperties: false,
    });
  });

  it('connects, then turns Gmail’s insufficient-scope 403 into a re-authorize answer, then returns the messages', async () => {
    const call = async () => (await client.callTool({ name: 'list_emails', arguments: { query: 'is:unread' } })) as CallResult;
    const connect = await call();
    expect(connect.isError).toBe(true);
    await sandbox.approve((connect._meta![CONNECT_META_KEY] as { url: string }).url, { login: 'alice' });

    const reauthorize = await call();
    expect(reauthorize.isError).toBe(true);
    expect(reauthorize.content[0]!.text).toContain(GMAIL_READONLY);
    const meta = reauthorize._meta![CONNECT_META_KEY] as { url: string; missingScopes: string[] };
    expect(meta.missingScopes).toEqual([GMAIL_READONLY]);
    await sandbox.approve(meta.url, { login: 'alice' });

    const listed = await call();
    expect(listed.isError).toBeFalsy();
    expect(JSON.parse(listed.content[0]!.text!)).toEqual(expect.arrayContaining([expect.objectContaining({ id: expect.any(String) })]));

    for (const g of await vault.store.listGrants({ includeRevoked: true })) {
      leak.secret(vault.openSecret(g.accessToken), 'access token');
      if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), 'refresh token');
    }
    leak.inspect([connect, reauthorize, listed], 'tool results');
    leak.assertClean();
  });
});
