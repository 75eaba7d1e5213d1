/**
 * Client ID Metadata Documents: a client whose id is a URL is fetched (loopback only in tests),
 * validated, and signs in without registering. Bad documents and unsafe URLs are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import type { Server } from 'node:http';
import { clientIdUrlProblem } from '../../src/auth/client-id-metadata-document.js';
import { type AuthHarness, browserSignIn, closeServer, listen, startAuthHarness } from './support/auth-harness.js';
import { mcpCall, pkce, tokenRequest, validAuthorizeUrl } from './support/raw-oauth.js';

describe('Client ID Metadata Documents', () => {
  let h: AuthHarness;
  let docs: { server: Server; origin: string };
  const served: Record<string, unknown> = {};
  let fetches = 0;

  beforeAll(async () => {
    h = await startAuthHarness();
    const app = express();
    app.get('/clients/:name.json', (req, res) => {
      fetches++;
      const doc = served[req.params.name];
      if (!doc) return void res.status(404).end();
      res.json(doc);
    });
    docs = await listen(app);
  });
  afterAll(async () => {
    if (docs) await closeServer(docs.server);
    await h?.close();
  });

  const docUrl = (name: string) => `${docs.origin}/clients/${name}.json`;

  it('signs a URL-identified client in with no registration, fetching its document once (cached)', async () => {
    const clientId = docUrl('good');
    served.good = {
      client_id: clientId,
      client_name: 'Metadata Doc Client',
      redirect_uris: ['http://127.0.0.1:9/cimd/callback'],
      token_endpoint_auth_method: 'none',
    };
    const before = fetches;
    const p = pkce();
    const { redirect, consentPage } = await browserSignIn(
      h,
      validAuthorizeUrl(h.origin, h.mcpUrl, { client_id: clientId, redirect_uris: ['http://127.0.0.1:9/cimd/callback'] }, p),
      'alice',
    );
    expect(consentPage).toContain('Metadata Doc Client');
    const code = h.leak.secret(redirect.searchParams.get('code')!, 'code');
    const res = await tokenRequest(h.origin, {
      grant_type: 'authorization_code',
      code,
      code_verifier: p.verifier,
      client_id: clientId,
      resource: h.mcpUrl,
    });
    expect(res.status).toBe(200);
    const token = h.leak.secret(String(res.body.access_token), 'access token');
    h.leak.secret(String(res.body.refresh_token), 'refresh token');
    expect((await mcpCall(h.mcpUrl, token)).status).toBe(200);
    expect(fetches - before).toBe(1);
  });

  it('refuses documents that name another client id, carry a secret, or list unsafe redirect URIs', async () => {
    served.other = { client_id: 'https://elsewhere.example/client.json', redirect_uris: ['http://127.0.0.1:9/cb'] };
    served.secret = { client_id: docUrl('secret'), client_secret: 'shh-this-is-wrong', redirect_uris: ['http://127.0.0.1:9/cb'] };
    served.unsafe = { client_id: docUrl('unsafe'), redirect_uris: ['http://evil.example/cb'] };
    served.confidential = {
      client_id: docUrl('confidential'),
      redirect_uris: ['http://127.0.0.1:9/cb'],
      token_endpoint_auth_method: 'client_secret_post',
    };
    for (const name of ['other', 'secret', 'unsafe', 'confidential', 'missing']) {
      const res = await fetch(
        validAuthorizeUrl(h.origin, h.mcpUrl, { client_id: docUrl(name), redirect_uris: ['http://127.0.0.1:9/cb'] }, pkce()),
        { redirect: 'manual' },
      );
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
      expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    }
  });

  it('never fetches non-https URLs off loopback, or loopback when not allowed', () => {
    expect(clientIdUrlProblem('http://example.com/client.json', true)).toMatch(/https/);
    expect(clientIdUrlProblem('https://example.com/', true)).toMatch(/no path/);
    expect(clientIdUrlProblem('https://example.com/a/../client.json', true)).toBeDefined();
    expect(clientIdUrlProblem('https://user:pw@example.com/client.json', true)).toMatch(/credentials/);
    expect(clientIdUrlProblem('https://example.com/client.json#x', true)).toMatch(/fragment/);
    expect(clientIdUrlProblem('http://127.0.0.1:1234/client.json', false)).toMatch(/loopback/);
    expect(clientIdUrlProblem('http://127.0.0.1:1234/client.json', true)).toBeUndefined();
    expect(clientIdUrlProblem('https://example.com/client.json', false)).toBeUndefined();
  });

  it('answers an http client id off loopback with invalid_client and fetches nothing', async () => {
    const before = fetches;
    const res = await fetch(
      validAuthorizeUrl(
        h.origin,
        h.mcpUrl,
        { client_id: 'http://example.com/client.json', redirect_uris: ['http://127.0.0.1:9/cb'] },
        pkce(),
      ),
      { redirect: 'manual' },
    );
    expect(res.status).toBe(400);
    expect(fetches).toBe(before);
  });

  it('leaks nothing', async () => {
    await h.collectProviderTokens();
    h.leak.assertClean();
  });
});
