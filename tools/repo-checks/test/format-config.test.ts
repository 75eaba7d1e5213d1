import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

// `pnpm format` (biome format --write .) must be one safe command: it formats code and JSON, and
// leaves alone what Biome would damage — changeset front matter, markdown tables, YAML quoting.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'alter-format-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the format configuration (biome.json)', () => {
  it('formats TypeScript and JSON, and never touches markdown, changesets or YAML', () => {
    copyFileSync(path.join(repo, 'biome.json'), path.join(scratch, 'biome.json'));
    const untouched: Record<string, string> = {
      '.changeset/some-change.md': '---\n"@alter/vault": minor\n---\n\nA change, written for users.\n',
      'docs/page.md': '| a | b |\n| --- | --- |\n| `x` | y |\n',
      'pnpm-workspace.yaml': "packages:\n  - packages/*\nonlyBuiltDependencies:\n  - '@swc/core'\n",
    };
    const formatted: Record<string, string> = {
      'src/a.ts': 'export const a = {b:1,c:"two"}\n',
      'config.json': '{"a":1,\n"b":[1,2]}\n',
    };
    for (const [file, text] of Object.entries({ ...untouched, ...formatted })) {
      mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
      writeFileSync(path.join(scratch, file), text);
    }
    const result = spawnSync(path.join(repo, 'node_modules/.bin/biome'), ['format', '--write', '.'], { cwd: scratch, encoding: 'utf8' });
    expect(result.status).toBe(0);
    for (const [file, text] of Object.entries(untouched))
      expect({ file, text: readFileSync(path.join(scratch, file), 'utf8') }).toEqual({ file, text });
    expect(readFileSync(path.join(scratch, 'src/a.ts'), 'utf8')).toBe("export const a = { b: 1, c: 'two' };\n");
    expect(readFileSync(path.join(scratch, 'config.json'), 'utf8')).toBe('{ "a": 1, "b": [1, 2] }\n');
  });

  it('is what `pnpm format` runs and CI checks', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect([scripts.format, scripts['format:check']]).toEqual(['biome format --write .', 'biome format .']);
    expect(readFileSync(path.join(repo, '.ci/run'), 'utf8')).toContain('pnpm format:check');
  });
});
