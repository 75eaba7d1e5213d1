import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

// Every ```ts block of README.md and docs/ compiles against the workspace packages
// (scripts/check-snippets.mjs), unless the line before its fence marks it as a fragment.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
type Snippet = { page: string; line: number; code: string; fragment: boolean; file: string };
type SnippetsModule = {
  FRAGMENT_MARKER: string;
  snippetsOf(page: string, text: string): Snippet[];
  checkSnippets(): { snippets: Snippet[]; errors: string[] };
};
const load = async () => (await import(path.join(repo, 'scripts/check-snippets.mjs'))) as SnippetsModule;

describe('the TypeScript snippets of the docs', () => {
  it('finds ts blocks, indented ones too, their file names and fragment markers', async () => {
    const { snippetsOf, FRAGMENT_MARKER } = await load();
    const page = [
      '# Page',
      '```ts',
      '// src/tools.ts',
      'export class Tools {}',
      '```',
      '```sh',
      'pnpm build',
      '```',
      FRAGMENT_MARKER,
      '',
      '```ts',
      'vault.request(...);',
      '```',
      '- a list item:',
      '  ```typescript',
      '  const x: number = 1;',
      '  ```',
    ].join('\n');
    expect(snippetsOf('docs/page.md', page)).toEqual([
      { page: 'docs/page.md', line: 3, code: '// src/tools.ts\nexport class Tools {}', fragment: false, file: 'src/tools.ts' },
      { page: 'docs/page.md', line: 12, code: 'vault.request(...);', fragment: true, file: 'snippet-line-12.ts' },
      { page: 'docs/page.md', line: 16, code: 'const x: number = 1;', fragment: false, file: 'snippet-line-16.ts' },
    ]);
  });

  it('compile, every one not marked as a fragment', async () => {
    const { checkSnippets } = await load();
    const { snippets, errors } = checkSnippets();
    expect(errors).toEqual([]);
    // The pages that show whole programs keep them whole.
    const compiled = snippets.filter((s) => !s.fragment).map((s) => s.page);
    for (const page of ['README.md', 'docs/quick-start.md', 'docs/vault.md', 'docs/auth-server.md', 'docs/connect.md', 'docs/testing.md']) {
      expect(compiled).toContain(page);
    }
  }, 120_000);
});
