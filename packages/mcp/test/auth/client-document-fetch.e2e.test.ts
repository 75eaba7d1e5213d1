/**
 * Outbound fetches of Client ID Metadata Documents (server-side request forgery): every IPv4/IPv6
 * spelling of a refused address is refused before a socket opens; DNS is asked once and the
 * socket goes to the address that was checked (DNS rebinding); failures are remembered; fetches
 * per host are bounded. Everything runs on 127.0.0.x: "public" and "attacker" roles are played by
 * loopback servers, and the injected resolver only ever answers loopback or TEST-NET addresses
 * that are refused before any connect.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import { type Server, createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { RESOLVE_HOST } from '../../src/auth/internal/internal-options.js';
import type { ResolvedAddress } from '../../src/auth/safe-fetch.js';
import { type AuthHarness, closeServer, listen, startAuthHarness } from './support/auth-harness.js';
import { pkce, validAuthorizeUrl } from './support/raw-oauth.js';
import { recordingLogger } from './support/recording-logger.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

async function authorize(h: AuthHarness, clientId: string): Promise<{ status: number; body: string }> {
  const res = await fetch(validAuthorizeUrl(h.origin, h.mcpUrl, { client_id: clientId, redirect_uris: [REDIRECT] }, pkce()), {
    redirect: 'manual',
  });
  return { status: res.status, body: await res.text() };
}

/** A TCP listener that only counts connections (a TLS client would connect, then fail its handshake). */
async function connectionCounter(): Promise<{ server: net.Server; port: number; count: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, count: () => connections };
}

