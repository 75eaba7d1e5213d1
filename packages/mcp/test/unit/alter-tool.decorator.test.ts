import { describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { IsInt, IsString, Min } from 'class-validator';
import { z } from 'zod';
import {
  AlterMCP,
  AlterTool,
  type AlterContext,
  type AlterToolOptions,
  TOOL_METADATA,
  ToolDefinitionError,
  ToolRegistrationError,
  type ToolMetadata,
} from '@alter/mcp';
import { type AlterVault, silentLogger } from '@alter/vault';

function metadataOf(proto: object, key: string): ToolMetadata {
  return Reflect.getMetadata(TOOL_METADATA.key, proto, key) as ToolMetadata;
}

// A vault is only needed for provider ids; this one never opens its store (no request is sent).
function fakeVault(providerIds: string[] = ['google']): AlterVault {
  return {
    providerIds,
    request: async () => undefined,
    withAuditContext: (_c: unknown, fn: () => unknown) => fn(),
  } as unknown as AlterVault;
}

function registerProblems(modules: object[]): string {
  try {
    new AlterMCP(fakeVault(), { logger: silentLogger }).register(new McpServer({ name: 't', version: '1' }), modules);
  } catch (err) {
    expect(err).toBeInstanceOf(ToolRegistrationError);
    return (err as Error).message;
  }
  throw new Error('register() did not throw');
}

class SearchDto {
  @IsString() query!: string;
  @IsInt() @Min(1) limit!: number;
}

describe('@AlterTool', () => {
  it('stores normalized, frozen metadata and never mutates the options', () => {
    const options: AlterToolOptions = { description: 'List events.', scopes: ['a', 'a', 'b'], annotations: { readOnlyHint: true } };
    const snapshot = JSON.stringify(options);
    class T {
      @AlterTool('google', options)
      async listUpcomingEvents(_ctx: AlterContext) {
        return [];
      }
    }
    const m = metadataOf(T.prototype, 'listUpcomingEvents');
    expect(m).toMatchObject({
      provider: 'google',
      name: 'list_upcoming_events',
      nameDerived: true,
      scopes: ['a', 'b'],
      member: 'T.listUpcomingEvents',
    });
    expect(Object.isFrozen(m)).toBe(true);
    expect(Object.isFrozen(m.scopes)).toBe(true);
    expect(Object.isFrozen(m.annotations)).toBe(true);
    expect(JSON.stringify(options)).toBe(snapshot);
    expect(Object.isFrozen(options)).toBe(false);
  });

  it('accepts @AlterTool(options) for a tool without credentials', () => {
    class T {
      @AlterTool({ description: 'Echo.', name: 'echo.v2' })
      echo(_ctx: AlterContext) {
        return 'x';
      }
    }
    expect(metadataOf(T.prototype, 'echo')).toMatchObject({ provider: null, name: 'echo.v2', nameDerived: false });
  });

  it('throws when applied twice to one member', () => {
    expect(() => {
      class T {
        @AlterTool({ description: 'a' })
        @AlterTool({ description: 'b' })
        m(_ctx: AlterContext) {}
      }
      return T;
    }).toThrow(/applied twice/);
  });

  it.each([
    [{ description: '' }, /description is missing/],
    [{ description: 'x', name: 'has space' }, /not a valid MCP tool name/],
    [{ description: 'x', name: 'a'.repeat(129) }, /not a valid MCP tool name/],
    [{ description: 'x', scopes: [''] }, /scopes must be an array/],
    [{ description: 'x', input: { a: z.string() } }, /must be a zod object/],
  ])('validates options at once: %j', (options, pattern) => {
    let err: unknown;
    try {
      class T {
        @AlterTool('google', options as AlterToolOptions)
        m(_ctx: AlterContext) {}
      }
      void T;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ToolDefinitionError);
    expect((err as Error).message).toMatch(/^@AlterTool on T\.m: /);
    expect((err as Error).message).toMatch(pattern);
  });

  it('refuses static methods and scopes without a provider', () => {
    expect(() => {
      class T {
        @AlterTool({ description: 'x' })
        static m(_ctx: AlterContext) {}
        n() {}
      }
      return T;
    }).toThrow(/static method/);
    expect(() => {
      class T {
        @AlterTool({ description: 'x', scopes: ['s'] })
        m(_ctx: AlterContext) {}
      }
      return T;
    }).toThrow(/no provider/);
  });

  it('inherits tools into subclasses; a subclass may override and re-declare', () => {
    class Base {
      @AlterTool({ description: 'base a' })
      a(_ctx: AlterContext) {
        return 'base';
      }
      @AlterTool({ description: 'base b' })
      b(_ctx: AlterContext) {
        return 'b';
      }
    }
    class Sub extends Base {
      override a(_ctx: AlterContext) {
        return 'sub';
      }
      @AlterTool({ description: 'sub b', name: 'b2' })
      override b(_ctx: AlterContext) {
        return 'b2';
      }
      @AlterTool({ description: 'sub c' })
      c(_ctx: AlterContext) {
        return 'c';
      }
    }
    const names = new AlterMCP(fakeVault(), { logger: silentLogger }).register(new McpServer({ name: 't', version: '1' }), [Sub]);
    expect([...names].sort()).toEqual(['a', 'b2', 'c']);
    // The base class keeps its own metadata untouched.
    expect(metadataOf(Base.prototype, 'b').name).toBe('b');
  });

  it('uses the DTO from design:paramtypes when input is omitted', () => {
    class T {
      @AlterTool({ description: 'search' })
      search(_ctx: AlterContext, input: SearchDto) {
        return input.query;
      }
    }
    const server = new McpServer({ name: 't', version: '1' });
    new AlterMCP(fakeVault(), { logger: silentLogger }).register(server, [T]);
  });

  it('fails at startup when the second parameter is an interface/type literal (Object)', () => {
    class T {
      @AlterTool({ description: 'search' })
      search(_ctx: AlterContext, input: { q: string }) {
        return input.q;
      }
    }
    const msg = registerProblems([T]);
    expect(msg).toContain(
      "T.search: its input schema cannot be found: there is no `input` option and the second parameter's type (Object) is not a class-validator DTO class",
    );
  });

  it('reports a missing description, an empty class and an unconstructible class', () => {
    class Empty {}
    class NeedsArgs {
      constructor(readonly dep: { x: number }) {
        void dep.x;
      }
      @AlterTool({ description: 'x' })
      m(_ctx: AlterContext) {}
    }
    const msg = registerProblems([Empty, NeedsArgs]);
    expect(msg).toContain('Empty: has no @AlterTool methods');
    expect(msg).toContain('NeedsArgs: could not be constructed');
    expect(msg).toContain('moduleFactory');
  });

  it('reports a schema that cannot be built and a missing description at startup', () => {
    class T {
      @AlterTool({ description: 'custom', input: z.object({ when: z.custom<Date>((v) => v instanceof Date) }) })
      custom(_ctx: AlterContext) {}
      forged(_ctx: AlterContext) {}
    }
    // Metadata written by another tool (or an older copy) without a description.
    Reflect.defineMetadata(
      TOOL_METADATA.key,
      Object.freeze({ ...metadataOf(T.prototype, 'custom'), name: 'forged', description: '', input: undefined }),
      T.prototype,
      'forged',
    );
    Reflect.defineMetadata('alter:tools', ['custom', 'forged'], T.prototype);
    const msg = registerProblems([T]);
    expect(msg).toContain('T.custom: its input schema cannot be built');
    expect(msg).toContain('T.forged: has no description');
  });

  it('only accepts methods whose first parameter takes an AlterContext (type-level)', () => {
    class T {
      // @ts-expect-error the first parameter must accept an AlterContext
      @AlterTool({ description: 'x' })
      m(n: number) {
        return n;
      }
    }
    expect(T).toBeDefined();
  });

  it('builds modules through moduleFactory', () => {
    class NeedsArgs {
      constructor(readonly prefix: string) {}
      @AlterTool({ description: 'x' })
      m(_ctx: AlterContext) {
        return this.prefix;
      }
    }
    const names = new AlterMCP(fakeVault(), { logger: silentLogger, moduleFactory: (cls) => new (cls as typeof NeedsArgs)('p') }).register(
      new McpServer({ name: 't', version: '1' }),
      [NeedsArgs],
    );
    expect(names).toEqual(['m']);
  });

  it('applies toolNamePrefix and checks the result against the MCP name rule', () => {
    class T {
      @AlterTool({ description: 'x' })
      m(_ctx: AlterContext) {}
    }
    const names = new AlterMCP(fakeVault(), { logger: silentLogger, toolNamePrefix: 'g_' }).register(
      new McpServer({ name: 't', version: '1' }),
      [T],
    );
    expect(names).toEqual(['g_m']);
    try {
      new AlterMCP(fakeVault(), { logger: silentLogger, toolNamePrefix: 'bad prefix ' }).register(
        new McpServer({ name: 't', version: '1' }),
        [new T()],
      );
      throw new Error('no error');
    } catch (err) {
      expect((err as Error).message).toContain('T.m: tool name "bad prefix m" is not allowed by MCP');
    }
  });
});
