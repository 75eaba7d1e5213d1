/**
 * Both protocol eras from one server: a v2 Client pinned to 2026-07-28 (stateless: per-request
 * `_meta`, `server/discover`, no session) and a 2025-11-25 client with a session, at the same
 * time, against
 * - `serveHttp(server)` on real Streamable HTTP (127.0.0.1, port 0), for a single server of EACH
 *   SDK generation (v1 cannot speak 2026-07-28 itself: its Alter tools are bridged through SDK v2),
 * - `serveStdio(server)` in a real child process (the built example server with each SDK
 *   generation; with v1, the connection's opening message picks the v1 server or the v2 bridge).
 * Every case calls a tool that uses the vault through the sandbox's real OAuth server: first call
 * → the Connect URL (the 2026 era has no -32042: an isError result), approve, same call succeeds.
 * Also: a multi-round-trip (`input_required`) SDK tool with a sealed `requestState` beside Alter tools.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterMCP, CONNECT_META_KEY, serveHttp } from '@alter/mcp';
import { createLeakCheck, type Sandbox, startSandbox } from '@alter/testing';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { acceptedContent, createRequestStateCodec, inputRequired, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { GmailTools, UtilityTools } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { MODERN_PROTOCOL_VERSION, SDK_GENERATIONS } from '../support/sdk-generations.js';

type Result = { content: Array<{ type: string; text?: string }>; isError?: boolean; _meta?: Record<string, unknown> };
const CONNECT_URL = /(http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]+)/;

/**
 * A client pinned to 2026-07-28 that does not declare URL elicitation: recovery answers it with the
 * isError result carrying the Connect URL (a client that declares it gets input_required instead —
 * recovery-2026-input-required.test.ts).
 */
function modernClient(name: string): Client {
  return new Client({ name, version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } } });
}

/** First call → Connect URL (isError), approve as `login`, same call succeeds. */
async function connectThenCall(call: () => Promise<Result>, sandbox: Sandbox, login: string): Promise<[Result, Result]> {
  const first = await call();
  expect(first.isError).toBe(true);
  const url = CONNECT_URL.exec(first.content[0]!.text!)?.[1];
  expect(url).toBeDefined();
  expect((first._meta?.[CONNECT_META_KEY] as { url?: string } | undefined)?.url).toBe(url);
  await sandbox.approve(url!, { login });
  const second = await call();
  expect(second.isError).toBeFalsy();
  return [first, second];
}

