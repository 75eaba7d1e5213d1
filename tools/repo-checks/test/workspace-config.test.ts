import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

// Jest and tsconfig.test.json derive their package lists from pnpm-workspace.yaml, so a new
// package's tests run against its sources instead of a stale dist/ (or no build at all).
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type WorkspaceModule = {
  workspacePackages(root: string): Array<{ relDir: string; name: string; manifest: { exports?: unknown } }>;
  workspaceExclusions(root: string): string[];
  sourceEntryPoints(root: string): Array<{ specifier: string; source: string }>;
};
const load = async <T>(file: string): Promise<T> => (await import(path.join(repo, file))) as T;

const scratch = mkdtempSync(path.join(tmpdir(), 'alter-workspace-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the workspace-derived test configuration', () => {
  it('maps every entry point of every workspace library to its source, in Jest and in tsconfig.test.json', async () => {
    const { workspacePackages } = await load<WorkspaceModule>('scripts/workspace.mjs');
    const jest = (await load<{ default: { moduleNameMapper: Record<string, string> } }>('jest.config.js')).default;
    const tsconfig = JSON.parse(readFileSync(path.join(repo, 'tsconfig.test.json'), 'utf8')) as {
      compilerOptions: { paths: Record<string, string[]> };
    };
    const libraries = workspacePackages(repo).filter((p) => p.manifest.exports);
    expect(libraries.map((p) => p.name)).toEqual(expect.arrayContaining(['@alter/vault', '@alter/mcp', '@alter/cli', '@alter/testing']));
    for (const lib of libraries) {
      const mapped = Object.entries(jest.moduleNameMapper).find(([pattern]) => new RegExp(pattern).test(lib.name));
      expect({ pkg: lib.name, jest: mapped?.[1] }).toEqual({ pkg: lib.name, jest: `<rootDir>/${lib.relDir}/src/index.ts` });
      expect({ pkg: lib.name, tsconfig: tsconfig.compilerOptions.paths[lib.name] }).toEqual({
        pkg: lib.name,
        tsconfig: [`./${lib.relDir}/src/index.ts`],
      });
    }
  });

  it('finds a package added under a workspace glob, with its subpath exports', async () => {
    const { sourceEntryPoints } = await load<WorkspaceModule>('scripts/workspace.mjs');
    writeFileSync(path.join(scratch, 'pnpm-workspace.yaml'), "packages:\n  - libs/*\n  - 'apps/site'\nonlyBuiltDependencies:\n  - x\n");
    const pkg = path.join(scratch, 'libs/new-pack');
    mkdirSync(path.join(pkg, 'src'), { recursive: true });
    writeFileSync(path.join(pkg, 'src/index.ts'), 'export {};\n');
    writeFileSync(path.join(pkg, 'src/extra.ts'), 'export {};\n');
    const exportsMap = {
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './extra': './dist/extra.js',
      './package.json': './package.json',
    };
    writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@acme/new-pack', exports: exportsMap }));
    expect(sourceEntryPoints(scratch)).toEqual([
      { specifier: '@acme/new-pack', source: 'libs/new-pack/src/index.ts' },
      { specifier: '@acme/new-pack/extra', source: 'libs/new-pack/src/extra.ts' },
    ]);
    // An entry whose source is missing is an error that names the package and the file.
    rmSync(path.join(pkg, 'src/extra.ts'));
    expect(() => sourceEntryPoints(scratch)).toThrow(
      'libs/new-pack/package.json: exports["./extra"] builds from libs/new-pack/src/extra.ts, which does not exist',
    );
  });

  it('leaves a folder excluded with !dir out of the packages, and out of Jest (examples/sample-pack)', async () => {
    const { workspacePackages, workspaceExclusions } = await load<WorkspaceModule>('scripts/workspace.mjs');
    const dir = mkdtempSync(path.join(scratch, 'exclusion-'));
    writeFileSync(path.join(dir, 'pnpm-workspace.yaml'), "packages:\n  - libs/*\n  - '!libs/outside'\n");
    for (const name of ['inside', 'outside']) {
      mkdirSync(path.join(dir, 'libs', name), { recursive: true });
      writeFileSync(path.join(dir, 'libs', name, 'package.json'), JSON.stringify({ name: `@acme/${name}` }));
    }
    expect(workspaceExclusions(dir)).toEqual(['libs/outside']);
    expect(workspacePackages(dir).map((p) => p.name)).toEqual(['@acme/inside']);
    // This repository's own exclusion: the third-party pack's node:test files are not Jest's.
    const jest = (await load<{ default: { testPathIgnorePatterns: string[] } }>('jest.config.js')).default;
    expect(workspaceExclusions(repo)).toContain('examples/sample-pack');
    const ignored = (file: string) =>
      jest.testPathIgnorePatterns.some((pattern) => new RegExp(pattern.replace('<rootDir>', repo)).test(path.join(repo, file)));
    expect(ignored('examples/sample-pack/test/notes-pack.test.ts')).toBe(true);
    expect(ignored('examples/packed-consumer/test/sample-pack.test.ts')).toBe(false);
    expect(workspacePackages(repo).map((p) => p.relDir)).not.toContain('examples/sample-pack');
  });

  it('tsconfig.test.json is in sync with the workspace (the type check runs this)', () => {
    const result = spawnSync(process.execPath, [path.join(repo, 'scripts/sync-test-tsconfig.mjs'), '--check'], { encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
