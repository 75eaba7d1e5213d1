/**
 * Error pages never show a stack or a server path, whatever NODE_ENV says (express's default
 * handler shows both unless NODE_ENV=production, and unset means development). The client gets
 * an error id; the server log gets the details under that id — but never the request body,
 * which may hold a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { type HttpServerHandle, serveHttp } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { type AuthHarness, GITHUB_SCOPES, startAuthHarness } from './support/auth-harness.js';
import { recordingLogger } from './support/recording-logger.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** What a stack trace or a server path looks like in a page (raw or HTML-escaped). */
function expectNoStackOrPath(where: string, text: string): void {
  for (const pattern of [
    /\bat\s+\S+\s+\(/,
    /at &lt;anonymous&gt;|at <anonymous>/,
    /node_modules/,
    /\.(?:js|ts|mjs|cjs):\d+/,
    /<pre>/,
    /SyntaxError|PayloadTooLargeError/,
  ]) {
    expect({ where, match: pattern.test(text) ? String(pattern) : null }).toEqual({ where, match: null });
  }
  expect({ where, cwd: text.includes(process.cwd()) }).toEqual({ where, cwd: false });
}

describe.each([
  ['unset', undefined],
  ['development', 'development'],
])('error pages with NODE_ENV %s', (_label, nodeEnv) => {
  let h: AuthHarness;
  let handle: HttpServerHandle;
  const savedEnv = process.env.NODE_ENV;
  const logger = recordingLogger();
  const serveLogger = recordingLogger();

  beforeAll(async () => {
    // express reads NODE_ENV when an app is created: set it before either app exists.
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    h = await startAuthHarness({ auth: { logger } });
    handle = await serveHttp(new McpServer({ name: 'error-page', version: '1.0.0' }), {
      vault: h.vault,
      closeVault: false,
      logger: serveLogger,
      auth: new AlterAuthProvider(h.vault, { providers: { github: GITHUB_SCOPES }, rateLimit: false, logger: serveLogger }),
    });
  });
  afterAll(async () => {
    process.env.NODE_ENV = savedEnv;
    await handle?.close();
    await h?.close();
  });

  it('answers malformed and oversized bodies on the auth routes without stack or path, with an error id that is in the log', async () => {
    const secret = h.leak.secret(`s3cret-${'k'.repeat(24)}`, 'secret in a malformed body');
    for (const [label, origin, log] of [
      ['auth.install on an express app', h.origin, logger],
      ['serveHttp', handle.baseUrl, serveLogger],
    ] as const) {
      const cases: Array<[string, string, RequestInit]> = [
        [
          'POST /register malformed JSON',
          '/register',
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"client_secret":"${secret}" oops}` },
        ],
        [
          'POST /authorize oversized form',
          '/authorize',
          { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${'x'.repeat(20_000)}` },
        ],
        [
          'POST /authorize/consent oversized form (browser)',
          '/authorize/consent',
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
            body: `request=${'x'.repeat(20_000)}`,
          },
        ],
      ];
      if (label === 'serveHttp') {
        cases.push([
          'POST /mcp malformed JSON (browser)',
          '/mcp',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'text/html' },
            body: `{"jsonrpc":"2.0","params":{"token":"${secret}"} oops}`,
          },
        ]);
      }
      for (const [what, path, init] of cases) {
        const where = `${label}: ${what}`;
        const res = await fetch(`${origin}${path}`, init);
        const text = await res.text();
        h.leak.inspect(text, `${where} response`);
        expect({ where, status: res.status }).toEqual({ where, status: what.includes('oversized') ? 413 : 400 });
        expectNoStackOrPath(where, text);
        const errorId = UUID.exec(text)?.[0];
        expect({ where, errorId: typeof errorId }).toEqual({ where, errorId: 'string' });
        expect(log.lines.some((l) => l.fields?.errorId === errorId)).toBe(true);
      }
    }
    // serveHttp's app parses JSON for every path before our routes: the registration bound still holds.
    const big = await fetch(`${handle.baseUrl}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1:9/cb'],
        token_endpoint_auth_method: 'none',
        padding: 'p'.repeat(17 * 1024),
      }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error_description: string }).error_description).toMatch(/maxBodyBytes/);
    for (const line of [...logger.lines, ...serveLogger.lines]) h.leak.inspect(line, `logger.${line.level}`);
    h.leak.assertClean();
  });
});
