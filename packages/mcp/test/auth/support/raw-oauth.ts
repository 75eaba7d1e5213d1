/** Hand-written OAuth client calls for negative tests (what a misbehaving client would send). */
import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface RegisteredClient {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly redirect_uris: string[];
  readonly token_endpoint_auth_method?: string;
  readonly [k: string]: unknown;
}

export async function register(
  origin: string,
  metadata: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function registerPublicClient(
  origin: string,
  redirectUri = 'http://127.0.0.1:9/callback',
  name = 'raw client',
): Promise<RegisteredClient> {
  const { status, body } = await register(origin, { client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' });
  if (status !== 201) throw new Error(`registration failed: ${status} ${JSON.stringify(body)}`);
  return body as unknown as RegisteredClient;
}

export function authorizeUrl(origin: string, params: Record<string, string | undefined>): URL {
  const url = new URL(`${origin}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** A standard, valid authorization URL for `client` (override any parameter; `undefined` drops it). */
export function validAuthorizeUrl(
  origin: string,
  resource: string,
  client: RegisteredClient,
  p: Pkce,
  overrides: Record<string, string | undefined> = {},
): URL {
  return authorizeUrl(origin, {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: client.redirect_uris[0],
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    resource,
    ...overrides,
  });
}

export async function tokenRequest(
  origin: string,
  form: Record<string, string | undefined>,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) body.set(k, v);
  const res = await fetch(`${origin}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/**
 * Exchanges the code an authorize step redirected with (`redirect`, from browserSignIn) for
 * tokens, as the public `client` with the verifier of `p`. The code is registered with `leak`
 * (it is a secret); the token response is returned as is.
 */
export async function redeemCode(
  origin: string,
  leak: { secret(value: string, label: string): string },
  redirect: URL,
  client: { client_id: string },
  p: Pkce,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const code = leak.secret(redirect.searchParams.get('code') ?? '', 'authorization code');
  return tokenRequest(origin, { grant_type: 'authorization_code', code, code_verifier: p.verifier, client_id: client.client_id });
}

/** Calls `tools/call` on the MCP endpoint with a bearer token (stateless server: no initialize needed). */
export async function mcpCall(
  mcpUrl: string,
  token: string | undefined,
  tool = 'whoami',
): Promise<{ status: number; wwwAuthenticate: string | null; text: string }> {
  const res = await fetch(mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
  });
  return { status: res.status, wwwAuthenticate: res.headers.get('www-authenticate'), text: await res.text() };
}
