// Drives the sandbox's authorization server the way a real OAuth client does, with oauth4webapi
// (discovery, PKCE, state/nonce checks, token-response and id_token validation).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import type { ApproveOptions, ApproveResult, EmulatedProviderId, Sandbox } from '@alter/testing';

/** A loopback "client callback" server that answers 200 and remembers every hit. */
export interface CallbackServer {
  readonly url: string;
  readonly hits: URL[];
  close(): Promise<void>;
}

export async function startCallbackServer(path = '/callback'): Promise<CallbackServer> {
  const hits: URL[] = [];
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.push(u);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`callback ${u.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export async function discover(sandbox: Sandbox): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(sandbox.url);
  const res = await oauth.discoveryRequest(issuer, insecure);
  return oauth.processDiscoveryResponse(issuer, res);
}

export interface AuthorizeRequest {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** Builds an authorization URL with PKCE S256, state and nonce; `params` override or add (value null removes). */
export async function authorizeUrl(
  as: oauth.AuthorizationServer,
  clientId: string,
  redirectUri: string,
  scope: string,
  params: Record<string, string | null> = {},
): Promise<AuthorizeRequest> {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const url = new URL(as.authorization_endpoint as string);
  const all: Record<string, string | null> = {
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state,
    nonce,
    prompt: 'consent',
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== null) url.searchParams.set(k, v);
  return { url, state, nonce, codeVerifier };
}

export interface FlowResult {
  readonly approve: ApproveResult;
  readonly tokens: oauth.TokenEndpointResponse;
  readonly claims: oauth.IDToken | undefined;
}

/** Full authorization-code flow for one emulated provider's client, approved by `approveOptions.login`. */
export async function codeFlow(
  sandbox: Sandbox,
  callback: CallbackServer,
  provider: EmulatedProviderId,
  scope: string,
  approveOptions: ApproveOptions,
): Promise<FlowResult> {
  const as = await discover(sandbox);
  const c = sandbox.client(provider);
  const client: oauth.Client = { client_id: c.clientId };
  const req = await authorizeUrl(as, c.clientId, callback.url, scope);
  const approve = await sandbox.approve(req.url.href, approveOptions);
  const params = oauth.validateAuthResponse(as, client, new URL(approve.finalUrl), req.state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(c.clientSecret),
    params,
    callback.url,
    req.codeVerifier,
    insecure,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: req.nonce,
    requireIdToken: scope.split(' ').includes('openid'),
  });
  return { approve, tokens, claims: oauth.getValidatedIdTokenClaims(tokens) };
}

/** A refresh-token grant; returns the raw Response so tests can look at errors. */
export async function refresh(sandbox: Sandbox, provider: EmulatedProviderId, refreshToken: string): Promise<Response> {
  const as = await discover(sandbox);
  const c = sandbox.client(provider);
  return oauth.refreshTokenGrantRequest(as, { client_id: c.clientId }, oauth.ClientSecretBasic(c.clientSecret), refreshToken, insecure);
}

/** Token-endpoint POST with raw form fields (for negative tests oauth4webapi would refuse to send). */
export async function rawTokenRequest(
  sandbox: Sandbox,
  provider: EmulatedProviderId,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const c = sandbox.client(provider);
  const res = await fetch(sandbox.endpoints.token, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** GET/POST a fake API with a Bearer token. */
export async function api(
  sandbox: Sandbox,
  method: string,
  realUrl: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary provider JSON
): Promise<{ status: number; headers: Headers; json: any }> {
  const u = new URL(realUrl);
  const target = `${sandbox.apiBase(u.host)}${u.pathname}${u.search}`;
  const h: Record<string, string> = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
  const res = await fetch(target, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** An access token for `login` at `provider` holding `scopes` (plus openid/offline_access). */
export async function tokenFor(
  sandbox: Sandbox,
  callback: CallbackServer,
  provider: EmulatedProviderId,
  scopes: readonly string[],
  login = 'alice',
): Promise<oauth.TokenEndpointResponse> {
  const { tokens } = await codeFlow(sandbox, callback, provider, ['openid', 'offline_access', ...scopes].join(' '), { login });
  return tokens;
}
