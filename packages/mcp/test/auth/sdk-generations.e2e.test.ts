/**
 * The auth e2e against both MCP SDK generations: sign-in (discovery, registration, PKCE, the
 * consent page, Connect) → token → `tools/call` as the signed-in user, with the SDK's real
 * `Client` of each generation (v1 `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/client`,
 * which also checks RFC 9207 `iss` in `finishAuth`) against an `McpServer` of each generation,
 * served by `serveHttp(server, { auth })`; and the v2 SDK's own serving entry
 * (`createMcpHandler`) behind `auth.bearerMiddleware()` on a plain express app. Real parts only:
 * the sandbox OAuth server, a SQLite vault, Connect, loopback HTTP, the SDKs' clients.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError as UnauthorizedErrorV1 } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { McpServer as McpServerV2, createMcpHandler } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { type AlterContext, AlterMCP, AlterTool, type HttpServerHandle, type McpServerLike, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { SDK_GENERATIONS, type SdkKit } from '../support/sdk-generations.js';
import {
  type AuthHarness,
  GITHUB_SCOPES,
  GMAIL_READONLY,
  browserSignIn,
  closeServer,
  listen,
  startAuthHarness,
} from './support/auth-harness.js';
import { TestOAuthClient } from './support/test-oauth-client.js';

class GithubIdentityTools {
  @AlterTool('github', { description: "The caller's GitHub login, read through the vault as the signed-in user.", input: z.object({}) })
  async githubLogin(ctx: AlterContext): Promise<{ user: string; login: string }> {
    const res = await ctx.request('GET', 'https://api.github.com/user');
    return { user: ctx.user, login: res.json<{ login: string }>().login };
  }
}

interface CallingClient {
  callTool(name: string): Promise<{ content: Array<{ type: string; text?: string }>; isError?: boolean }>;
  close(): Promise<void>;
}

/** One generation's client: signs in headlessly through the browser helper, then connects with its token. */
type SignIn = (
  h: AuthHarness,
  mcpUrl: string,
  login: string,
  name: string,
) => Promise<{ client: CallingClient; redirect: URL; issuer: string | null }>;

