/**
 * Issue #13, account choice in the protocol: a user with two GitHub accounts (two grants) calls a
 * tool that names no account. A client that declares form elicitation is asked which account to
 * use (an enum of account labels, nothing secret) and the call proceeds with the answer; decline,
 * cancel and a made-up answer end in a clear error with nothing sent; a client without form
 * elicitation gets the error listing the accounts and how to pass `account`.
 * Real parts: the sandbox (OAuth server + fake GitHub), a SQLite vault, Connect approved twice
 * (as alice, then as bob) for one user, the SDK's Client over in-memory and Streamable HTTP
 * transports.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type ElicitRequest, ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { InMemoryTransport as InMemoryTransportV2, McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import { serveStdio as sdkServeStdio } from '@modelcontextprotocol/server/stdio';
import { AlterMCP, AlterTool, type AlterContext, serveHttp } from '@alter/mcp';
import { MODERN_PROTOCOL_VERSION } from '../support/sdk-generations.js';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean };

const USER = 'two-accounts';

class GitHubWhoTools {
  @AlterTool('github', { description: 'The GitHub login the call runs as.', scopes: ['read:user'] })
  async githubLogin(ctx: AlterContext): Promise<string> {
    return (await ctx.request('GET', 'https://api.github.com/user')).json<{ login: string }>().login;
  }

  @AlterTool('github', { description: 'Reads the login three times (two in parallel).', scopes: ['read:user'] })
  async githubLoginThrice(ctx: AlterContext): Promise<string> {
    const login = async () => (await ctx.request('GET', 'https://api.github.com/user')).json<{ login: string }>().login;
    const [a, b] = await Promise.all([login(), login()]);
    return [a, b, await login()].join(',');
  }
}

let h: McpHarness;
let accounts: string[];

beforeAll(async () => {
  h = await createMcpHarness({ providers: ['github'] });
  // One user, two GitHub accounts: Connect approved as alice, then again as bob.
  for (const login of ['alice', 'bob']) {
    const session = await h.vault.connect.createSession({ user: USER, providers: { github: ['read:user'] } });
    await h.sandbox.approve(session.url, { login });
  }
  accounts = (await h.vault.store.listGrants({ user: USER, provider: 'github' })).map((g) => g.account).sort();
  await h.collectTokens();
});
afterAll(async () => {
  await h?.close();
});

function serverWithTools(): McpServer {
  const server = new McpServer({ name: 'account-choice', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger }).register(server, [GitHubWhoTools]);
  return server;
}

/** A client over the in-memory pair; `answer` (when given) answers every elicitation and records it. */
async function inMemoryClient(
  capabilities: Record<string, unknown>,
  answer?: (req: ElicitRequest) => ElicitResult,
): Promise<{ client: Client; asked: ElicitRequest[] }> {
  const asked: ElicitRequest[] = [];
  const client = new Client({ name: 'account-choice-client', version: '1.0.0' }, { capabilities });
  if (answer) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(req);
      return answer(req);
    });
  }
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([serverWithTools().connect(a), client.connect(b)]);
  return { client, asked };
}

function text(result: unknown): string {
  return (result as ToolResultT).content[0]?.text ?? '';
}

