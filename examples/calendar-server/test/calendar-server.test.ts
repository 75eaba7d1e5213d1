import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type RunningCalendarServer, startCalendarServer } from '../src/server.js';
import { browserSignIn, HeadlessOAuthClient } from '../../shared/test-support/headless-sign-in.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;
type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult) => ((r.content ?? []) as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

describe("examples/calendar-server (the Python seed's complete example)", () => {
  let sandbox: Sandbox;
  let vault: AlterVault;
  let server: RunningCalendarServer;
  let authServer: RunningCalendarServer;
  let client: Client;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'calendar-example-'));
    sandbox = await startSandbox();
    vault = new AlterVault({
      caller: 'calendar-mcp',
      store: join(dir, 'vault.db'),
      encryptionKey: randomBytes(32).toString('base64'),
      providers: [sandbox.provider('google')],
    });
    const connect = await vault.connect.listen();
    sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
    server = await startCalendarServer({ vault, port: 0, auth: false });
    authServer = await startCalendarServer({ vault, port: 0, rateLimit: false });
    client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    await authServer?.close();
    await vault?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with AlterAuthProvider (the default): signing in connects Google, and the tools run as the signed-in user', async () => {
    const oauth = new HeadlessOAuthClient('calendar test client');
    const first = new StreamableHTTPClientTransport(new URL(authServer.url), { authProvider: oauth });
    await expect(new Client({ name: 'test', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    await first.finishAuth(await browserSignIn(sandbox, oauth.authorizationUrl as URL, 'bob'));
    const signedIn = new Client({ name: 'test', version: '1.0.0' });
    await signedIn.connect(new StreamableHTTPClientTransport(new URL(authServer.url), { authProvider: oauth }));
    try {
      // No Connect URL: the sign-in already stored bob's Google grant with calendar.events.
      const created = await signedIn.callTool({
        name: 'create_event',
        arguments: { summary: 'Bob only', start: '2026-12-02T10:00:00Z', end: '2026-12-02T11:00:00Z' },
      });
      expect(created.isError).toBeFalsy();
      expect(sandbox.fakes.calendar.events('bob').map((e) => e.summary)).toContain('Bob only');
      expect(sandbox.fakes.calendar.events('alice').map((e) => e.summary)).not.toContain('Bob only');
      const grants = await vault.grants.list({ provider: 'google' });
      const bobs = grants.find((g) => g.scopes.includes('https://www.googleapis.com/auth/calendar.events') && g.user !== 'alice');
      expect(bobs).toBeDefined();
    } finally {
      await signedIn.close();
    }
  });

  it('serves list_events and create_event over Streamable HTTP', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['create_event', 'list_events']);
    expect(tools.find((t) => t.name === 'create_event')?.description).toBe(
      'Create a calendar event. Start and end are ISO 8601 datetime strings.',
    );
  });

  it('with --no-auth: asks alice to connect, then lists and creates events', async () => {
    const first = await client.callTool({ name: 'list_events', arguments: { maxResults: 5 } });
    expect(first.isError).toBe(true);
    const url = CONNECT_URL.exec(textOf(first))?.[0];
    expect(url).toBeDefined();
    await sandbox.approve(url as string, { login: 'alice' });

    const listed = await client.callTool({ name: 'list_events', arguments: { maxResults: 5 } });
    expect(listed.isError).toBeFalsy();
    expect(textOf(listed)).toContain('Team standup');

    const created = await client.callTool({
      name: 'create_event',
      arguments: { summary: 'Ship it', start: '2026-12-01T10:00:00Z', end: '2026-12-01T11:00:00Z' },
    });
    expect(created.isError).toBeFalsy();
    expect(JSON.parse(textOf(created))).toMatchObject({ summary: 'Ship it', start: { dateTime: '2026-12-01T10:00:00Z' } });
    expect(sandbox.fakes.calendar.events('alice').map((e) => e.summary)).toContain('Ship it');
  });

  it('without --sandbox and without client ids, the built server exits 1 naming the missing variables', async () => {
    const entry = join(root, 'dist', 'main.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm build first.`);
    const env = { ...process.env };
    for (const k of ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'ALTER_SANDBOX']) delete env[k];
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [entry], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (c) => resolve({ code: c, stderr: err }));
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Missing GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET/);
    expect(stderr).toMatch(/--sandbox/);
  });
});