describe('serveHttp serves 2026-07-28 (stateless) and 2025-11-25 (sessions) clients on one endpoint', () => {
  let h: McpHarness;
  beforeAll(async () => {
    h = await createMcpHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(SDK_GENERATIONS.map((g) => [g.name, g] as const))(
    'a single SDK %s server: a pinned 2026-07-28 client and a 2025 client at once',
    async (generation, sdk) => {
      const user = generation === 'v1' ? 'alice' : 'bob';
      const alter = new AlterMCP(h.vault, { defaultUser: user, logger: h.leak.logger });
      const server = sdk.mcpServer(`both-eras-${generation}`);
      alter.register(server, [UtilityTools, GmailTools]);
      const handle = await serveHttp(server, { closeVault: false, logger: h.leak.logger });
      const modern = modernClient('modern');
      const legacy = new ClientV1({ name: 'legacy', version: '1.0.0' });
      try {
        await modern.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
        await legacy.connect(new StreamableHTTPClientTransportV1(new URL(handle.url)));
        expect(modern.getNegotiatedProtocolVersion()).toBe(MODERN_PROTOCOL_VERSION);
        // The 2026 client has no session: every request stands alone.
        const modernTools = await modern.listTools();
        const legacyTools = await legacy.listTools();
        expect(modernTools.tools.map((t) => t.name).sort()).toEqual(legacyTools.tools.map((t) => t.name).sort());
        expect(modernTools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'list_emails']));

        // Interleaved calls of both eras against the same endpoint.
        const [m, l] = await Promise.all([
          modern.callTool({ name: 'echo', arguments: { text: 'new', times: 2 } }),
          legacy.callTool({ name: 'echo', arguments: { text: 'old', times: 3 } }),
        ]);
        expect(m.content).toEqual([{ type: 'text', text: 'newnew' }]);
        expect(l.content).toEqual([{ type: 'text', text: 'oldoldold' }]);

        const [first, second] = await connectThenCall(
          () => modern.callTool({ name: 'list_emails', arguments: { query: 'x' } }) as Promise<Result>,
          h.sandbox,
          user,
        );
        // The 2025 client shares the user's grant through the same vault.
        const legacyEmails = (await legacy.callTool({ name: 'list_emails', arguments: { query: 'x' } })) as Result;
        expect(legacyEmails.isError).toBeFalsy();
        expect(legacyEmails.content).toEqual(second.content);
        h.leak.inspect(first, 'connect result');
        h.leak.inspect(second, 'tool result');
      } finally {
        await modern.close();
        await legacy.close();
        await handle.close();
      }
      await h.collectTokens();
      h.leak.assertClean();
    },
    90_000,
  );

  it("serves the SDK's own tools of a single v2 server to both eras (each request gets a fresh fork)", async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'fork-user', logger: h.leak.logger });
    const server = new McpServerV2({ name: 'fork', version: '1.0.0' });
    alter.register(server, [UtilityTools]);
    server.registerTool('greet', { description: 'Greets.', inputSchema: z.object({ who: z.string() }) }, ({ who }) => ({
      content: [{ type: 'text', text: `hello ${who}` }],
    }));
    const handle = await serveHttp(server, { closeVault: false, logger: h.leak.logger });
    // Registered after serving started: reaches every fork (they share the registries).
    server.registerTool('late', { description: 'Registered late.' }, () => ({ content: [{ type: 'text', text: 'late' }] }));
    const modern = modernClient('modern');
    const legacy = new ClientV1({ name: 'legacy', version: '1.0.0' });
    try {
      await modern.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
      await legacy.connect(new StreamableHTTPClientTransportV1(new URL(handle.url)));
      for (const client of [modern, legacy] as const) {
        const { tools } = await (client as Client).listTools();
        expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'greet', 'late']));
        expect(((await (client as Client).callTool({ name: 'greet', arguments: { who: 'ann' } })) as Result).content).toEqual([
          { type: 'text', text: 'hello ann' },
        ]);
        expect(((await (client as Client).callTool({ name: 'late', arguments: {} })) as Result).content).toEqual([
          { type: 'text', text: 'late' },
        ]);
        expect(((await (client as Client).callTool({ name: 'echo', arguments: { text: 'x' } })) as Result).content).toEqual([
          { type: 'text', text: 'x' },
        ]);
      }
    } finally {
      await modern.close();
      await legacy.close();
      await handle.close();
    }
  }, 90_000);
  it("runs an SDK tool's multi-round-trip retry with a sealed requestState on a server that also has Alter tools (2026-07-28)", async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'mrtr-user', logger: h.leak.logger });
    const codec = createRequestStateCodec<{ step: string }>({ key: randomBytes(32) });
    const server = new McpServerV2(
      { name: 'mrtr', version: '1.0.0' },
      { requestState: { verify: (state, ctx) => codec.verify(state, ctx) } },
    );
    alter.register(server, [UtilityTools]);
    server.registerTool('confirm', { description: 'Asks for a confirmation, then says so.' }, async (ctx) => {
      const sealed = ctx.mcpReq.requestState<{ step: string }>();
      const answer = acceptedContent(ctx.mcpReq.inputResponses, 'ok', z.object({ ok: z.boolean() }));
      if (sealed?.step !== 'asked' || !answer) {
        return inputRequired({
          inputRequests: {
            ok: inputRequired.elicit({
              message: 'Sure?',
              requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
            }),
          },
          requestState: await codec.mint({ step: 'asked' }),
        });
      }
      return { content: [{ type: 'text', text: `confirmed: ${String(answer.ok)}` }] };
    });
    const handle = await serveHttp(server, { closeVault: false, logger: h.leak.logger });
    const meta = {
      'io.modelcontextprotocol/protocolVersion': MODERN_PROTOCOL_VERSION,
      'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
    };
    const call = async (params: Record<string, unknown>) => {
      const res = await fetch(handle.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
          'mcp-method': 'tools/call',
          'mcp-name': 'confirm',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'confirm', arguments: {}, ...params, _meta: meta },
        }),
      });
      return (await res.json()) as {
        result?: { resultType?: string; requestState?: string; content?: unknown };
        error?: { code: number; message: string };
      };
    };
    try {
      const first = await call({});
      expect(first.result?.resultType).toBe('input_required');
      const second = await call({
        inputResponses: { ok: { action: 'accept', content: { ok: true } } },
        requestState: first.result!.requestState,
      });
      expect(second.error).toBeUndefined();
      expect(second.result?.content).toEqual([{ type: 'text', text: 'confirmed: true' }]);
      const tampered = await call({
        inputResponses: { ok: { action: 'accept', content: { ok: true } } },
        requestState: `${first.result!.requestState!.slice(0, -2)}xx`,
      });
      expect(tampered.error?.code).toBe(-32602);
    } finally {
      await handle.close();
    }
  }, 90_000);
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const serverJs = path.join(root, 'examples/conformance-server/dist/stdio-server.js');

describe.each(['v1', 'v2'])('serveStdio serves a 2026-07-28 client (spawned, built example server, SDK %s)', (generation) => {
  let sandbox: Sandbox;
  let dir: string;
  const leak = createLeakCheck();
  const key = leak.secret(randomBytes(32).toString('base64'), 'encryption key');
  beforeAll(async () => {
    if (!existsSync(serverJs))
      throw new Error(
        `${path.relative(root, serverJs)} is missing: run \`pnpm build\` at the repository root first (this test runs the built output).`,
      );
    sandbox = await startSandbox();
    dir = mkdtempSync(path.join(tmpdir(), 'alter-stdio-2026-'));
  });
  afterAll(async () => {
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a client pinned to 2026-07-28 lists and calls, recovering through Connect', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [serverJs],
      env: {
        PATH: process.env.PATH ?? '',
        ALTER_SANDBOX_URL: sandbox.url,
        ALTER_VAULT_DB: path.join(dir, 'vault.db'),
        ALTER_VAULT_KEY: key,
        ALTER_DEFAULT_USER: 'alice',
        ALTER_MCP_SDK: generation,
      },
      stderr: 'pipe',
    });
    let stderr = '';
    const connectUrl = new Promise<string>((resolve) => {
      (transport.stderr as Readable).on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /ALTER_CONNECT_URL=(\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
    });
    const client = modernClient('stdio-modern');
    await client.connect(transport);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN_PROTOCOL_VERSION);
      sandbox.registerRedirectUri(`${await connectUrl}/connect/callback`);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['list_emails', 'list_events', 'summarize_inbox']);
      const [first, second] = await connectThenCall(
        () => client.callTool({ name: 'summarize_inbox', arguments: {} }) as Promise<Result>,
        sandbox,
        'alice',
      );
      expect(second.content[0]!.text).toMatch(/^Found \d+ unread emails$/);
      leak.inspect(first, 'first result');
      leak.inspect(second, 'second result');
      leak.inspect(stderr, 'server stderr');
    } finally {
      await client.close();
    }
    leak.assertClean();
  }, 120_000);
});
