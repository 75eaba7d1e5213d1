/**
 * A flood of `/authorize` requests naming a Client ID Metadata Document client: the per-address
 * limit is counted before the client is looked up, a failed document is fetched once and then
 * remembered, and concurrent lookups share one fetch. Counted at the document server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import { type AuthHarness, closeServer, listen, startAuthHarness } from './support/auth-harness.js';
import { pkce, validAuthorizeUrl } from './support/raw-oauth.js';

describe('/authorize flood with a metadata-document client id', () => {
  let h: AuthHarness;
  let docs: { server: Server; origin: string };
  let fetches = 0;

  beforeAll(async () => {
    const app = express();
    // Every fetch fails (404): the case the original code fetched twice per request for.
    app.get('/clients/:name.json', (_req, res) => {
      fetches++;
      res.status(404).end();
    });
    docs = await listen(app);
    // The SDK's own limits on (as in production), ours explicit so the window outlasts the test.
    h = await startAuthHarness({ auth: { rateLimit: undefined, limits: { authorize: { max: 100, windowSec: 3600 } } } });
  });
  afterAll(async () => {
    await h?.close();
    if (docs) await closeServer(docs.server);
  });

  it('130 requests → one outbound fetch, 100 answered invalid_client, then 429 with Retry-After', async () => {
    const clientId = `${docs.origin}/clients/flood.json`;
    const results: Array<{ status: number; retryAfter: string | null; error: string | undefined }> = [];
    for (let i = 0; i < 130; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const res = await fetch(
            validAuthorizeUrl(h.origin, h.mcpUrl, { client_id: clientId, redirect_uris: ['http://127.0.0.1:9/cb'] }, pkce()),
            { redirect: 'manual' },
          );
          const body = (await res.json()) as { error?: string };
          return { status: res.status, retryAfter: res.headers.get('retry-after'), error: body.error };
        }),
      );
      results.push(...batch);
    }
    expect(fetches).toBe(1);
    expect(results.filter((r) => r.status === 400 && r.error === 'invalid_client')).toHaveLength(100);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(30);
    for (const r of limited) {
      expect(r.error).toBe('too_many_requests');
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
    }
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