describe('account choice', () => {
  it('has two accounts for one user at the sandbox GitHub', () => {
    expect(accounts).toHaveLength(2);
    expect(new Set(accounts).size).toBe(2);
  });

  it('asks a client with form elicitation which account to use, and runs the call with the answer', async () => {
    const bobAccount = accounts.find((a) => a.includes('bob')) ?? accounts[1]!;
    const { client, asked } = await inMemoryClient({ elicitation: { form: {} } }, () => ({
      action: 'accept',
      content: { account: bobAccount },
    }));
    try {
      const result = await client.callTool({ name: 'github_login', arguments: {} });
      expect(result.isError).toBeFalsy();
      expect(text(result)).toBe('bob');
      expect(asked).toHaveLength(1);
      const params = asked[0]!.params as {
        mode?: string;
        message: string;
        requestedSchema: { properties: Record<string, { enum?: string[] }>; required?: string[] };
      };
      expect(params.mode ?? 'form').toBe('form');
      expect(params.message).toContain('github');
      expect(params.message).toContain('github_login');
      // Exactly the account labels; nothing else is offered.
      expect(Object.keys(params.requestedSchema.properties)).toEqual(['account']);
      expect([...params.requestedSchema.properties.account!.enum!].sort()).toEqual(accounts);
      expect(params.requestedSchema.required).toEqual(['account']);
      h.leak.inspect([result, asked], 'account choice: results and elicitations');
      h.leak.assertClean();
    } finally {
      await client.close();
    }
  });

  it('asks once per call: parallel and later requests to the provider use the same answer', async () => {
    const aliceAccount = accounts.find((a) => a.includes('alice')) ?? accounts[0]!;
    const { client, asked } = await inMemoryClient({ elicitation: {} }, () => ({ action: 'accept', content: { account: aliceAccount } }));
    try {
      const result = await client.callTool({ name: 'github_login_thrice', arguments: {} });
      expect(text(result)).toBe('alice,alice,alice');
      expect(asked).toHaveLength(1);
      // A new call asks again: the choice belongs to the call, not to the session.
      await client.callTool({ name: 'github_login', arguments: {} });
      expect(asked).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it.each([
    ['decline', { action: 'decline' } as ElicitResult, /declined/],
    ['cancel', { action: 'cancel' } as ElicitResult, /cancelled/],
    [
      'an account that is not offered',
      { action: 'accept', content: { account: 'mallory' } } as ElicitResult,
      /did not name one of the user's github accounts/,
    ],
  ])('answers %s with a clear error and sends nothing to GitHub', async (_label, answer, reason) => {
    const { client, asked } = await inMemoryClient({ elicitation: { form: {} } }, () => answer);
    const before = await h.vault.audit.query({ user: USER });
    try {
      const result = await client.callTool({ name: 'github_login', arguments: {} });
      expect(asked).toHaveLength(1);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(reason);
      expect(text(result)).toMatch(/^Tool github_login failed: several github accounts are connected and /);
      expect(text(result)).toContain('nothing was sent to github. Call the tool again and choose an account.');
      const after = await h.vault.audit.query({ user: USER });
      const sent = (rows: typeof after) => rows.filter((r) => r.status !== null).length;
      expect(sent(after)).toBe(sent(before));
    } finally {
      await client.close();
    }
  });

  it('gives a client without form elicitation the error listing the accounts and how to pass account', async () => {
    for (const capabilities of [{}, { elicitation: { url: {} } }]) {
      const { client } = await inMemoryClient(capabilities);
      try {
        const result = await client.callTool({ name: 'github_login', arguments: {} });
        expect(result.isError).toBe(true);
        const message = text(result);
        for (const account of accounts) expect(message).toContain(account);
        expect(message).toContain('Pass { account } to choose one');
      } finally {
        await client.close();
      }
    }
  });

  it('asks over Streamable HTTP too (serveHttp, the SDK client declaring form elicitation)', async () => {
    const handle = await serveHttp(serverWithTools(), { port: 0, closeVault: false, logger: h.leak.logger });
    const client = new Client({ name: 'account-choice-http', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    const bobAccount = accounts.find((a) => a.includes('bob')) ?? accounts[1]!;
    let asked = 0;
    client.setRequestHandler(ElicitRequestSchema, async () => {
      asked++;
      return { action: 'accept', content: { account: bobAccount } };
    });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(handle.url)));
      const result = await client.callTool({ name: 'github_login', arguments: {} });
      expect(text(result)).toBe('bob');
      expect(asked).toBe(1);
    } finally {
      await client.close();
      await handle.close();
    }
  }, 60_000);

  it.each([
    ['2025-11-25', undefined, 'bob'],
    ['2026-07-28 (stateless: no request mid-call)', MODERN_PROTOCOL_VERSION, undefined],
  ])('with SDK v2 over protocol %s', async (_label, pin, expected) => {
    const alter = new AlterMCP(h.vault, { defaultUser: USER, logger: h.leak.logger });
    const client = new ClientV2(
      { name: 'account-choice-v2-client', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } }, ...(pin ? { versionNegotiation: { mode: { pin } } } : {}) },
    );
    const bobAccount = accounts.find((a) => a.includes('bob')) ?? accounts[1]!;
    let asked = 0;
    client.setRequestHandler('elicitation/create', async () => {
      asked++;
      return { action: 'accept', content: { account: bobAccount } };
    });
    // The SDK's own serving entry (serves both eras; a connect()-attached server is 2025-only).
    const [a, b] = InMemoryTransportV2.createLinkedPair();
    const handle = sdkServeStdio(
      () => {
        const server = new McpServerV2({ name: 'account-choice-v2', version: '1.0.0' });
        alter.register(server, [GitHubWhoTools]);
        return server;
      },
      { transport: a },
    );
    await client.connect(b);
    if (pin) expect(client.getNegotiatedProtocolVersion()).toBe(pin);
    try {
      const result = await client.callTool({ name: 'github_login', arguments: {} });
      if (expected !== undefined) {
        expect(text(result)).toBe(expected);
        expect(asked).toBe(1);
      } else {
        expect(result.isError).toBe(true);
        expect(text(result)).toContain('Pass { account } to choose one');
        expect(asked).toBe(0);
      }
    } finally {
      await client.close();
      await handle.close();
      await alter.close();
    }
  });
});
