/**
 * Trust I, finding 5: no secret the vault used for a call reaches the model. A provider answer
 * that echoes the request headers (the sandbox's `faults.echoRequestNext()`) hands tools their
 * own token; whatever a tool then does with it — return it as text or JSON, nest it in
 * structuredContent, encode it, throw it, log it, return it from a nested tool — the result the
 * client receives has it redacted, and the server log too. Real parts: sandbox + fake Gmail,
 * SQLite vault, SDK Client over the in-memory transport; every token goes to the leak check.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { type AlterContext, AlterMCP, AlterTool, ToolError, ToolResult } from '@alter/mcp';
import { GMAIL_READONLY } from '../fixtures/example.tools.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = {
  content: Array<{ type: string; text?: string }>;
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
};

let h: McpHarness;
const MESSAGES = 'https://gmail.googleapis.com/gmail/v1/users/me/messages';

/** Asks the (echoing) fake Gmail; returns the echo text and the token read out of it. */
async function echo(ctx: AlterContext): Promise<{ text: string; token: string }> {
  h.sandbox.faults.echoRequestNext();
  const res = await ctx.request('GET', MESSAGES);
  const text = res.text();
  const token = /authorization: Bearer ([^;"\s]+)/.exec(text)?.[1];
  if (!token) throw new Error('the fake API did not echo the Authorization header');
  return { text, token };
}

class LeakyTools {
  @AlterTool('google', { description: 'Returns the provider answer verbatim.', scopes: [GMAIL_READONLY] })
  async returnsText(ctx: AlterContext): Promise<string> {
    return (await echo(ctx)).text;
  }

  @AlterTool('google', { description: 'Returns a plain object holding the token (the result is its JSON).', scopes: [GMAIL_READONLY] })
  async returnsObject(ctx: AlterContext): Promise<Record<string, unknown>> {
    const { token } = await echo(ctx);
    return {
      token,
      base64: Buffer.from(token).toString('base64'),
      nested: [{ [token]: `Bearer ${token}` }],
      withToJSON: { toJSON: () => ({ again: encodeURIComponent(token) }) },
    };
  }

  @AlterTool('google', { description: 'Returns the token in every shape, nested.', scopes: [GMAIL_READONLY] })
  async returnsShapes(ctx: AlterContext): Promise<ToolResult> {
    const { text, token } = await echo(ctx);
    const shapes = {
      raw: token,
      bearer: `Authorization: Bearer ${token}`,
      base64: Buffer.from(token).toString('base64'),
      base64url: Buffer.from(token).toString('base64url'),
      bearerBase64: Buffer.from(`Bearer ${token}`).toString('base64'),
      urlEncoded: `https://example.test/cb?access_token=${encodeURIComponent(token)}`,
      // A message cut at a length limit, mid-token.
      cut: `upstream said: ${token.slice(0, 20)}`,
    };
    return ToolResult.of([ToolResult.textItem(text), ToolResult.resourceItem({ uri: 'memo://echo', text: JSON.stringify(shapes) })], {
      structuredContent: { echo: { deep: [{ shapes }], [token]: 'token as a key' } },
    });
  }

  @AlterTool('google', { description: 'Throws a ToolError carrying the provider answer.', scopes: [GMAIL_READONLY] })
  async throwsToolError(ctx: AlterContext): Promise<string> {
    throw new ToolError(`Gmail refused: ${(await echo(ctx)).text}`);
  }

  @AlterTool('google', { description: 'Throws a plain Error carrying the token (logged on the server).', scopes: [GMAIL_READONLY] })
  async throwsError(ctx: AlterContext): Promise<string> {
    const { token } = await echo(ctx);
    throw new Error(`request failed with Authorization: Bearer ${token}`);
  }

  @AlterTool('google', { description: 'Logs the token, reports it as progress, then returns ok.', scopes: [GMAIL_READONLY] })
  async logsIt(ctx: AlterContext): Promise<string> {
    const { text, token } = await echo(ctx);
    await ctx.log.info(`provider said ${text}`, { token, nested: { bearer: `Bearer ${token}` } });
    await ctx.progress(1, 2, `got ${token}`);
    return 'ok';
  }

  @AlterTool('google', { description: 'Returns what a nested tool returned.', scopes: [GMAIL_READONLY] })
  async nestedReturn(ctx: AlterContext): Promise<string> {
    return `inner: ${await this.returnsText(ctx)}`;
  }

  @AlterTool('google', {
    description: 'Returns JSON through an output schema.',
    output: z.object({ body: z.string() }),
    scopes: [GMAIL_READONLY],
  })
  async structured(ctx: AlterContext): Promise<{ body: string }> {
    return { body: (await echo(ctx)).text };
  }
}

let client: Client;
let server: McpServer;
let aliceToken: string;
const notifications: unknown[] = [];

beforeAll(async () => {
  h = await createMcpHarness();
  const session = await h.vault.connect.createSession({ user: 'alice', providers: { google: [GMAIL_READONLY] } });
  await h.sandbox.approve(session.url, { login: 'alice' });
  const done = await h.vault.connect.waitFor(session.id, { timeoutMs: 10_000 });
  if (done.status !== 'complete') throw new Error(`connect: ${done.status}`);
  await h.collectTokens();
  const [grant] = await h.vault.store.listGrants({ user: 'alice', provider: 'google' });
  aliceToken = h.vault.openSecret(grant!.accessToken);
  const alter = new AlterMCP(h.vault, { defaultUser: 'alice', logger: h.leak.logger });
  server = new McpServer({ name: 'redaction', version: '1.0.0' }, { capabilities: { logging: {} } });
  alter.register(server, [LeakyTools]);
  const [a, b] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'redaction-client', version: '1.0.0' });
  client.fallbackNotificationHandler = async (n) => {
    notifications.push(n);
  };
  await Promise.all([server.connect(a), client.connect(b)]);
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  if (h) {
    h.leak.inspect(notifications, 'notifications to the client');
    await h.collectTokens();
    await h.vault.audit.flush();
    h.leak.inspect(await h.vault.audit.query({ limit: 10_000 }), 'audit rows');
    await h.close();
    h.leak.assertClean();
  }
});

