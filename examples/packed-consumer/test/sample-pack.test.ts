/**
 * The proof of the tool-pack kit (docs/tool-packs.md): examples/sample-pack, a third-party pack
 * (`@acme/alter-tools-notes`, a fake Notes service, two tools) that is not part of the workspace,
 * is copied to the OS temp dir, installed against the packed tarballs of @alter/vault, @alter/mcp
 * and @alter/testing, built with tsc, and runs its own node:test suite — harness, manifest and
 * endpoint checks, leak check, tool calls against its fake API through the sandbox's real OAuth
 * server, and the store contract against its own store. Every test must pass, counted.
 *
 * Offline like packed-consumer.test.ts: npm answers from its cache; better-sqlite3 and
 * @types/node come from the workspace, and the workspace's TypeScript compiles the pack.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { npmInstall, packWorkspacePackages, type RunResult, root, run, shown, workspaceCopy } from './support/packed-tarballs.js';

const PACK_SOURCE = join(root, 'examples', 'sample-pack');
const TSC = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The `tests`/`pass`/`fail` summary node:test prints (TAP `# pass 7` or spec `ℹ pass 7`). */
function summary(r: RunResult): { tests: number; pass: number; fail: number } {
  const count = (name: string) => {
    const m = new RegExp(`^\\S+ ${name} (\\d+)\\s*$`, 'm').exec(r.stdout);
    if (!m) throw new Error(`no "${name}" count in the test output:\n${shown(r)}`);
    return Number(m[1]);
  };
  return { tests: count('tests'), pass: count('pass'), fail: count('fail') };
}

/**
 * How many tests the pack declares: its own `it(` calls plus one per store-contract check, counted
 * by the kit installed in the pack.
 */
async function declaredTests(pack: string): Promise<number> {
  const own = (readFileSync(join(PACK_SOURCE, 'test', 'notes-pack.test.ts'), 'utf8').match(/^\s+it\('/gm) ?? []).length;
  const counted = await run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const { grantStoreContract } = await import('@alter/testing'); console.log(grantStoreContract(() => undefined).length);",
    ],
    pack,
  );
  const checks = Number(counted.stdout.trim());
  if (counted.code !== 0 || !Number.isInteger(checks) || checks < 1)
    throw new Error(`could not count the store contract checks:\n${shown(counted)}`);
  return own + checks;
}

describe('a third-party tool pack outside the workspace, tested with the kit from the packed tarballs', () => {
  let work: string;
  let pack: string;
  let built: RunResult;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'alter-sample-pack-'));
    const tgz = join(work, 'tgz');
    pack = join(work, 'alter-tools-notes');
    mkdirSync(tgz);
    const tarballs = await packWorkspacePackages(['vault', 'mcp', 'testing'], tgz);
    cpSync(PACK_SOURCE, pack, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });

    // The pack names our packages by version, as it would on npm; here they are the tarballs.
    const manifest = JSON.parse(readFileSync(join(pack, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const dev = manifest.devDependencies;
    for (const [name, tarball] of tarballs) {
      expect({ name, declared: dev[name] }).toEqual({ name, declared: '^0.1.0' });
      dev[name] = `file:${tarball}`;
    }
    dev['better-sqlite3'] = workspaceCopy('better-sqlite3');
    dev['@types/node'] = workspaceCopy('@types/node', '.');
    // The workspace's compiler builds it (no TypeScript download).
    delete dev.typescript;
    writeFileSync(join(pack, 'package.json'), JSON.stringify(manifest, null, 2));
    await npmInstall(pack);
    built = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], pack);
  }, 900_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds with tsc against the published declarations of the kit', () => {
    expect(shown(built)).toBe(shown({ code: 0, stdout: '', stderr: '' }));
  });

  it('passes its own tests (npm test: node:test), every one of them counted', async () => {
    const tested = await run('npm', ['test', '--silent'], pack, 300_000);
    const declared = await declaredTests(pack);
    expect({ ...summary(tested), code: tested.code }).toEqual({ tests: declared, pass: declared, fail: 0, code: 0 });
  }, 300_000);

  it('fails its tests when the kit lacks an export they use', async () => {
    // The installed @alter/testing without expectToolsMatchManifest: the pack's suite must not load.
    const entry = join(pack, 'node_modules', '@alter', 'testing', 'dist', 'index.js');
    const original = readFileSync(entry, 'utf8');
    const withoutExport = original.replace(/export \{ expectToolsMatchManifest \} from [^;]+;/, '');
    expect(withoutExport).not.toBe(original);
    writeFileSync(entry, withoutExport);
    try {
      const tested = await run(process.execPath, ['--test', 'dist/test/notes-pack.test.js'], pack, 300_000);
      expect(tested.code).not.toBe(0);
      expect(tested.stdout + tested.stderr).toContain("does not provide an export named 'expectToolsMatchManifest'");
    } finally {
      writeFileSync(entry, original);
    }
  }, 300_000);

  it('publishes the built pack only: no tests, no test data', async () => {
    const packed = await run('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], pack);
    expect(shown(packed)).toMatch(/^exit 0/);
    const [tarball] = JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>;
    const paths = (tarball?.files ?? []).map((f) => f.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['dist/src/index.js', 'dist/src/index.d.ts', 'package.json', 'README.md']));
    expect(paths.filter((p) => p.includes('test'))).toEqual([]);
  }, 120_000);
});
