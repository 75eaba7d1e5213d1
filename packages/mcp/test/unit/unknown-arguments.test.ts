/** The unknown-argument rule over schema shapes that are easy to get wrong: intersections, unions, recursion, records. */
import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { AlterTool, ToolDefinitionError } from '@alter/mcp';
import { buildToolSchema } from '../../src/schema/build-tool-schema.js';

describe('unknown arguments over composite schemas', () => {
  it('does not close the parts of an intersection (each part would reject the other part’s keys)', async () => {
    const s = buildToolSchema(z.object({ both: z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })) }), 'input');
    expect(await s.validate({ both: { a: 'x', b: 'y' } })).toMatchObject({ ok: true });
  });

  it('checks the object branch of a nullable object, and keys no branch of a union declares', async () => {
    const s = buildToolSchema(
      z.object({
        n: z.object({ a: z.string() }).nullable(),
        u: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]).optional(),
      }),
      'input',
    );
    expect(await s.validate({ n: { a: 'x', zz: 1 } })).toEqual({
      ok: false,
      issues: [{ path: 'n.zz', message: 'unknown argument "zz" (expected one of: a)' }],
    });
    expect(await s.validate({ n: null, u: { b: 'y' } })).toMatchObject({ ok: true });
    // A key no branch declares is refused; one some branch declares is left to zod.
    expect(await s.validate({ n: null, u: { b: 'y', c: 1 } })).toEqual({
      ok: false,
      issues: [{ path: 'u.c', message: 'unknown argument "c" (expected one of: a, b)' }],
    });
  });

  it('follows recursive $refs and record values', async () => {
    interface Node {
      name: string;
      children: Node[];
    }
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    const s = buildToolSchema(z.object({ root: node, tags: z.record(z.string(), z.object({ v: z.number() })) }), 'input');
    const r = await s.validate({ root: { name: 'a', children: [{ name: 'b', children: [], oops: 1 }] }, tags: { t: { v: 1, w: 2 } } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['root.children[0].oops', 'tags.t.w']));
  });

  it('keeps loose objects open', async () => {
    const s = buildToolSchema(z.object({ meta: z.looseObject({ a: z.string() }) }), 'input');
    expect(await s.validate({ meta: { a: 'x', free: 1 } })).toMatchObject({ ok: true });
  });

  it('refuses a bad unknownArguments option at decoration', () => {
    expect(() => {
      class Bad {
        @AlterTool({ description: 'x', unknownArguments: 'ignore' as never })
        async tool() {}
      }
      return Bad;
    }).toThrow(ToolDefinitionError);
  });
});
