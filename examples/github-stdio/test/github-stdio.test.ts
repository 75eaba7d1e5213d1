import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, SandboxBrowser, startSandbox } from '@alter/testing';
import { AlterVault } from '@alter/vault';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createGitHubServer } from '../src/server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'main.js');
const CONNECT_URL = /https?:\/\/[^\s"')]+\/connect\/[A-Za-z0-9_-]{20,64}/;
type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult) => ((r.content ?? []) as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

describe('examples/github-stdio', () => {
  describe('the server (in process, InMemoryTransport)', () => {
    let sandbox: Sandbox;
    let vault: AlterVault;
    let client: Client;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'github-stdio-'));
      sandbox = await startSandbox();
      vault = new AlterVault({
        caller: 'github-stdio',
        store: join(dir, 'vault.db'),
        encryptionKey: randomBytes(32).toString('base64'),
        providers: [sandbox.provider('github')],
      });
      const connect = await vault.connect.listen();
      sandbox.registerRedirectUri(`${connect.url}/connect/callback`);
      const server = createGitHubServer(vault, 'me');
      const [a, b] = InMemoryTransport.createLinkedPair();
      await server.connect(b);
      client = new Client({ name: 'test', version: '1.0.0' });
      await client.connect(a);
    });
    afterAll(async () => {
      await client?.close();
      await vault?.close();
      await sandbox?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers with a Connect URL, then works as the connected GitHub account', async () => {
      const first = await client.callTool({ name: 'list_repos', arguments: {} });
      const url = CONNECT_URL.exec(textOf(first))?.[0];
      expect(first.isError && url).toBeTruthy();
      await sandbox.approve(url as string, { login: 'alice' });
      const repos = await client.callTool({ name: 'list_repos', arguments: {} });
      expect(repos.isError).toBeFalsy();
      expect((repos.structuredContent as { repositories: Array<{ fullName: string }> }).repositories.map((r) => r.fullName)).toContain(
        'alice/private-notes',
      );
      const rows = await vault.audit.query({ user: 'me' });
      expect(rows.map((r) => r.tool)).toContain('list_repos');
    });
  });

  describe('the built server over stdio', () => {
    it('speaks MCP on stdout in --sandbox mode and answers its first call with a Connect URL', async () => {
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm build first.`);
      const dir = mkdtempSync(join(tmpdir(), 'github-stdio-spawn-'));
      const transport = new StdioClientTransport({ command: process.execPath, args: [entry, '--sandbox'], cwd: dir, stderr: 'pipe' });
      const client = new Client({ name: 'stdio-test', version: '1.0.0' });
      try {
        await client.connect(transport);
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual([
          'create_issue',
          'create_issue_comment',
          'get_pull_request',
          'list_issues',
          'list_repos',
        ]);
        const first = await client.callTool({ name: 'list_issues', arguments: { owner: 'alice', repo: 'hello-world' } });
        expect(first.isError).toBe(true);
        const url = CONNECT_URL.exec(textOf(first))?.[0];
        expect(url).toBeDefined();
        // The Connect link opens on an interstitial naming the app; confirming it redirects to the
        // child's sandbox authorize endpoint (PKCE S256).
        const browser = new SandboxBrowser();
        const page = await browser.fetch(url as string);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('data-alter-connect-form="confirm"');
        const csrf = /name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? '';
        const res = await browser.fetch(url as string, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ csrf, decision: 'continue' }).toString(),
        });
        const location = new URL(res.headers.get('location') ?? '');
        expect(location.hostname).toBe('127.0.0.1');
        expect(location.searchParams.get('code_challenge_method')).toBe('S256');
      } finally {
        await client.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('without --sandbox and without client ids, exits 1 naming the missing variables', async () => {
      if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm build first.`);
      const { spawn } = await import('node:child_process');
      const env = { ...process.env };
      for (const k of ['GITHUB_CLIENT_ID', 'GITHUB_CLIENT_SECRET', 'ALTER_SANDBOX']) delete env[k];
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [entry], { env, stdio: ['pipe', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (c) => resolve({ code: c, stderr: err }));
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/Missing GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET/);
    });
  });
});
