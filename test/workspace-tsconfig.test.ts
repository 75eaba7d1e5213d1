/**
 * The root `tsconfig.json` is a solution file (`npx tsc -b` builds everything) and every project
 * lists its workspace dependencies under `references`. Both lists are written by hand, so this
 * test derives them from `pnpm-workspace.yaml` and each `package.json` and fails on any drift:
 * a new package missing from the solution, or a new dependency that `tsc -b` would build after
 * its user.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Reference {
  readonly path: string;
}
interface TsConfig {
  readonly files?: readonly string[];
  readonly compilerOptions?: Record<string, unknown>;
  readonly references?: readonly Reference[];
}
interface WorkspacePackage {
  readonly dir: string;
  readonly name: string;
  readonly workspaceDeps: readonly string[];
  readonly hasBuild: boolean;
}

/** tsconfig files are JSON with `//` comment lines. */
function readTsConfig(file: string): TsConfig {
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
  return JSON.parse(text) as TsConfig;
}

/** The `packages:` entries of pnpm-workspace.yaml (only `dir/*` globs and `!dir` exclusions are used in this repository). */
function workspaceGlobs(): string[] {
  const lines = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.trim() === 'packages:');
  const globs: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^\s+-\s+['"]?([^'"]+)['"]?\s*$/.exec(line);
    if (!m) break;
    globs.push(m[1]!);
  }
  return globs;
}

function workspacePackages(): WorkspacePackage[] {
  const out: WorkspacePackage[] = [];
  const globs = workspaceGlobs();
  // `!dir` entries exclude a folder (a project that is not part of the workspace).
  const excluded = new Set(globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1)));
  for (const glob of globs.filter((g) => !g.startsWith('!'))) {
    if (!glob.endsWith('/*') || glob.slice(0, -2).includes('*'))
      throw new Error(`unsupported workspace glob ${glob}: teach this test to expand it`);
    const parent = glob.slice(0, -2);
    for (const entry of readdirSync(path.join(root, parent)).sort()) {
      const manifest = path.join(root, parent, entry, 'package.json');
      if (!existsSync(manifest) || excluded.has(`${parent}/${entry}`)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string;
        scripts?: Record<string, string>;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies };
      out.push({
        dir: `${parent}/${entry}`,
        name: pkg.name,
        workspaceDeps: Object.keys(deps).filter((d) => deps[d]!.startsWith('workspace:')),
        hasBuild: typeof pkg.scripts?.build === 'string',
      });
    }
  }
  return out;
}

const packages = workspacePackages();
/** What `pnpm build` compiles; tools/* (api-docs) only reads sources and emits nothing. */
const buildable = packages.filter((p) => p.hasBuild);

describe('the root tsconfig.json solution', () => {
  it('finds the workspace (guards the test itself)', () => {
    expect(buildable.map((p) => p.name)).toEqual(
      expect.arrayContaining(['@alter/vault', '@alter/mcp', '@alter/testing', '@alter-examples/demo']),
    );
  });

  it('references every package and example that has a build, and nothing else', () => {
    const config = readTsConfig(path.join(root, 'tsconfig.json'));
    expect(config.files).toEqual([]);
    const referenced = (config.references ?? []).map((r) => path.posix.normalize(r.path));
    expect([...referenced].sort()).toEqual(buildable.map((p) => p.dir).sort());
  });

  it.each(buildable.map((p) => [p.dir, p] as const))('%s is composite and references exactly its workspace dependencies', (dir, pkg) => {
    const config = readTsConfig(path.join(root, dir, 'tsconfig.json'));
    expect(config.compilerOptions?.composite).toBe(true);
    // Inside dist/, so deleting dist/ also forgets the incremental state (otherwise the next
    // build believes it is up to date and emits nothing).
    expect(config.compilerOptions?.tsBuildInfoFile).toBe('dist/tsconfig.tsbuildinfo');
    const byName = new Map(packages.map((p) => [p.name, p.dir]));
    const expected = pkg.workspaceDeps
      .map((name) => path.posix.relative(dir, byName.get(name) ?? `(unknown workspace package ${name})`))
      .sort();
    const actual = (config.references ?? []).map((r) => path.posix.normalize(r.path)).sort();
    expect(actual).toEqual(expected);
  });
});
