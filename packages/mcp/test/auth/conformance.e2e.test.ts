/**
 * The authorization-server checks of the official MCP conformance suite
 * (`@modelcontextprotocol/conformance@0.2.0-alpha.12`, `authorization` command) against
 * AlterAuthProvider. The suite needs Node ≥ 22, which the `node@22` npm package provides through
 * npx without touching the system Node. Its `authorization-code-grant` scenario prints an
 * authorization URL and waits for a browser; this test is that browser (our consent page by
 * fetch + cookie, the providers by `sandbox.approve`), then lets the suite exchange the code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuthHarness, browserSignIn, startAuthHarness } from './support/auth-harness.js';
import { registerPublicClient } from './support/raw-oauth.js';

const SUITE = '@modelcontextprotocol/conformance@0.2.0-alpha.12';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';
  readonly errorMessage?: string;
}

/** Every checks.json the suite wrote under `dir`. */
function readChecks(dir: string): Check[] {
  const out: Check[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'checks.json') out.push(...(JSON.parse(readFileSync(p, 'utf8')) as Check[]));
    }
  };
  walk(dir);
  return out;
}

describe(`MCP conformance suite (${SUITE}), authorization-server scenarios`, () => {
  let h: AuthHarness;
  let outDir: string;

  beforeAll(async () => {
    h = await startAuthHarness();
    outDir = mkdtempSync(path.join(tmpdir(), 'alter-auth-conformance-'));
  });
  afterAll(async () => {
    await h?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('passes every authorization-server check', async () => {
    const port = await freePort();
    const client = await registerPublicClient(h.origin, `http://127.0.0.1:${port}/callback`, 'MCP conformance suite');
    const args = [
      '-y',
      '-p',
      'node@22',
      '-p',
      SUITE,
      'conformance',
      'authorization',
      '--url',
      h.origin,
      '--client-id',
      client.client_id,
      '--resource',
      h.mcpUrl,
      '--port',
      String(port),
      '-o',
      outDir,
    ];
    const child = spawn('npx', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    let stdout = '';
    let stderr = '';
    let browser: Promise<void> | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = new RegExp(`^(${h.origin.replace(/[.:/]/g, '\\$&')}/authorize\\?\\S+)$`, 'm').exec(stdout);
      if (match && !browser) {
        // Be the browser: consent, Connect through the sandbox, completion → the suite's callback.
        browser = (async () => {
          const { redirect } = await browserSignIn(h, match[1]!, 'alice');
          const delivered = await fetch(redirect);
          expect(delivered.status).toBe(200);
        })();
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (browser) await browser;
    const checks = readChecks(outDir);
    const summary = checks.map((c) => `${c.status} ${c.id}${c.errorMessage ? `: ${c.errorMessage}` : ''}`).join('\n');
    // Printed so the run records the count (the final report quotes it).
    console.info(`conformance authorization checks:\n${summary}\n(exit ${code})`);
    if (checks.length === 0)
      throw new Error(`the suite wrote no results (exit ${code}).\nstdout:\n${stdout}\nstderr:\n${stderr.slice(-2000)}`);
    expect(browser).toBeDefined();
    expect(checks.filter((c) => c.status === 'FAILURE')).toEqual([]);
    expect(checks.filter((c) => c.status === 'WARNING')).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['authorization-server-metadata', 'authorization-server-metadata-cimd', 'authorization-code-grant']),
    );
    expect(checks.every((c) => c.status === 'SUCCESS')).toBe(true);
    expect(code).toBe(0);
  }, 240_000);
});
