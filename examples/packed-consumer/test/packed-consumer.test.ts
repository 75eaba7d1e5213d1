/**
 * The adopter's first hour, as a test. Packs every published package the app needs with
 * `pnpm pack` (so `workspace:` ranges become versions, and only the `files` of each package ship),
 * installs the tarballs with npm into two fresh apps in the OS temp dir (outside the workspace: no
 * hoisted node_modules, no path mapping to help) — `app/` with only SDK v1 (`@modelcontextprotocol/sdk`)
 * and `app-v2/` with only SDK v2 (`@modelcontextprotocol/server` + `client`, no class-validator) — then:
 * - type-checks each app with the exact `tsc --init` output of TypeScript 5.x plus the two decorator
 *   flags, with `skipLibCheck` false and true, and with TypeScript 7 (the v2 app with `skipLibCheck`
 *   false only: the strict setting, where a declaration reaching the absent SDK v1 fails);
 * - runs the v2 app with tsx: `serveHttp` serves a v2 McpServer's GitHub pack on 127.0.0.1:0 to SDK
 *   v2's Client over Streamable HTTP (a 2025-11-25 session and a 2026-07-28 stateless client), and
 *   `AlterAuthProvider` guards a second endpoint — with no SDK v1 installed;
 * - runs it with tsx, and as an esbuild bundle copied next to nothing but better-sqlite3 (a native
 *   module stays external): each run starts the sandbox, connects a GitHub grant through the real
 *   OAuth server and calls tools through the SDK's Client; the output must carry the fake API's data;
 * - checks that every source map in the tarballs points at a file the tarball ships.
 *
 * npm runs with --prefer-offline (its cache answers; the registry only for what it lacks) and
 * --ignore-scripts (better-sqlite3 comes from the workspace, already built, as a `file:` link).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { npmInstall, packWorkspacePackages, type RunResult, root, run, shown, workspaceCopy } from './support/packed-tarballs.js';

const here = dirname(fileURLToPath(import.meta.url));
const exampleDir = resolve(here, '..');
const PACKAGES = ['vault', 'mcp', 'testing', 'tools-github'] as const;
const bin = (name: string) => join(exampleDir, 'node_modules', '.bin', name);
const requireFromHere = createRequire(join(exampleDir, 'package.json'));
const TS5 = join(dirname(requireFromHere.resolve('typescript-5/package.json')), 'bin', 'tsc');
const TS7 = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The one JSON line the app prints, parsed. */
function appOutput(r: RunResult): {
  typed: boolean;
  missingDriver?: { code: string; message: string };
  repos: { repositories: Array<{ fullName: string }> };
  words: string;
  note: string;
  badNote: { isError: boolean; text: string };
} {
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.code !== 0 || line === undefined) throw new Error(`the app failed:\n${shown(r)}`);
  return JSON.parse(line);
}

/** Writes `package.json` and copies `sources` into `app`, installs it with npm, and writes the tsconfigs. */
async function installApp(app: string, sources: string, dependencies: Record<string, string>): Promise<void> {
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'alter-consumer', private: true, type: 'module', dependencies }, null, 2),
  );
  cpSync(sources, join(app, 'src'), { recursive: true });
  await npmInstall(app);
  // The exact `tsc --init` of TypeScript 5.x, with the decorator flags and skipLibCheck false
  // written in by tsc itself; a second config flips only skipLibCheck.
  const init = await run(
    process.execPath,
    [TS5, '--init', '--experimentalDecorators', '--emitDecoratorMetadata', '--skipLibCheck', 'false'],
    app,
  );
  if (init.code !== 0) throw new Error(`tsc --init failed:\n${shown(init)}`);
  writeFileSync(
    join(app, 'tsconfig.skip-lib-check.json'),
    JSON.stringify({ extends: './tsconfig.json', compilerOptions: { skipLibCheck: true } }),
  );
}

const tsc = (compiler: string, project: string, app: string) => run(process.execPath, [compiler, '-p', project, '--noEmit'], app);
const installedPackage = (app: string, name: string): boolean => existsSync(join(app, 'node_modules', name, 'package.json'));

