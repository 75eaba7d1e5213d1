/**
 * The example end to end, offline: the MCP SDK's client signs two users in through
 * AlterAuthProvider (consent page by fetch + cookie, provider pages by the sandbox), and the
 * GitHub pack's `list_repos` answers each with their own repositories.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { browserSignIn, HeadlessOAuthClient } from '../../shared/test-support/headless-sign-in.js';
import { type RunningServer, SIGN_IN_SCOPES, startMultiUserServer } from '../src/server.js';

describe('examples/multi-user-server', () => {
  let sandbox: Sandbox;
  let vault: AlterVault;
  let server: RunningServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'multi-user-'));
    sandbox = await startSandbox();
    vault = new AlterVault({
      caller: 'multi-user-server',
      store: join(dir, 'vault.db'),
      encryptionKey: randomBytes(32).toString('base64'),
      providers: [sandbox.provider('google'), sandbox.provider('github')],
    });
    const connect = await vault.connect.listen();
    sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
    server = await startMultiUserServer({ vault, port: 0, rateLimit: false });
  });
  afterAll(async () => {
    await server?.close();
    await vault?.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(login: string): Promise<Client> {
    const oauth = new HeadlessOAuthClient(`${login}'s client`);
    const first = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth });
    await expect(new Client({ name: 'example-test', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    await first.finishAuth(await browserSignIn(sandbox, oauth.authorizationUrl!, login));
    const client = new Client({ name: 'example-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth }));
    return client;
  }

  it('signs two users in (connecting Google and GitHub at once) and runs the GitHub pack as each', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const names = (await alice.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['list_repos', 'list_events']));
    const repos = async (c: Client) => {
      const result = await c.callTool({ name: 'list_repos', arguments: {} });
      expect(result.isError ?? false).toBe(false);
      return JSON.stringify(result.content);
    };
    const [a, b] = [await repos(alice), await repos(bob)];
    expect(a).toContain('alice');
    expect(a).not.toContain('"bob');
    expect(b).toContain('bob');
    // Every declared provider was connected for both users in their single sign-in.
    const grants = await vault.store.listGrants();
    for (const provider of Object.keys(SIGN_IN_SCOPES)) expect(grants.filter((g) => g.provider === provider)).toHaveLength(2);
    await alice.close();
    await bob.close();
  });
});
