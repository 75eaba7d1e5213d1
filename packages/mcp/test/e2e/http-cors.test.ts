/**
 * Origin validation and CORS on serveHttp's MCP endpoint: off by default (a foreign Origin gets
 * 403, no Access-Control-* headers), and with `cors.allowedOrigins` a browser client on a listed
 * origin gets its preflight answered and can read Mcp-Session-Id. Real HTTP on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, AlterTool, type AlterContext, type HttpServerHandle, serveHttp } from '@alter/mcp';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';

class Hello {
  @AlterTool({ description: 'Says hello.' })
  hello(_ctx: AlterContext): string {
    return 'hello';
  }
}

const APP = 'https://app.example.com';
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'browser', version: '1' } },
};

let h: McpHarness;
beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

async function start(options: Parameters<typeof serveHttp>[1] = {}): Promise<HttpServerHandle> {
  const server = new McpServer({ name: 'cors', version: '1.0.0' });
  new AlterMCP(h.vault, { defaultUser: 'me', logger: h.leak.logger }).register(server, [Hello]);
  return serveHttp(server, { port: 0, closeVault: false, logger: h.leak.logger, ...options });
}

function post(url: string, origin: string | undefined): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(origin ? { origin } : {}) },
    body: JSON.stringify(INITIALIZE),
  });
}

function preflight(url: string, origin: string): Promise<Response> {
  return fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, mcp-session-id, mcp-protocol-version, authorization',
    },
  });
}

describe('serveHttp origin check and CORS', () => {
  it('by default refuses a foreign Origin with 403 and sends no CORS headers', async () => {
    const handle = await start();
    try {
      const foreign = await post(handle.url, 'https://evil.example');
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(/cors\.allowedOrigins/);
      // Its own origin (a same-origin page) and no Origin (any non-browser client) are served.
      expect((await post(handle.url, handle.baseUrl)).status).toBe(200);
      const plain = await post(handle.url, undefined);
      expect(plain.status).toBe(200);
      expect(plain.headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(handle.url, APP)).status).toBe(403);
    } finally {
      await handle.close();
    }
  });

  it('answers the preflight of a listed origin and lets it read Mcp-Session-Id', async () => {
    const handle = await start({ cors: { allowedOrigins: [APP], maxAgeSeconds: 60 } });
    try {
      const pre = await preflight(handle.url, APP);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(APP);
      expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/);
      const allowed = pre.headers.get('access-control-allow-headers')!.toLowerCase();
      for (const hd of ['mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'authorization', 'content-type'])
        expect(allowed).toContain(hd);
      expect(pre.headers.get('access-control-max-age')).toBe('60');
      expect(pre.headers.get('vary')).toMatch(/Origin/);

      const res = await post(handle.url, APP);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-expose-headers')!.toLowerCase()).toContain('mcp-session-id');
      expect(res.headers.get('mcp-session-id')).toBeTruthy();

      const other = await post(handle.url, 'https://app.example.com.evil.example');
      expect(other.status).toBe(403);
      expect((await preflight(handle.url, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await handle.close();
    }
  });

  it('keeps DNS-rebinding protection: a foreign Host header is refused', async () => {
    const handle = await start({ cors: { allowedOrigins: [APP] } });
    try {
      const { request } = await import('node:http');
      const status = await new Promise<number>((resolve, reject) => {
        const u = new URL(handle.url);
        const req = request(
          {
            host: u.hostname,
            port: u.port,
            path: u.pathname,
            method: 'POST',
            headers: { host: 'evil.example', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(INITIALIZE));
      });
      expect(status).toBe(403);
    } finally {
      await handle.close();
    }
  });

  it('rejects a malformed allowlist entry with a typed error naming it', async () => {
    await expect(start({ cors: { allowedOrigins: ['https://app.example.com/'] } })).rejects.toMatchObject({
      code: 'ALTER_INVALID_ARGUMENT',
      message: expect.stringContaining('options.cors.allowedOrigins'),
    });
    await expect(start({ cors: { allowedOrigins: ['*'] } })).rejects.toMatchObject({ code: 'ALTER_INVALID_ARGUMENT' });
  });
});