describe('the packed tarballs in a fresh app outside the workspace', () => {
  let work: string;
  let app: string;
  let appV2: string;
  let tarballs: Map<string, string>;
  // Started as soon as each app is installed (two cores: compilers overlap), awaited per test.
  let checks: Record<'ts5' | 'ts5SkipLibCheck' | 'ts7' | 'ts7SkipLibCheck' | 'v2ts5' | 'v2ts7', Promise<RunResult>>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'alter-packed-'));
    const tgz = join(work, 'tgz');
    app = join(work, 'app');
    appV2 = join(work, 'app-v2');
    mkdirSync(tgz);
    tarballs = await packWorkspacePackages(PACKAGES, tgz);

    const mcpManifest = JSON.parse(readFileSync(join(root, 'packages/mcp/package.json'), 'utf8'));
    const common: Record<string, string> = {
      'better-sqlite3': workspaceCopy('better-sqlite3'),
      'reflect-metadata': mcpManifest.dependencies['reflect-metadata'],
      zod: mcpManifest.devDependencies.zod,
    };
    for (const [name, tarball] of tarballs) common[name] = `file:${tarball}`;
    await installApp(app, join(exampleDir, 'app', 'src'), {
      ...common,
      '@modelcontextprotocol/sdk': mcpManifest.devDependencies['@modelcontextprotocol/sdk'],
      'class-transformer': mcpManifest.devDependencies['class-transformer'],
      'class-validator': mcpManifest.devDependencies['class-validator'],
    });
    // The v1 app's compilers run while npm installs the v2 app (mostly waiting on I/O); one npm
    // install at a time: two would contend for one cache.
    const v1Checks = {
      ts5: tsc(TS5, 'tsconfig.json', app),
      ts5SkipLibCheck: tsc(TS5, 'tsconfig.skip-lib-check.json', app),
      ts7: tsc(TS7, 'tsconfig.json', app),
      ts7SkipLibCheck: tsc(TS7, 'tsconfig.skip-lib-check.json', app),
    };
    const v2Installed = installApp(appV2, join(exampleDir, 'app-v2', 'src'), {
      ...common,
      '@modelcontextprotocol/client': mcpManifest.devDependencies['@modelcontextprotocol/client'],
      '@modelcontextprotocol/server': mcpManifest.devDependencies['@modelcontextprotocol/server'],
    });
    const notInstalled = (err: unknown): RunResult => ({ code: 1, stdout: '', stderr: String(err) });
    checks = {
      ...v1Checks,
      v2ts5: v2Installed.then(() => tsc(TS5, 'tsconfig.json', appV2), notInstalled),
      v2ts7: v2Installed.then(() => tsc(TS7, 'tsconfig.json', appV2), notInstalled),
    };
    // A failed install fails the tests that need the v2 app, with npm's output.
    await v2Installed;
  }, 900_000);

  afterAll(async () => {
    if (checks) await Promise.allSettled(Object.values(checks));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs one SDK generation per app (v1 only in app/, v2 only in app-v2/)', () => {
    expect({
      v1App: { sdk: installedPackage(app, '@modelcontextprotocol/sdk'), server: installedPackage(app, '@modelcontextprotocol/server') },
      v2App: {
        sdk: installedPackage(appV2, '@modelcontextprotocol/sdk'),
        server: installedPackage(appV2, '@modelcontextprotocol/server'),
        classValidator: installedPackage(appV2, 'class-validator'),
      },
    }).toEqual({ v1App: { sdk: true, server: false }, v2App: { sdk: false, server: true, classValidator: false } });
  });

  it('uses the unmodified tsc --init of TypeScript 5.x (plus the decorator flags)', async () => {
    const tsconfig = readFileSync(join(app, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"exactOptionalPropertyTypes": true/);
    expect(tsconfig).toMatch(/"verbatimModuleSyntax": true/);
    expect(tsconfig).toMatch(/"experimentalDecorators": true/);
    expect(tsconfig).toMatch(/"skipLibCheck": false/);
    const version = await run(process.execPath, [TS5, '--version'], app);
    expect(version.stdout).toMatch(/Version 5\.\d+/);
  }, 120_000);

  it.each([
    ['TypeScript 5.x, skipLibCheck false', 'ts5'],
    ['TypeScript 5.x, skipLibCheck true', 'ts5SkipLibCheck'],
    ['TypeScript 7, skipLibCheck false', 'ts7'],
    ['TypeScript 7, skipLibCheck true', 'ts7SkipLibCheck'],
    ['TypeScript 5.x, skipLibCheck false, SDK v2 only', 'v2ts5'],
    ['TypeScript 7, skipLibCheck false, SDK v2 only', 'v2ts7'],
  ] as const)(
    'type-checks with %s (public declarations resolve, and are not any)',
    async (_name, key) => {
      const r = await checks[key];
      expect(shown(r)).toBe(shown({ code: 0, stdout: '', stderr: '' }));
    },
    900_000,
  );

  it('runs with tsx: a GitHub tool call through the sandbox returns the fake API data, DTO inputs validate', async () => {
    const tsx = join(dirname(requireFromHere.resolve('tsx/package.json')), 'dist', 'esm', 'index.mjs');
    const out = appOutput(await run(process.execPath, ['--import', tsx, 'src/main.ts'], app));
    expect(out.typed).toBe(true);
    // pg is not installed in the app: the PostgreSQL store fails at construction, by code, with the fix.
    expect(out.missingDriver?.code).toBe('ALTER_DEPENDENCY_MISSING');
    expect(out.missingDriver?.message).toContain('npm install pg');
    expect(out.repos.repositories.map((r) => r.fullName)).toEqual(expect.arrayContaining(['alice/hello-world', 'alice/private-notes']));
    expect(out.words).toContain('3');
    expect(out.note).toContain('"isDto":true');
    expect(out.badNote.isError).toBe(true);
    expect(out.badNote.text).toMatch(/title must be a string/);
  }, 300_000);

  it("runs the SDK v2 app with tsx: serveHttp serves a v2 McpServer's GitHub pack to SDK v2's Client over Streamable HTTP", async () => {
    const tsx = join(dirname(requireFromHere.resolve('tsx/package.json')), 'dist', 'esm', 'index.mjs');
    const r = await run(process.execPath, ['--import', tsx, 'src/main.ts'], appV2);
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (r.code !== 0 || line === undefined) throw new Error(`the v2 app failed:\n${shown(r)}`);
    type Repos = { repositories: Array<{ fullName: string }> };
    const out = JSON.parse(line) as {
      typed: boolean;
      session: { protocolVersion: string; hasSessionId: boolean; repos: Repos };
      stateless: { protocolVersion: string; isError: boolean; repos: Repos };
      auth: { issuer: string; origin: string; status: number; challenge: string };
    };
    const names = (repos: Repos) => repos.repositories.map((repo) => repo.fullName);
    expect(out.typed).toBe(true);
    // A 2025-11-25 session: Connect through the sandbox's OAuth server, then the fake API's data.
    expect(out.session.protocolVersion).toBe('2025-11-25');
    expect(out.session.hasSessionId).toBe(true);
    expect(names(out.session.repos)).toEqual(expect.arrayContaining(['alice/hello-world', 'alice/private-notes']));
    // A 2026-07-28 client on the same endpoint, no session, the same user's grant.
    expect(out.stateless.protocolVersion).toBe('2026-07-28');
    expect(out.stateless.isError).toBe(false);
    expect(names(out.stateless.repos)).toEqual(names(out.session.repos));
    // @alter/mcp/auth in front of a second endpoint: its metadata, and no tools without a token.
    expect(out.auth.issuer).toBe(out.auth.origin);
    expect(out.auth.status).toBe(401);
    expect(out.auth.challenge).toContain('resource_metadata=');
  }, 300_000);

  it('runs as a self-contained esbuild bundle next to nothing but better-sqlite3', async () => {
    const bundled = await run(
      bin('esbuild'),
      [
        'src/main.ts',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node20',
        '--outfile=bundle/main.mjs',
        '--external:better-sqlite3',
        '--log-level=warning',
        // CommonJS packages inside an ESM bundle call require(): give them one.
        "--banner:js=import { createRequire as __alterCreateRequire } from 'node:module'; const require = __alterCreateRequire(import.meta.url);",
      ],
      app,
    );
    expect(shown(bundled)).toBe(shown({ code: 0, stdout: '', stderr: '' }));
    // A folder with the bundle and better-sqlite3 only: class-validator, zod, the SDK, express… must be inside.
    const alone = join(work, 'bundle-alone');
    mkdirSync(join(alone, 'node_modules'), { recursive: true });
    cpSync(join(app, 'bundle', 'main.mjs'), join(alone, 'main.mjs'));
    symlinkSync(join(app, 'node_modules', 'better-sqlite3'), join(alone, 'node_modules', 'better-sqlite3'), 'dir');
    const out = appOutput(await run(process.execPath, ['main.mjs'], alone));
    expect(out.repos.repositories.map((r) => r.fullName)).toContain('alice/private-notes');
    expect(out.missingDriver?.code).toBe('ALTER_DEPENDENCY_MISSING');
    expect(out.note).toContain('"isDto":true');
    expect(out.badNote.text).toMatch(/title must be a string/);
  }, 300_000);

  it('ships the sources every source map and declaration map points at', async () => {
    const missing: string[] = [];
    for (const p of PACKAGES) {
      const dir = join(app, 'node_modules', '@alter', p);
      const maps = (readdirSync(join(dir, 'dist'), { recursive: true }) as string[]).filter((f) => f.endsWith('.map'));
      expect(maps.length).toBeGreaterThan(0);
      for (const map of maps) {
        const file = join(dir, 'dist', map);
        const { sources, sourceRoot } = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourceRoot?: string };
        for (const source of sources) {
          const target = resolve(dirname(file), sourceRoot ?? '', source);
          try {
            readFileSync(target);
          } catch {
            missing.push(`@alter/${p}/dist/${map} → ${source}`);
          }
        }
      }
    }
    expect(missing.slice(0, 10)).toEqual([]);
  }, 120_000);
});
