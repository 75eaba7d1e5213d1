/**
 * `@AlterTool` under both decorator standards and three compilers: one fixture tool class
 * (test/fixtures/decorator-standards/agenda.tools.ts) compiled by tsc (TypeScript 5.9), by
 * esbuild and run by tsx — each with TC39 standard decorators (no `experimentalDecorators`, the
 * TypeScript 5+ default) and with legacy decorators. Each build runs as a real stdio MCP server
 * (the built @alter/mcp, a SQLite vault, the sandbox's OAuth server and fake Calendar API); the
 * SDK's real Client lists the tools (inherited ones included), calls a local tool with zod
 * defaults, and calls a provider tool through Connect to the fake API's data.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { SDK_GENERATIONS } from '../support/sdk-generations.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const root = path.resolve(packageDir, '../..');
const fixtureDir = path.join(packageDir, 'test/fixtures/decorator-standards');
const sources = ['server.ts', 'agenda.tools.ts'].map((f) => path.join(fixtureDir, f));
// TypeScript 5.9's JavaScript compiler (the repository builds with TypeScript 7); tools/api-docs pins it.
const tsc59 = path.join(root, 'tools/api-docs/node_modules/typescript/bin/tsc');
const requireHere = createRequire(path.join(packageDir, 'package.json'));
const v1 = SDK_GENERATIONS.find((g) => g.name === 'v1')!;

type Mode = 'standard' | 'legacy';
type Compiler = 'tsc' | 'esbuild' | 'tsx';

/** Compiles the fixture (tsc, esbuild) or prepares a tsconfig (tsx); returns how to start the server. */
function prepare(compiler: Compiler, mode: Mode, outDir: string): { args: string[]; env: Record<string, string> } {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const legacy = mode === 'legacy';
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    experimentalDecorators: legacy,
    emitDecoratorMetadata: legacy,
    rootDir: fixtureDir,
    outDir,
  };
  if (compiler === 'tsc') {
    const tsconfig = path.join(outDir, 'tsconfig.json');
    writeFileSync(tsconfig, JSON.stringify({ compilerOptions, files: sources }));
    const r = spawnSync(process.execPath, [tsc59, '-p', tsconfig], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsc 5.9 (${mode}) failed:\n${r.stdout}${r.stderr}`);
    return { args: [path.join(outDir, 'server.js')], env: {} };
  }
  if (compiler === 'esbuild') {
    const esbuild = requireHere('esbuild') as typeof import('esbuild');
    esbuild.buildSync({
      entryPoints: sources,
      outdir: outDir,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'silent',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: legacy } },
    });
    return { args: [path.join(outDir, 'server.js')], env: {} };
  }
  // tsx reads the decorator mode from the tsconfig it is pointed at — for the files it includes.
  const tsconfig = path.join(outDir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions, include: [path.join(fixtureDir, '*.ts')] }));
  return { args: ['--import', pathToFileURL(requireHere.resolve('tsx')).href, sources[0]!], env: { TSX_TSCONFIG_PATH: tsconfig } };
}

const cases: Array<[Compiler, Mode]> = [
  ['tsc', 'standard'],
  ['tsc', 'legacy'],
  ['esbuild', 'standard'],
  ['esbuild', 'legacy'],
  ['tsx', 'standard'],
  ['tsx', 'legacy'],
];

describe('@AlterTool with both decorator standards (tsc 5.9, esbuild, tsx; SDK Client over stdio)', () => {
  let sandbox: Sandbox;
  let dir: string;
  const leak = createLeakCheck();
  const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');

  beforeAll(async () => {
    if (!existsSync(path.join(packageDir, 'dist/index.js')))
      throw new Error('packages/mcp/dist is missing: run `pnpm build` first (the fixture imports the built @alter/mcp).');
    if (!existsSync(tsc59))
      throw new Error(`${path.relative(root, tsc59)} is missing: run \`pnpm install\` (tools/api-docs pins TypeScript 5.9).`);
    sandbox = await startSandbox();
    dir = mkdtempSync(path.join(tmpdir(), 'alter-decorators-'));
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Only this file's outputs: decorator-misuse.test.ts may be using dist/misuse in parallel.
    for (const [compiler, mode] of cases) rmSync(path.join(fixtureDir, 'dist', `${compiler}-${mode}`), { recursive: true, force: true });
  });

  it.each(cases)(
    '%s, %s decorators: tools list, zod defaults apply, a provider call reaches the fake API',
    async (compiler, mode) => {
      // Outputs live under the fixture so `@alter/mcp`, zod and the SDK resolve like in an app.
      const { args, env } = prepare(compiler, mode, path.join(fixtureDir, 'dist', `${compiler}-${mode}`));
      let stderr = '';
      let resolveUrl: (url: string) => void = () => {};
      const connectUrl = new Promise<string>((resolve) => {
        resolveUrl = resolve;
      });
      const { client, stderr: stream } = await v1.connectStdio({
        command: process.execPath,
        args,
        env: {
          PATH: process.env.PATH ?? '',
          ALTER_SANDBOX_URL: sandbox.url,
          ALTER_VAULT_DB: path.join(dir, `${compiler}-${mode}.db`),
          ALTER_VAULT_KEY: key,
          ...env,
        },
      });
      stream.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /ALTER_CONNECT_URL=(\S+)/.exec(stderr);
        if (m) resolveUrl(m[1]!);
      });
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(['list_events', 'mode', 'repeat']);
        expect(tools.find((t) => t.name === 'repeat')?.inputSchema).toMatchObject({ required: ['word'] });

        const which = await client.callTool('mode', {});
        expect(which.content[0]!.text).toBe(mode);
        const repeated = await client.callTool('repeat', { word: 'hi' });
        expect(repeated.isError).toBeFalsy();
        expect(repeated.content[0]!.text).toBe('hi hi');
        const refused = await client.callTool('repeat', { word: 'hi', times: 9 });
        expect(refused.isError).toBe(true);

        sandbox.registerRedirectUri(`${await connectUrl}/connect/callback`);
        const first = await client.callTool('list_events', {});
        expect(first.isError).toBe(true);
        const url = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/.exec(first.content[0]!.text!)?.[1];
        expect(url).toBeDefined();
        await sandbox.approve(url!, { login: 'alice' });
        const events = sandbox.fakes.calendar.events('alice').map((e) => e.summary ?? '(untitled)');
        expect(events.length).toBeGreaterThan(0);
        const second = await client.callTool('list_events', { maxResults: 250 });
        expect(second.isError).toBeFalsy();
        expect(second.content[0]!.text!.split('\n').sort()).toEqual([...events].sort());
        leak.inspect(second, 'list_events result');
      } catch (err) {
        throw new Error(`${compiler}/${mode} server stderr:\n${stderr}`, { cause: err });
      } finally {
        await client.close();
      }
      leak.inspect(stderr, 'server stderr');
      expect(leak.findings()).toEqual([]);
    },
    180_000,
  );
});
