/**
 * How @alter/mcp gets the reflect-metadata polyfill (metadata-reflect.ts): with `require`, not
 * through the ESM loader, and only when the app has not loaded it. A bundle cannot see that
 * `require`, so a bundled app imports reflect-metadata itself; one that does not gets
 * ReflectMetadataMissingError when @alter/mcp is imported, never a server that records nothing.
 * Each case is a real esbuild bundle of the built @alter/mcp (the docs/bundling.md command), run by
 * Node from a folder in the OS temp dir with no node_modules.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const requireHere = createRequire(path.join(packageDir, 'package.json'));

/** The entry of each bundle: import @alter/mcp, report whether the polyfill is there. */
const entry = (importPolyfillFirst: boolean) => `
${importPolyfillFirst ? "import 'reflect-metadata';" : ''}
import { AlterTool } from '@alter/mcp';
console.log(JSON.stringify({ alterTool: typeof AlterTool, getMetadata: typeof Reflect.getMetadata }));
`;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;
const runs = new Map<'withImport' | 'withoutImport', Run>();
/** The run of one bundle (beforeAll ran them all). */
const runOf = (name: 'withImport' | 'withoutImport'): Run => {
  const r = runs.get(name);
  if (r === undefined) throw new Error(`the ${name} bundle did not run`);
  return r;
};

beforeAll(async () => {
  if (!existsSync(path.join(packageDir, 'dist/index.js'))) throw new Error('packages/mcp/dist is missing: run `pnpm build` first.');
  work = mkdtempSync(path.join(tmpdir(), 'alter-reflect-bundle-'));
  const esbuild = requireHere('esbuild') as typeof import('esbuild');
  for (const [name, first] of [
    ['withImport', true],
    ['withoutImport', false],
  ] as const) {
    const outfile = path.join(work, `${name}.mjs`);
    await esbuild.build({
      stdin: { contents: entry(first), resolveDir: packageDir, loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'error',
      external: ['better-sqlite3'],
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    const r = spawnSync(process.execPath, [outfile], {
      cwd: work,
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    runs.set(name, { status: r.status, stdout: r.stdout, stderr: r.stderr });
  }
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('reflect-metadata in a bundle', () => {
  it('works when the entry imports reflect-metadata first (what docs/bundling.md asks)', () => {
    const r = runOf('withImport');
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(r.stdout.trim())).toEqual({ alterTool: 'function', getMetadata: 'function' });
  });

  it('fails at import with ReflectMetadataMissingError, saying what to add, when the entry does not', () => {
    const r = runOf('withoutImport');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ReflectMetadataMissingError');
    expect(r.stderr).toContain('ALTER_MCP_REFLECT_METADATA');
    expect(r.stderr).toContain("add `import 'reflect-metadata';` as the first line of your entry file");
  });
});
