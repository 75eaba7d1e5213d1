/**
 * serveHttp with AlterAuthProvider binds every MCP session to the user and OAuth client that
 * opened it: another user's valid token (or the same user's token of another client) cannot post
 * into the session, open its SSE stream or delete it, and is answered exactly as for an unknown
 * session (404, the same body), so it cannot even learn that the session exists.
 * Both SDK generations' session transports go through the same session registry; each is served
 * here. Real parts: the sandbox OAuth server and a SQLite vault (auth harness), serveHttp with a
 * real AlterAuthProvider, the SDK's Client over Streamable HTTP for alice, raw HTTP with real
 * tokens for the others.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { z } from 'zod';
import { type AlterContext, AlterMCP, AlterTool, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { SDK_GENERATIONS, type SdkKit } from '../support/sdk-generations.js';
import { type AuthHarness, GITHUB_SCOPES, GMAIL_READONLY, startAuthHarness } from '../auth/support/auth-harness.js';
import { type SignedIn, signInWithSdk, toolText } from '../auth/support/sdk-sign-in.js';

const UNKNOWN_SESSION_BODY = {
  jsonrpc: '2.0',
  error: { code: -32001, message: 'Session not found (expired, evicted or closed); initialize a new session.' },
  id: null,
};

class IdentityTools {
  @AlterTool({ description: 'Returns the user the call runs as (the signed-in user).', input: z.object({}) })
  whoami(ctx: AlterContext): string {
    return ctx.user;
  }
}

let h: AuthHarness;

beforeAll(async () => {
  h = await startAuthHarness();
});
afterAll(async () => {
  await h?.close();
});

function headers(token: string, sessionId: string, accept = 'application/json, text/event-stream'): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept,
    'mcp-protocol-version': '2025-11-25',
    authorization: `Bearer ${token}`,
    'mcp-session-id': sessionId,
  };
}

function accessToken(signedIn: SignedIn): string {
  return signedIn.oauth.tokens()!.access_token;
}

/** The three ways into a session, with `token` on `sessionId`: each answer's status and JSON body. */
async function intrude(
  served: HttpServerHandle,
  token: string,
  sessionId: string,
): Promise<Array<{ what: string; status: number; body: unknown }>> {
  const post = await fetch(served.url, {
    method: 'POST',
    headers: headers(token, sessionId),
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
  });
  const abort = new AbortController();
  const get = await fetch(served.url, { method: 'GET', headers: headers(token, sessionId, 'text/event-stream'), signal: abort.signal });
  let getBody: unknown;
  // A 200 here is an open SSE stream: read nothing more of it.
  if (get.status === 200) abort.abort();
  else getBody = await get.json();
  const del = await fetch(served.url, { method: 'DELETE', headers: headers(token, sessionId) });
  return [
    { what: 'POST tools/call', status: post.status, body: post.status === 200 ? await post.text() : await post.json() },
    { what: 'GET SSE stream', status: get.status, body: getBody },
    { what: 'DELETE', status: del.status, body: del.status === 200 ? await del.text() : await del.json() },
  ];
}

describe.each(SDK_GENERATIONS.map((kit) => ({ sdk: kit.name, kit })))(
  'serveHttp (McpServer $sdk) binds each MCP session to the user and client that opened it',
  ({ kit }: { kit: SdkKit }) => {
    let served: HttpServerHandle;
    let alter: AlterMCP;
    let alice: SignedIn;
    let aliceSession: string;

    beforeAll(async () => {
      alter = new AlterMCP(h.vault, { logger: h.leak.logger });
      const server = kit.mcpServer('session-owner');
      alter.register(server, [IdentityTools]);
      const auth = new AlterAuthProvider(h.vault, {
        providers: { google: [GMAIL_READONLY], github: GITHUB_SCOPES },
        rateLimit: false,
        logger: h.leak.logger,
      });
      served = await serveHttp(server, { auth, vault: h.vault, closeVault: false, logger: h.leak.logger });
      alice = await signInWithSdk(h, 'alice', 'Alice laptop', served.url);
      aliceSession = (alice.client.transport as StreamableHTTPClientTransport).sessionId!;
      expect(aliceSession).toEqual(expect.any(String));
    });
    afterAll(async () => {
      await alice?.client.close();
      await served?.close();
      await alter?.close();
    });

    it("answers another user's valid token on alice's session as an unknown session (404) on POST, GET and DELETE", async () => {
      const bob = await signInWithSdk(h, 'bob', 'Bob phone', served.url);
      try {
        // Bob's token is valid: his own session serves him.
        expect(toolText(await bob.client.callTool({ name: 'whoami', arguments: {} }))).toMatch(/^google:/);
        const answers = await intrude(served, accessToken(bob), aliceSession);
        expect(answers).toEqual([
          { what: 'POST tools/call', status: 404, body: UNKNOWN_SESSION_BODY },
          { what: 'GET SSE stream', status: 404, body: UNKNOWN_SESSION_BODY },
          { what: 'DELETE', status: 404, body: UNKNOWN_SESSION_BODY },
        ]);
        // The same answer as for a session that never existed: nothing tells bob alice's is live.
        const unknown = await intrude(served, accessToken(bob), '00000000-0000-4000-8000-000000000000');
        expect(unknown).toEqual(answers);
      } finally {
        await bob.client.close();
      }
      // Alice's session was neither used nor closed by bob.
      const whoami = toolText(await alice.client.callTool({ name: 'whoami', arguments: {} }));
      expect(whoami).toMatch(/^google:/);
      expect(whoami).not.toBe('anonymous');
    });

    it("refuses the same user's token of another OAuth client on alice's session, and alice's session keeps working", async () => {
      const otherClient = await signInWithSdk(h, 'alice', 'Alice phone', served.url);
      try {
        const aliceUser = toolText(await alice.client.callTool({ name: 'whoami', arguments: {} }));
        expect(toolText(await otherClient.client.callTool({ name: 'whoami', arguments: {} }))).toBe(aliceUser);
        const answers = await intrude(served, accessToken(otherClient), aliceSession);
        expect(answers.map((a) => a.status)).toEqual([404, 404, 404]);
        for (const a of answers) expect(a.body).toEqual(UNKNOWN_SESSION_BODY);
      } finally {
        await otherClient.client.close();
      }
      expect((await alice.client.listTools()).tools.map((t) => t.name)).toEqual(['whoami']);
    });

    it("serves alice's own raw requests on her session (the binding does not refuse its owner)", async () => {
      const res = await fetch(served.url, {
        method: 'POST',
        headers: headers(accessToken(alice), aliceSession),
        body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('"whoami"');
    });
  },
);