async function call(name: string): Promise<ToolResultT> {
  const result = (await client.callTool({ name, arguments: {} }, undefined, { onprogress: (p) => notifications.push(p) })) as ToolResultT;
  h.leak.inspect(result, `result of ${name}`);
  return result;
}

/** The result as the model would see it. */
function seen(result: unknown): string {
  return JSON.stringify(result);
}

describe('no secret the vault used for the call reaches the model', () => {
  it("a tool returning the provider's echo as text: the token is redacted, the rest kept", async () => {
    const result = await call('returns_text');
    expect(result.isError).toBeFalsy();
    expect(result.content[0]?.text).toContain('authorization: [redacted]');
    expect(seen(result)).not.toContain(aliceToken);
  });

  it('a tool returning a plain object: its JSON text is redacted (keys, values, base64 and toJSON output alike)', async () => {
    const result = await call('returns_object');
    expect(result.isError).toBeFalsy();
    expect(result.content).toHaveLength(1);
    expect(JSON.parse(result.content[0]!.text!)).toEqual({
      token: '[redacted]',
      base64: expect.stringMatching(/^\[redacted\]=*$/),
      nested: [{ '[redacted]': expect.stringMatching(/^(Bearer )?\[redacted\]$/) }],
      withToJSON: { again: '[redacted]' },
    });
    expect(seen(result)).not.toContain(aliceToken);
  });

  it('every covered shape, nested in content, a resource, structuredContent and object keys, is redacted', async () => {
    const result = await call('returns_shapes');
    const text = seen(result);
    for (const form of [
      aliceToken,
      encodeURIComponent(aliceToken),
      Buffer.from(aliceToken).toString('base64').replace(/=+$/, ''),
      Buffer.from(aliceToken).toString('base64url'),
      Buffer.from(`Bearer ${aliceToken}`).toString('base64').replace(/=+$/, ''),
      aliceToken.slice(0, 12),
    ]) {
      expect(text).not.toContain(form);
    }
    const echoed = result.structuredContent?.echo as { deep: Array<{ shapes: Record<string, string> }> } | undefined;
    const shapes = echoed?.deep[0]?.shapes;
    expect(shapes).toEqual({
      raw: '[redacted]',
      bearer: 'Authorization: [redacted]',
      base64: expect.stringMatching(/^\[redacted\]=*$/),
      base64url: '[redacted]',
      bearerBase64: expect.stringMatching(/^\[redacted\]=*$/),
      urlEncoded: 'https://example.test/cb?access_token=[redacted]',
      cut: 'upstream said: [redacted]',
    });
    expect(Object.keys(result.structuredContent?.echo as object)).toContain('[redacted]');
  });

  it('a ToolError carrying the echo: the error text the model sees is redacted', async () => {
    const result = await call('throws_tool_error');
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(/^Gmail refused: .*authorization: \[redacted\]/);
    expect(seen(result)).not.toContain(aliceToken);
  });

  it('a plain Error carrying the token: a generic result, and the server log line is redacted', async () => {
    const result = await call('throws_error');
    expect(result.content[0]?.text).toMatch(/internal error \(Error\)/);
    // The leak check's logger saw the server log line; assertClean() in afterAll checks it.
  });

  it('ctx.log and ctx.progress: the client and the server log get redacted text', async () => {
    const before = notifications.length;
    expect((await call('logs_it')).content[0]?.text).toBe('ok');
    const sent = seen(notifications.slice(before));
    expect(sent).toContain('[redacted]');
    expect(sent).not.toContain(aliceToken);
  });

  it("a nested tool's return value and an output-schema result are redacted too", async () => {
    expect(seen(await call('nested_return'))).toContain('inner: ');
    expect(seen(await call('nested_return'))).not.toContain(aliceToken);
    const structured = await call('structured');
    expect(structured.isError).toBeFalsy();
    expect(seen(structured)).not.toContain(aliceToken);
    expect(String(structured.structuredContent?.body)).toContain('authorization: [redacted]');
  });
});
