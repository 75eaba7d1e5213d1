/**
 * serveHttp's DNS-rebinding protection on every loopback address, not only 127.0.0.1: bound to
 * 127.0.0.2 (Linux routes all of 127.0.0.0/8 to lo) a foreign `Host` gets 403 and the bind
 * address itself passes. Any textual form of ::1 counts as loopback too, and a bind to a specific
 * non-loopback address without `allowedHosts` is warned about like 0.0.0.0. Only 127.0.0.0/8 is
 * ever contacted.
 */
import { request } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from '@alter/vault';
import type { Request, RequestHandler, Response } from 'express';
import { serveHttp } from '@alter/mcp';
import { hostGuardFor } from '../../src/http/host-header-guard.js';

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'host-guard', version: '1' } },
});

function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, info() {}, warn: (message: string) => void warnings.push(message), error() {} } };
}

/** POSTs an initialize to `url` with exactly this `Host` header; resolves with the status. */
function postWithHost(url: string, host: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(INITIALIZE);
  });
}

/** What `guard` does with a request whose `Host` is `host`: the status it answers, or 'next'. */
function verdict(guard: RequestHandler, host: string): number | 'next' {
  let status: number | 'next' | undefined;
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    json: () => res,
  };
  guard({ headers: { host } } as Request, res as unknown as Response, () => {
    status = 'next';
  });
  if (status === undefined) throw new Error(`the guard neither answered nor passed Host: ${host}`);
  return status;
}

describe('serveHttp Host check on a loopback address other than 127.0.0.1', () => {
  it.each(['127.0.0.2', '127.0.1.1'])('bound to %s: refuses Host evil.example, serves its own address and localhost', async (bind) => {
    const { logger, warnings } = recordingLogger();
    const handle = await serveHttp(() => new McpServer({ name: 'host-guard', version: '1.0.0' }), { host: bind, port: 0, logger });
    try {
      const port = new URL(handle.url).port;
      const answers = {
        foreign: await postWithHost(handle.url, `evil.example:${port}`),
        foreignWithoutPort: await postWithHost(handle.url, 'evil.example'),
        bindAddress: await postWithHost(handle.url, `${bind}:${port}`),
        localhost: await postWithHost(handle.url, `localhost:${port}`),
      };
      expect(answers).toEqual({ foreign: 403, foreignWithoutPort: 403, bindAddress: 200, localhost: 200 });
      expect(warnings.filter((w) => w.includes('DNS rebinding'))).toEqual([]);
    } finally {
      await handle.close();
    }
  });
});

describe('hostGuardFor', () => {
  it.each([
    ['0:0:0:0:0:0:0:1', '[::1]:8080'],
    ['::0001', '[::1]'],
    ['::ffff:127.0.0.2', '[::ffff:127.0.0.2]:8080'],
    ['127.255.255.254', '127.255.255.254:8080'],
  ])('treats %s as loopback: refuses a foreign Host, accepts %s and the loopback names', (bind, own) => {
    const { logger, warnings } = recordingLogger();
    const guard = hostGuardFor(bind, undefined, logger);
    expect(guard).toBeDefined();
    const answers = Object.fromEntries(
      ['evil.example:8080', own, 'localhost:8080', '127.0.0.1', '[::1]'].map((h) => [h, verdict(guard!, h)]),
    );
    expect(answers).toEqual({ 'evil.example:8080': 403, [own]: 'next', 'localhost:8080': 'next', '127.0.0.1': 'next', '[::1]': 'next' });
    expect(warnings).toEqual([]);
  });

  it.each(['192.0.2.10', '2001:db8::10', 'app.internal', '0.0.0.0', '::', '0:0:0:0:0:0:0:0'])(
    'bound to %s without allowedHosts: no Host check, and a warning naming the address and the fix',
    (bind) => {
      const { logger, warnings } = recordingLogger();
      expect(hostGuardFor(bind, undefined, logger)).toBeUndefined();
      expect(warnings).toEqual([
        `serveHttp: bound to ${bind} without DNS rebinding protection; pass allowedHosts with the host names clients use, or an auth plug-in.`,
      ]);
    },
  );

  it('with allowedHosts checks exactly those names on any bind, without a warning', () => {
    const { logger, warnings } = recordingLogger();
    const guard = hostGuardFor('192.0.2.10', ['mcp.example.com'], logger)!;
    expect([verdict(guard, 'mcp.example.com'), verdict(guard, '192.0.2.10'), verdict(guard, 'localhost')]).toEqual(['next', 403, 403]);
    expect(warnings).toEqual([]);
  });
});