describe('Client ID Metadata Document fetches: address classification (loopback not allowed)', () => {
  let h: AuthHarness;
  let counter: Awaited<ReturnType<typeof connectionCounter>>;
  const resolved: string[] = [];
  const logger = recordingLogger();

  beforeAll(async () => {
    counter = await connectionCounter();
    h = await startAuthHarness({
      auth: {
        allowLoopbackClientIds: false,
        logger,
        // Names under .test answer what the test says; anything else does not resolve.
        [RESOLVE_HOST]: async (hostname: string): Promise<ResolvedAddress[]> => {
          resolved.push(hostname);
          if (hostname === 'mapped.test') return [{ address: '::ffff:7f00:1', family: 6 }];
          if (hostname === 'mixed.test')
            return [
              { address: '203.0.113.7', family: 4 },
              { address: '127.0.0.1', family: 4 },
            ];
          if (hostname === 'nat64.test') return [{ address: '64:ff9b::7f00:1', family: 6 }];
          throw Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' });
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await new Promise<void>((resolve) => counter?.server.close(() => resolve()));
  });

  it('refuses the hex IPv4-mapped IPv6 literal [::ffff:7f00:1] (and its other spellings) without opening a socket', async () => {
    const p = counter.port;
    for (const clientId of [
      `https://[::ffff:7f00:1]:${p}/client.json`,
      `https://[::ffff:127.0.0.1]:${p}/client.json`,
      `https://[0:0:0:0:0:ffff:7f00:1]:${p}/client.json`,
      `https://[::ffff:7f00:2]:${p}/client.json`,
      `https://[::7f00:1]:${p}/client.json`,
      `https://[64:ff9b::7f00:1]:${p}/client.json`,
      `https://[2002:7f00:1::1]:${p}/client.json`,
      `https://[fe80::1]:${p}/client.json`,
      `https://[fd00::1]:${p}/client.json`,
      `https://[::]:${p}/client.json`,
      `https://0.0.0.0:${p}/client.json`,
      `https://2130706433:${p}/client.json`,
      `https://0x7f.1:${p}/client.json`,
      `https://100.64.0.1:${p}/client.json`,
      `https://169.254.169.254:${p}/client.json`,
      `https://192.0.2.1:${p}/client.json`,
      `https://mapped.test:${p}/client.json`,
      `https://mixed.test:${p}/client.json`,
      `https://nat64.test:${p}/client.json`,
    ]) {
      const res = await authorize(h, clientId);
      expect({ clientId, status: res.status, error: (JSON.parse(res.body) as { error?: string }).error }).toEqual({
        clientId,
        status: 400,
        error: 'invalid_client',
      });
    }
    expect(counter.count()).toBe(0);
    const reasons = logger.lines
      .filter((l) => l.message === 'auth: client id metadata document refused')
      .map((l) => String(l.fields?.reason));
    expect(reasons.some((r) => /IPv4-mapped/.test(r))).toBe(true);
    expect(reasons.some((r) => /NAT64/.test(r))).toBe(true);
    expect(reasons.some((r) => /documentation/.test(r))).toBe(true);
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    for (const line of logger.lines) h.leak.inspect(line, `logger.${line.level}`);
    h.leak.assertClean();
  });
});

describe('Client ID Metadata Document fetches: one resolution, failures remembered, fetches bounded', () => {
  let h: AuthHarness;
  let port: number;
  let checked: Server;
  let rebound: Server;
  let docs: { server: Server; origin: string };
  const hits = { checked: 0, rebound: 0, docs: 0 };
  const served: Record<string, unknown> = {};
  let resolverCalls = 0;

  beforeAll(async () => {
    // The "checked" server (127.0.0.2) serves the document; the "rebound" one (127.0.0.1, same
    // port) is where a second DNS answer would send the connection. Same port, two addresses.
    const docApp = (counterKey: 'checked' | 'rebound') =>
      express().get('/clients/:name.json', (req, res) => {
        hits[counterKey]++;
        res.json({
          client_id: `http://localhost:${port}/clients/${req.params.name}.json`,
          client_name: `served by ${counterKey}`,
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
        });
      });
    for (let attempt = 0; ; attempt++) {
      checked = createServer(docApp('checked'));
      await new Promise<void>((resolve) => checked.listen(0, '127.0.0.2', resolve));
      port = (checked.address() as AddressInfo).port;
      rebound = createServer(docApp('rebound'));
      const ok = await new Promise<boolean>((resolve) => {
        rebound.once('error', () => resolve(false));
        rebound.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (ok) break;
      await closeServer(checked);
      if (attempt === 20) throw new Error('no port free on both 127.0.0.1 and 127.0.0.2');
    }
    const app = express();
    app.get('/clients/:name.json', (req, res) => {
      hits.docs++;
      const doc = served[req.params.name];
      if (!doc) return void res.status(404).end();
      res.json(doc);
    });
    docs = await listen(app);
    h = await startAuthHarness({
      auth: {
        limits: { authorize: false, clientDocuments: { perHost: { max: 20, windowSec: 3600 }, global: { max: 1000, windowSec: 3600 } } },
        // First answer: the checked address. Every later answer: a rebinding to 127.0.0.1.
        [RESOLVE_HOST]: async (hostname: string): Promise<ResolvedAddress[]> => {
          if (hostname !== 'localhost') throw Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' });
          resolverCalls++;
          return [{ address: resolverCalls === 1 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    for (const s of [checked, rebound, docs?.server]) if (s) await closeServer(s);
  });

  const docUrl = (name: string) => `${docs.origin}/clients/${name}.json`;

  it('resolves a client id host once and connects only to the address it checked (DNS rebinding)', async () => {
    const res = await authorize(h, `http://localhost:${port}/clients/rebind.json`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('served by checked');
    expect(hits).toMatchObject({ checked: 1, rebound: 0 });
    expect(resolverCalls).toBe(1);
  });

  it('remembers a failed document: no second fetch while the failure is cached, even once the document is fixed', async () => {
    const before = hits.docs;
    for (let i = 0; i < 5; i++) expect((await authorize(h, docUrl('later'))).status).toBe(400);
    expect(hits.docs - before).toBe(1);
    served.later = { client_id: docUrl('later'), redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' };
    expect((await authorize(h, docUrl('later'))).status).toBe(400);
    expect(hits.docs - before).toBe(1);
  });

  it('bounds fetches per host when every request names a new client id on one host (130 ids → 20 fetches, then 429)', async () => {
    const before = hits.docs;
    const statuses: number[] = [];
    for (let i = 0; i < 130; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => authorize(h, docUrl(`spray-${i + j}`))));
      statuses.push(...batch.map((r) => r.status));
    }
    // The per-host budget is 20 per window in all (the test before may have spent one of them).
    expect(hits.docs - before).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(110);
    expect(statuses.every((s) => s === 400 || s === 429)).toBe(true);
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
