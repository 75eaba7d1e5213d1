import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningCompleteExample, startCompleteExample } from '../src/server.js';
import { browserSignIn, HeadlessOAuthClient } from '../../shared/test-support/headless-sign-in.js';

type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult) => ((r.content ?? []) as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
const CALENDAR_EVENTS = 'https://www.googleapis.com/auth/calendar.events';

describe("examples/python-complete (the Python docs' Complete Example)", () => {
  let sandbox: Sandbox;
  let vault: AlterVault;
  let leak: LeakCheck;
  let server: RunningCompleteExample;
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    leak = createLeakCheck();
    dir = mkdtempSync(join(tmpdir(), 'python-complete-'));
    sandbox = await startSandbox();
    const google = sandbox.provider('google');
    leak.secret(google.clientSecret!, 'google client secret');
    vault = new AlterVault({
      caller: 'calendar-mcp',
      store: join(dir, 'vault.db'),
      encryptionKey: leak.secret(randomBytes(32).toString('base64'), 'key'),
      providers: [google],
      logger: leak.logger,
    });
    const connect = await vault.connect.listen();
    sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
    server = await startCompleteExample({ vault, port: 0, rateLimit: false });
    // Sign in as an MCP client does (discovery, registration, PKCE); the sign-in connects Google.
    const oauth = new HeadlessOAuthClient('python-complete test');
    const first = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth });
    await expect(new Client({ name: 'test', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    await first.finishAuth(await browserSignIn(sandbox, oauth.authorizationUrl as URL, 'alice'));
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth }));
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await vault?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores the Google grant with Google's URL for Python's short scope name", async () => {
    const grants = await vault.grants.list({ provider: 'google' });
    expect(grants.some((g) => g.scopes.includes(CALENDAR_EVENTS))).toBe(true);
  });

  it('lists events with max_results and creates one, as the Python tools do', async () => {
    const listed = await client.callTool({ name: 'list_events', arguments: { max_results: 1 } });
    expect(listed.isError).toBeFalsy();
    expect(JSON.parse(textOf(listed))).toHaveLength(1);
    const created = await client.callTool({
      name: 'create_event',
      arguments: { summary: 'Ship it', start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z' },
    });
    expect(created.isError).toBeFalsy();
    expect(JSON.parse(textOf(created))).toMatchObject({ summary: 'Ship it', start: { dateTime: '2026-12-01T10:00:00Z' } });
    expect(sandbox.fakes.calendar.events('alice').map((e) => e.summary)).toContain('Ship it');
  });

  it('refuses a camelCase maxResults by name instead of listing every event', async () => {
    const r = await client.callTool({ name: 'list_events', arguments: { maxResults: 1 } });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/unknown argument "maxResults" \(expected one of: max_results\)/);
  });

  it('leaks no token or secret', async () => {
    for (const g of await vault.store.listGrants({ includeRevoked: true })) {
      leak.secret(vault.openSecret(g.accessToken), 'access token');
      if (g.refreshToken) leak.secret(vault.openSecret(g.refreshToken), 'refresh token');
    }
    leak.assertClean();
  });
});
