import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// Types that stand alone (issue #14): every declaration file an app's compiler reads through a
// published package's entry points (`exports[*].types`, followed import by import) may name only
// packages the app is sure to have — Node's built-ins, the package's own `dependencies` (or their
// `@types/`), and required peers. An optional peer (an SDK generation, class-validator, pg…) is
// absent from some apps, and there `tsc` with `skipLibCheck: false` fails with TS2307 in our .d.ts.
// Reads the built declarations: run `pnpm build` first.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, string | { types?: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const SPECIFIERS = [
  /\bfrom\s+['"]([^'"]+)['"]/g,
  /\bimport\s+['"]([^'"]+)['"]/g,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  /<reference\s+types=['"]([^'"]+)['"]/g,
  /\bdeclare\s+module\s+['"]([^'"]+)['"]/g,
];

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
const packageOf = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
/** The package an `@types/` package types (`@types/scope__name` → `@scope/name`). */
const typed = (dep: string): string =>
  dep.startsWith('@types/') ? (dep.slice(7).includes('__') ? `@${dep.slice(7).replace('__', '/')}` : dep.slice(7)) : dep;

const packages = readdirSync(path.join(repo, 'packages'))
  .map((name) => path.join(repo, 'packages', name))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => manifest.private !== true);
const byName = new Map(packages.map((p) => [p.manifest.name, p]));

/** The declaration file of `manifest`'s export `key` (`.`, `./http`…), or undefined when it has none. */
function entryTypes(dir: string, manifest: Manifest, key: string): string | undefined {
  const target = manifest.exports?.[key];
  const types = target === undefined || typeof target === 'string' ? undefined : target.types;
  if (types === undefined) return undefined;
  const file = path.join(dir, types);
  if (!existsSync(file)) throw new Error(`${manifest.name} exports['${key}'].types: ${file} is missing (run pnpm build first)`);
  return file;
}

/**
 * Every bare specifier an app's compiler meets through `roots` (declaration files), with the file
 * naming it and the package that file belongs to. Follows relative imports, and imports of a
 * sibling package's entry (`@alter/vault/internal` from @alter/mcp) into that package's files.
 */
function reachableSpecifiers(roots: readonly string[]): {
  found: Array<{ owner: string; specifier: string; file: string }>;
  files: number;
} {
  const seen = new Set<string>();
  const found: Array<{ owner: string; specifier: string; file: string }> = [];
  const ownerOf = (file: string) => packages.find((p) => file.startsWith(p.dir + path.sep))?.manifest.name ?? '?';
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8')
      // Comments name packages in prose (`@modelcontextprotocol/sdk` 1.x): only code counts.
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/(?!\/\s*<reference).*$/gm, '');
    for (const pattern of SPECIFIERS) {
      for (const [, specifier] of text.matchAll(pattern)) {
        if (specifier === undefined) continue;
        if (specifier.startsWith('.')) {
          const target = path.resolve(path.dirname(file), specifier).replace(/\.(m|c)?js$/, '.d.$1ts');
          const hit = [target, `${target}.d.ts`, path.join(target, 'index.d.ts')].find((c) => existsSync(c));
          if (hit === undefined) throw new Error(`${path.relative(repo, file)}: cannot find the declaration of '${specifier}'`);
          visit(hit);
          continue;
        }
        found.push({ owner: ownerOf(file), specifier, file: path.relative(repo, file) });
        const sibling = byName.get(packageOf(specifier));
        if (sibling !== undefined) {
          const key = `.${specifier.slice(sibling.manifest.name.length)}`;
          const types = entryTypes(sibling.dir, sibling.manifest, key);
          if (types === undefined)
            throw new Error(`${path.relative(repo, file)}: '${specifier}' is not an export of ${sibling.manifest.name}`);
          visit(types);
        }
      }
    }
  };
  for (const root of roots) visit(root);
  return { found, files: seen.size };
}

/** Packages an app installing `manifest`'s package is sure to have. */
function sureFor(manifest: Manifest): Set<string> {
  return new Set<string>([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}).map(typed),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((p) => manifest.peerDependenciesMeta?.[p]?.optional !== true),
  ]);
}

/**
 * An app's entries into `manifest`'s package: every export with types, except `./internal*`
 * (entries for sibling packages only, e.g. `@alter/vault/internal`; checked where a sibling's
 * public declarations reach them).
 */
const appEntries = (dir: string, manifest: Manifest): string[] =>
  Object.keys(manifest.exports ?? {})
    .filter((key) => !key.startsWith('./internal'))
    .flatMap((key) => entryTypes(dir, manifest, key) ?? []);

describe('the public declarations of every published package', () => {
  it('finds the packages and their entries', () => {
    expect(packages.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(['@alter/vault', '@alter/mcp']));
    expect(appEntries(byName.get('@alter/mcp')!.dir, byName.get('@alter/mcp')!.manifest).length).toBe(4);
  });

  it.each(packages.map((p) => [p.manifest.name, p] as const))(
    '%s: import types only from packages every app installs with it',
    (_name, { dir, manifest }) => {
      const { found, files } = reachableSpecifiers(appEntries(dir, manifest));
      // Positive control: the walk really follows declarations past the entry (every package's
      // entry re-exports from its own files; @alter/cli's names no other package at all).
      expect(files).toBeGreaterThan(1);
      const missing = found
        .filter(({ specifier }) => !specifier.startsWith('node:') && !builtinModules.includes(specifier))
        .filter(({ owner, specifier }) => !sureFor(byName.get(owner)?.manifest ?? manifest).has(packageOf(specifier)))
        .map(({ specifier, file }) => `${specifier} ← ${file}`);
      expect([...new Set(missing)]).toEqual([]);
    },
  );
});