const signInV1: SignIn = async (h, mcpUrl, login, name) => {
  const oauth = new TestOAuthClient(`http://127.0.0.1:9/${name}/callback`, name);
  const first = new TransportV1(new URL(mcpUrl), { authProvider: oauth });
  await expect(new ClientV1({ name, version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedErrorV1);
  const { redirect } = await browserSignIn(h, oauth.lastAuthorizationUrl, login);
  await first.finishAuth(h.leak.secret(redirect.searchParams.get('code')!, 'v1 code'));
  const client = new ClientV1({ name, version: '1.0.0' });
  await client.connect(new TransportV1(new URL(mcpUrl), { authProvider: oauth }));
  registerTokens(h, oauth);
  return {
    client: {
      callTool: async (tool) => (await client.callTool({ name: tool, arguments: {} })) as Awaited<ReturnType<CallingClient['callTool']>>,
      close: () => client.close(),
    },
    redirect,
    issuer: redirect.searchParams.get('iss'),
  };
};

const signInV2: SignIn = async (h, mcpUrl, login, name) => {
  const oauth = new TestOAuthClient(`http://127.0.0.1:9/${name}/callback`, name);
  const first = new TransportV2(new URL(mcpUrl), { authProvider: oauth });
  await expect(new ClientV2({ name, version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedErrorV2);
  const { redirect } = await browserSignIn(h, oauth.lastAuthorizationUrl, login);
  h.leak.secret(redirect.searchParams.get('code')!, 'v2 code');
  // v2 checks `iss` against the issuer it discovered (RFC 9207) before it reads the code.
  await first.finishAuth(redirect.searchParams);
  const client = new ClientV2({ name, version: '1.0.0' });
  await client.connect(new TransportV2(new URL(mcpUrl), { authProvider: oauth }));
  registerTokens(h, oauth);
  return {
    client: {
      callTool: async (tool) => (await client.callTool({ name: tool, arguments: {} })) as Awaited<ReturnType<CallingClient['callTool']>>,
      close: () => client.close(),
    },
    redirect,
    issuer: redirect.searchParams.get('iss'),
  };
};

function registerTokens(h: AuthHarness, oauth: TestOAuthClient): void {
  const tokens = oauth.tokens()!;
  h.leak.secret(tokens.access_token, 'access token');
  if (tokens.refresh_token) h.leak.secret(tokens.refresh_token, 'refresh token');
}

/** Each client signs in as another sandbox user, so a tool answering for the wrong user shows. */
const CLIENTS: ReadonlyArray<{ readonly name: string; readonly signIn: SignIn; readonly login: string }> = [
  { name: 'v1 Client', signIn: signInV1, login: 'alice' },
  { name: 'v2 Client', signIn: signInV2, login: 'bob' },
];

/** What every combination must show: the tool ran as the user the sign-in identified, with that user's GitHub grant. */
async function expectCallsAsUser(h: AuthHarness, signIn: SignIn, mcpUrl: string, login: string, issuer: string): Promise<void> {
  const { client, issuer: iss } = await signIn(h, mcpUrl, login, `${login}-client`);
  try {
    expect(iss).toBe(issuer);
    const result = await client.callTool('github_login');
    expect(result.isError).toBeFalsy();
    const body = JSON.parse(result.content[0]!.text!) as { user: string; login: string };
    expect(body.login).toBe(login);
    expect(body.user).toMatch(/^google:/);
    h.leak.inspect(result, 'tool result');
  } finally {
    await client.close();
  }
}

describe('AlterAuthProvider with both MCP SDK generations', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  describe.each(SDK_GENERATIONS.map((kit) => ({ server: kit.name, kit })))(
    'serveHttp(McpServer $server, { auth })',
    ({ kit }: { kit: SdkKit }) => {
      let served: HttpServerHandle;
      let alter: AlterMCP;

      beforeAll(async () => {
        alter = new AlterMCP(h.vault, { logger: h.leak.logger });
        const factory = (): McpServerLike => {
          const server = kit.mcpServer('auth-generations');
          alter.register(server, [GithubIdentityTools]);
          return server;
        };
        const auth = new AlterAuthProvider(h.vault, {
          providers: { google: [GMAIL_READONLY], github: GITHUB_SCOPES },
          rateLimit: false,
          logger: h.leak.logger,
        });
        served = await serveHttp(factory, { auth, vault: h.vault, closeVault: false, logger: h.leak.logger });
      });
      afterAll(async () => {
        await served?.close();
        await alter?.close();
      });

      it.each(CLIENTS)('signs in with the $name and calls a tool as the user', async ({ signIn, login }) => {
        await expectCallsAsUser(h, signIn, served.url, login, served.baseUrl);
      });
    },
  );

  describe("the v2 SDK's createMcpHandler behind auth.bearerMiddleware() on express", () => {
    let close: () => Promise<void>;
    let mcpUrl: string;
    let origin: string;
    let alter: AlterMCP;

    beforeAll(async () => {
      alter = new AlterMCP(h.vault, { logger: h.leak.logger });
      const handler = createMcpHandler(() => {
        const server = new McpServerV2({ name: 'auth-v2-entry', version: '1.0.0' });
        alter.register(server, [GithubIdentityTools]);
        return server;
      });
      const app = express();
      const listening = await listen(app);
      origin = listening.origin;
      mcpUrl = `${origin}/mcp`;
      const auth = new AlterAuthProvider(h.vault, {
        baseUrl: mcpUrl,
        providers: { google: [GMAIL_READONLY], github: GITHUB_SCOPES },
        rateLimit: false,
        logger: h.leak.logger,
      });
      const bearer = auth.install(app);
      // The bridge an express app writes for a web-standard handler: req.auth (set by the bearer check) becomes authInfo.
      app.all('/mcp', express.json(), bearer, (req, res, next) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const request = new Request(`${origin}${req.originalUrl}`, {
          method: req.method,
          headers,
          ...(req.method === 'POST' ? { body: JSON.stringify(req.body) } : {}),
        });
        handler
          .fetch(request, { authInfo: (req as express.Request & { auth?: never }).auth })
          .then((response) => {
            res.status(response.status);
            for (const [key, value] of response.headers) res.setHeader(key, value);
            if (!response.body) return void res.end();
            Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
          })
          .catch(next);
      });
      close = async () => {
        await handler.close();
        await closeServer(listening.server);
      };
    });
    afterAll(async () => {
      await close?.();
      await alter?.close();
    });

    it.each(CLIENTS)('signs in with the $name and calls a tool as the user', async ({ signIn, login }) => {
      await expectCallsAsUser(h, signIn, mcpUrl, login, origin);
    });
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
