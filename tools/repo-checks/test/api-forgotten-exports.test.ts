import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

// The API report refuses a public surface that names a type users cannot import (api-extractor's
// ae-forgotten-export) or that declares a public name under internal/. Checked here on a small
// package of declaration files, so each rule is seen to fire and each exemption to hold.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Entry = { specifier: string; file: string };
type ReportModule = {
  programOf(packages: Array<{ name: string; entries: Entry[] }>): unknown;
  forgottenExports(packages: Array<{ name: string; entries: Entry[] }>, program: unknown, packagesDir: string): string[];
};

const FILES: Record<string, string> = {
  'index.d.ts': [
    "import type { Hidden } from './hidden.js';",
    "import { SEAM, type SeamOnly } from './seam.js';",
    "import type { Deps } from './deps.js';",
    "export type { Moved } from './internal/moved.js';",
    "export type { Made } from './made.js';",
    "export { Built } from './built.js';",
    'export declare function take(h: Hidden): void;',
    "export declare const schema: { readonly kind: 'object' };",
    'export type Shape = typeof schema;',
    'export declare class Store { [SEAM](): SeamOnly; }',
    'export declare function deps(): Deps;',
  ].join('\n'),
  'hidden.d.ts': "import type { Deeper } from './deeper.js';\nexport interface Hidden { readonly deeper: Deeper }",
  'deeper.d.ts': 'export interface Deeper { readonly n: number }',
  'seam.d.ts': 'export declare const SEAM: unique symbol;\nexport interface SeamOnly { readonly x: 1 }',
  'deps.d.ts': 'export interface Deps { readonly a: string }',
  'internal/moved.d.ts': 'export interface Moved { readonly y: 2 }',
  // Exported only as a type: made by the package, so its constructor is not surface.
  'made.d.ts': "import type { MadeDeps } from './made-deps.js';\nexport declare class Made { constructor(deps: MadeDeps); get(): string; }",
  'made-deps.d.ts': 'export interface MadeDeps { readonly secret: string }',
  // Exported as a value: users call `new Built(...)`, so its constructor's types must be exported.
  'built.d.ts':
    "import type { BuiltOptions } from './built-options.js';\nexport declare class Built { constructor(options: BuiltOptions); }",
  'built-options.d.ts': 'export interface BuiltOptions { readonly size: number }',
  'internal-api.d.ts': "export { SEAM } from './seam.js';",
};

describe('the API report refuses forgotten exports', () => {
  let dir: string;
  let found: string[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'alter-api-fixture-'));
    const dist = path.join(dir, 'packages/demo/dist');
    for (const [name, text] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(dist, name)), { recursive: true });
      writeFileSync(path.join(dist, name), text);
    }
    const { forgottenExports, programOf } = (await import(path.join(repo, 'tools/api-docs/api-report.mjs'))) as ReportModule;
    const packages = [
      {
        name: '@demo/pkg',
        entries: [
          { specifier: '@demo/pkg', file: path.join(dist, 'index.d.ts') },
          { specifier: '@demo/pkg/internal', file: path.join(dist, 'internal-api.d.ts') },
        ],
      },
    ];
    found = forgottenExports(packages, programOf(packages), path.join(dir, 'packages'));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const names = () => found.map((line) => line.split(' ')[0]);

  it('names a type a public signature uses but no public entry exports, and what it names in turn', () => {
    expect(names()).toEqual(expect.arrayContaining(['Hidden', 'Deeper', 'Deps', 'BuiltOptions']));
    expect(found.find((l) => l.startsWith('Hidden '))).toMatch(/named by take in @demo\/pkg/);
  });

  it('names a public type declared under internal/', () => {
    expect(found.find((l) => l.startsWith('Moved '))).toMatch(/is under internal\//);
  });

  it('leaves alone what users never have to import', () => {
    // `typeof schema`, a member keyed by a symbol only the internal entry exports, and the
    // constructor of a class exported only as a type.
    expect(names()).not.toEqual(expect.arrayContaining(['schema']));
    expect(names()).not.toContain('SeamOnly');
    expect(names()).not.toContain('MadeDeps');
    expect(names().sort()).toEqual(['BuiltOptions', 'Deeper', 'Deps', 'Hidden', 'Moved']);
  });
});
