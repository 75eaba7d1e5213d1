// The workspace as the tools see it: the packages that `pnpm-workspace.yaml` globs find, and for
// each library the source file behind every entry of its `exports` map. Jest (jest.config.js) and
// the test type check (tsconfig.test.json, written by scripts/sync-test-tsconfig.mjs) derive their
// package lists from here, so a new package is picked up without editing either by hand — and its
// tests run against its sources, never against stale build output.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Every entry of the `packages:` list of pnpm-workspace.yaml, unquoted. */
function workspaceEntries(root) {
  const text = readFileSync(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\s*\n((?:[ \t]+-.*\n?)+)/m.exec(text);
  if (!block) throw new Error('pnpm-workspace.yaml: no `packages:` list found');
  return block[1]
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('-'))
    .map((line) => line.replace(/^-\s*/, '').replace(/^['"]|['"]$/g, ''));
}

/**
 * The `packages:` globs of pnpm-workspace.yaml (not the `!dir` exclusions, see
 * {@link workspaceExclusions}). Only the forms this repository uses are accepted (`dir/*` and
 * plain `dir`); anything else throws rather than silently missing packages.
 */
export function workspaceGlobs(root) {
  return workspaceEntries(root)
    .filter((entry) => !entry.startsWith('!'))
    .map((glob) => {
      if (!/^[\w.-]+(\/[\w.-]+)*(\/\*)?$/.test(glob)) {
        throw new Error(
          `pnpm-workspace.yaml: the glob ${JSON.stringify(glob)} is not of a form scripts/workspace.mjs understands (dir or dir/*)`,
        );
      }
      return glob;
    });
}

/**
 * The folders pnpm-workspace.yaml excludes with `!dir` (e.g. `examples/sample-pack`, a pack that
 * is installed from the packed tarballs, never linked into the workspace). Jest ignores their
 * tests: they run in their own project, with their own runner.
 */
export function workspaceExclusions(root) {
  return workspaceEntries(root)
    .filter((entry) => entry.startsWith('!'))
    .map((entry) => {
      const dir = entry.slice(1);
      if (!/^[\w.-]+(\/[\w.-]+)*$/.test(dir)) {
        throw new Error(
          `pnpm-workspace.yaml: the exclusion ${JSON.stringify(entry)} is not of the form !dir that scripts/workspace.mjs understands`,
        );
      }
      return dir;
    });
}

/** Every workspace package: `{ dir, relDir, name, manifest }`, sorted by directory. */
export function workspacePackages(root) {
  const dirs = [];
  for (const glob of workspaceGlobs(root)) {
    if (glob.endsWith('/*')) {
      const parent = path.join(root, glob.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.push(path.join(parent, entry.name));
      }
    } else {
      dirs.push(path.join(root, glob));
    }
  }
  const excluded = new Set(workspaceExclusions(root).map((dir) => path.join(root, dir)));
  return dirs
    .filter((dir) => existsSync(path.join(dir, 'package.json')) && !excluded.has(dir))
    .sort()
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      return { dir, relDir: path.relative(root, dir).split(path.sep).join('/'), name: manifest.name, manifest };
    });
}

/** The file an `exports` entry points at for an ESM import (`import`, else `default`). */
function importTarget(entry) {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object') {
    for (const condition of ['import', 'node', 'default']) {
      const target = importTarget(entry[condition]);
      if (target) return target;
    }
  }
  return undefined;
}

/**
 * Import specifier → source file, for every JavaScript entry of every workspace package's
 * `exports` map (`./dist/x.js` ↔ `./src/x.ts`). Wildcard subpaths keep their `*`.
 * @returns Array<{ specifier: string, source: string }> with `source` relative to `root`.
 */
export function sourceEntryPoints(root) {
  const out = [];
  for (const pkg of workspacePackages(root)) {
    const exportsMap = pkg.manifest.exports;
    if (!exportsMap || typeof exportsMap !== 'object') continue;
    for (const [subpath, entry] of Object.entries(exportsMap)) {
      const target = importTarget(entry);
      if (!target?.endsWith('.js')) continue; // ./package.json and the like
      const m = /^\.\/dist\/(.+)\.js$/.exec(target);
      if (!m) throw new Error(`${pkg.relDir}/package.json: exports[${JSON.stringify(subpath)}] = ${target} is not under ./dist/`);
      const source = `${pkg.relDir}/src/${m[1]}.ts`;
      if (!source.includes('*') && !existsSync(path.join(root, source))) {
        throw new Error(`${pkg.relDir}/package.json: exports[${JSON.stringify(subpath)}] builds from ${source}, which does not exist`);
      }
      out.push({ specifier: subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`, source });
    }
  }
  return out;
}
