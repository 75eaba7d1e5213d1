/**
 * Per-call allocations of the AlterContext (issue #15): the context used to build a frozen `log`
 * object with five frozen closures on every call, although most tools never log. `log` is now
 * built on first use — still one frozen object per context that tool code cannot replace, and
 * the context itself stays frozen with nothing of its state reachable.
 * Real parts: the SDK's Client over an in-memory transport, a vault on a SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type AlterContext, AlterMCP, AlterTool } from '@alter/mcp';
import { AlterVault, type Logger } from '@alter/vault';
import { currentCallSecrets } from '@alter/vault/internal';

const logged: string[] = [];
const logger: Logger = { debug: () => {}, info: (m) => logged.push(m), warn: () => {}, error: () => {} };

class ContextTools {
  @AlterTool({ description: 'Reports how its context is built.', input: z.object({ log: z.boolean() }) })
  async inspectContext(ctx: AlterContext, { log }: { log: boolean }) {
    const ownBefore = Reflect.ownKeys(ctx).map(String);
    const out: Record<string, unknown> = { ownBefore, frozenContext: Object.isFrozen(ctx) };
    if (log) {
      const first = ctx.log;
      out.same = first === ctx.log;
      out.frozen = Object.isFrozen(first) && Object.isFrozen(first.info) && Object.isFrozen(first.log);
      try {
        (ctx as { log: unknown }).log = { info: () => {} };
        out.replace = 'replaced';
      } catch (err) {
        out.replace = (err as Error).name;
      }
      try {
        (first as { info: unknown }).info = () => {};
        out.replaceMember = 'replaced';
      } catch (err) {
        out.replaceMember = (err as Error).name;
      }
      out.stillSame = ctx.log === first;
      await ctx.log.info('hello from the tool');
      out.ownAfter = Reflect.ownKeys(ctx).map(String);
    }
    return out;
  }

  @AlterTool({ description: 'Reports the async context it runs in.', input: z.object({}) })
  async scopeOfCall(ctx: AlterContext) {
    await Promise.resolve();
    return { audit: vault.currentAuditContext(), tracked: currentCallSecrets() !== undefined, callId: ctx.callId };
  }
}

let dir: string;
let vault: AlterVault;
let client: Client;
let server: McpServer;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'alter-ctx-alloc-'));
  vault = new AlterVault({
    caller: 'ctx-alloc',
    providers: [],
    store: path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    logger,
  });
  server = new McpServer({ name: 'ctx-alloc', version: '1.0.0' });
  new AlterMCP(vault, { defaultUser: 'alice', logger }).register(server, [ContextTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'ctx-alloc-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
});
afterAll(async () => {
  await client.close();
  await server.close();
  await vault.close();
  rmSync(dir, { recursive: true, force: true });
});

async function inspect(log: boolean): Promise<Record<string, unknown>> {
  const r = (await client.callTool({ name: 'inspect_context', arguments: { log } })) as {
    isError?: boolean;
    content: Array<{ text: string }>;
  };
  if (r.isError) throw new Error(r.content[0]?.text);
  return JSON.parse(r.content[0]!.text) as Record<string, unknown>;
}

describe('AlterContext allocations', () => {
  it('builds no log object for a call that does not log (the context owns no log property)', async () => {
    const out = await inspect(false);
    expect(out.frozenContext).toBe(true);
    expect(out.ownBefore).toEqual([]);
  });

  it('builds ctx.log on first use: one frozen object per context that tool code cannot replace', async () => {
    const out = await inspect(true);
    expect(out).toMatchObject({
      same: true,
      frozen: true,
      replace: 'TypeError',
      replaceMember: 'TypeError',
      stillSame: true,
      ownAfter: [],
    });
    expect(logged).toContain('hello from the tool');
  });

  it('enters the async context once per tool call: one AsyncLocalStorage run carries the secret tracker and the audit context', async () => {
    const run = jest.spyOn(AsyncLocalStorage.prototype, 'run');
    let r: { isError?: boolean; content: Array<{ text: string }> };
    let runs: number;
    try {
      r = (await client.callTool({ name: 'scope_of_call', arguments: {} })) as typeof r;
      runs = run.mock.calls.length;
    } finally {
      run.mockRestore();
    }
    // Before: two (the call's secret tracker, then the vault's audit context inside it).
    expect(runs).toBe(1);
    expect(r.isError).toBeFalsy();
    const out = JSON.parse(r.content[0]!.text) as { audit: Record<string, unknown>; tracked: boolean; callId: string };
    expect(out.tracked).toBe(true);
    expect(out.audit).toEqual({
      tool: 'scope_of_call',
      declaredTool: 'scope_of_call',
      parentTool: null,
      chain: ['scope_of_call'],
      callId: out.callId,
    });
  });
});
