/**
 * Type tests for `@AlterTool` compiled as a TC39 standard decorator (no `experimentalDecorators`:
 * the TypeScript 5+ default). Checked by `npx tsc -p tsconfig.test-d.standard.json` (root, part of
 * `pnpm typecheck`); every `@ts-expect-error` must fire. The legacy form is covered by
 * ../alter-tool.test-d.ts; the run-time behaviour of both by test/e2e/decorator-standards.test.ts.
 */
import { type AlterContext, AlterTool, Description } from '@alter/mcp';
import { z } from 'zod';

const Search = z.object({ query: z.string(), limit: z.number().int().default(20) });

export class StandardTools {
  @AlterTool('google', { description: 'Search mail.', input: Search, scopes: ['gmail.readonly'] })
  async search(_ctx: AlterContext, { query, limit }: { query: string; limit: number }): Promise<string> {
    return `${query}:${limit}`;
  }

  @AlterTool({ description: 'No input.' })
  ping(_ctx: AlterContext): string {
    return 'pong';
  }

  // @ts-expect-error -- the schema's `limit` is a number.
  @AlterTool('google', { description: 'x', input: Search })
  wrongType(_ctx: AlterContext, input: { limit: string }): string {
    return input.limit;
  }

  // @ts-expect-error -- tools are instance methods; a static one does not compile.
  @AlterTool({ description: 'x' })
  static notAnInstanceMethod(_ctx: AlterContext): string {
    return 'x';
  }

  // @ts-expect-error -- the registry cannot call a #private method.
  @AlterTool({ description: 'x' })
  #hidden(_ctx: AlterContext): string {
    return 'x';
  }

  // @ts-expect-error -- the first parameter receives the AlterContext.
  @AlterTool({ description: 'x' })
  firstParamNotContext(_n: number): void {}

  // @ts-expect-error -- a field is not a method.
  @AlterTool({ description: 'x' })
  field = 1;

  useHidden(ctx: AlterContext): string {
    return this.#hidden(ctx);
  }
}

export class SearchDto {
  @Description('What to look for.')
  query = '';
}
