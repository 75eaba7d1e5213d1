// What the benchmarks share (bench/run.mjs skips files starting with `_`): a loopback JSON API,
// a vault on a temp SQLite file (or a PostgreSQL schema) holding alice's grant for it, an MCP
// server served over the SDK's Streamable HTTP transport on 127.0.0.1, and the timing loops that
// compare two sides measured in the same run. Runs on built output, like the benchmarks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { setMaxListeners } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import axios from 'axios';
import { AlterVault, silentLogger } from '../packages/vault/dist/index.js';
import { readCappedBody } from '../packages/vault/dist/internal/read-capped-body.js';
import { concurrently } from './_measure.mjs';

const mcpDeps = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'packages/mcp/node_modules');
/** A module of the MCP SDK that @alter/mcp depends on (`p` under its dist/esm), as a server built on this checkout loads it. */
export const importSdk = (p) => import(pathToFileURL(path.join(mcpDeps, '@modelcontextprotocol/sdk/dist/esm', p)).href);
/** The zod that @alter/mcp depends on. */
export const importZod = () => import(pathToFileURL(path.join(mcpDeps, 'zod/index.js')).href);

/**
 * The benchmarks' Alter tool module: `get_message` (provider `bench`, scope `read`) makes
 * `ctx.request('GET', messageUrl, { pathParams: { id } })` and returns the JSON. A fresh class per
 * call, declared with the given `AlterTool` and `z` (this checkout's, or another's).
 */
export function benchMailTools({ AlterTool, z, messageUrl }) {
  class MailTools {}
  MailTools.prototype.getMessage = async (ctx, { id }) => {
    const res = await ctx.request('GET', messageUrl, { pathParams: { id } });
    return res.json();
  };
  AlterTool('bench', { description: 'Get a message.', input: z.object({ id: z.string() }), scopes: ['read'] })(
    MailTools.prototype,
    'getMessage',
    Object.getOwnPropertyDescriptor(MailTools.prototype, 'getMessage'),
  );
  return MailTools;
}

/** The fake provider API's answer to every request (a Gmail-like message). */
export const MESSAGE_BODY = JSON.stringify({ id: 'msg-1', snippet: 'hello world', labels: ['INBOX', 'UNREAD'] });

/**
 * Starts an HTTP server on 127.0.0.1 (any port) answering every request with MESSAGE_BODY.
 * `keepIdleSockets`: never close idle keep-alive sockets (Node closes them after 5 s; under
 * valgrind a socket can sit idle longer, and a request on a socket being closed fails with
 * ECONNRESET); `close()` then closes those sockets first.
 */
export async function startLoopbackApi({ keepIdleSockets = false } = {}) {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(MESSAGE_BODY) });
      res.end(MESSAGE_BODY);
    });
  });
  if (keepIdleSockets) server.keepAliveTimeout = 0;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const close = () => {
    if (keepIdleSockets) server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { origin: `http://127.0.0.1:${server.address().port}`, close };
}

/** The one provider of the benchmarks' vaults, `bench`, allowed to call 127.0.0.1 on any port (a fresh object). */
export function benchProvider() {
  return {
    id: 'bench',
    displayName: 'Bench',
    clientId: 'bench',
    // A confidential client, like the Google, GitHub and Slack providers: every call then uses two
    // secrets (this one and the token), which redaction must cover.
    clientSecret: 'bench-client-secret-0123456789',
    tokenEndpointAuthMethod: 'client_secret_post',
    authorizationEndpoint: 'https://auth.bench.test/authorize',
    tokenEndpoint: 'https://auth.bench.test/token',
    defaultScopes: [],
    scopeSeparator: ' ',
    allowedHosts: ['127.0.0.1:*'],
    allowInsecureLoopback: true,
  };
}

/**
 * The options of an axios instance configured exactly like the vault's (no redirects, no proxy,
 * no response transforms, the body as a stream): the matched baseline of the hot-path benchmarks.
 */
export function matchedAxiosOptions() {
  return {
    validateStatus: () => true,
    maxRedirects: 0,
    proxy: false,
    responseType: 'stream',
    transformResponse: [],
    decompress: true,
  };
}

/**
 * The matched baseline's provider call: an axios instance configured like the vault's
 * ({@link matchedAxiosOptions}) GETs the message `id` of the loopback API at `origin` with `token`
 * as a bearer and a 30 s timeout signal (the vault's default `http.timeoutMs`), and the body is read
 * by the vault's own capped reader (10 MiB, its default `maxResponseBytes`) and parsed — what
 * `vault.request()` does with the same answer. Returns `(id) => Promise<{ status, json }>`.
 */
export function matchedMessageGetter(origin, token) {
  const matched = axios.create(matchedAxiosOptions());
  return async function matchedGet(id) {
    const signal = AbortSignal.timeout(30_000);
    const res = await matched.request({
      method: 'GET',
      url: `${origin}/gmail/v1/users/me/messages/${encodeURIComponent(id)}`,
      headers: { authorization: `Bearer ${token}` },
      signal,
    });
    const body = await readCappedBody(res.data, 10 * 1024 * 1024, signal);
    if (body === undefined) throw new Error('too large');
    return { status: res.status, json: JSON.parse(body.toString('utf8')) };
  };
}

/** An SDK `Client` connected to `server` (an SDK McpServer) in memory; `sdk`: `{ Client, InMemoryTransport }` of the SDK build to use. */
export async function inMemoryClientOf(server, { Client, InMemoryTransport }) {
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return client;
}

/**
 * A side of a comparison: `calls` calls of the tool `name` through `client` (argument `id`: the
 * call's index), `concurrency` at a time; each must answer with the loopback API's message.
 */
export function messageToolCalls(client, name, calls, concurrency) {
  return () =>
    concurrently(
      async (i) => {
        const r = await client.callTool({ name, arguments: { id: String(i) } });
        if (r.isError || !r.content[0].text.includes('msg-1')) throw new Error(`${name} failed: ${JSON.stringify(r)}`);
      },
      calls,
      concurrency,
    );
}

/**
 * A vault on a SQLite file in a temp folder with one provider, {@link benchProvider}.
 * `grantAlice()` stores alice's grant (a random access token valid for an hour) and returns the
 * token, for the plain side to send itself. `dispose()` removes the folder (close the vault
 * first). `vaultModule`: the `{ AlterVault, silentLogger }` to build it with (default: this
 * checkout's build; bench/_instructions-side.mjs passes another checkout's). `store`: another
 * store option instead of the SQLite file (e.g. a PostgreSQL URL from {@link createPgBenchSchema}).
 */
export function createBenchVault({ caller, tempPrefix, vaultModule = { AlterVault, silentLogger }, store }) {
  const dir = mkdtempSync(path.join(tmpdir(), tempPrefix));
  const vault = new vaultModule.AlterVault({
    caller,
    providers: [benchProvider()],
    store: store ?? path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    logger: vaultModule.silentLogger,
  });
  const token = `at-${randomBytes(24).toString('base64url')}`;
  return {
    vault,
    token,
    grantAlice: () =>
      vault.grants.put({
        user: 'alice',
        provider: 'bench',
        accessToken: token,
        expiresAt: new Date(Date.now() + 3600_000),
        scopes: ['read'],
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The PostgreSQL server the benchmarks use (`ALTER_BENCH_PG_URL`, else `ALTER_TEST_PG_URL`), or '' when none is set. */
export const PG_URL = process.env.ALTER_BENCH_PG_URL || process.env.ALTER_TEST_PG_URL || '';

/**
 * A fresh schema name on {@link PG_URL} for one benchmark's vault: `url` is the store option (the
 * vault creates the schema when it opens), `drop()` removes the schema and everything in it (call
 * it in a `finally`, also when the vault never opened). Throws when no PostgreSQL URL is set.
 */
export function createPgBenchSchema(prefix = 'alter_bench') {
  if (PG_URL === '') throw new Error('no PostgreSQL URL: set ALTER_TEST_PG_URL or ALTER_BENCH_PG_URL');
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const sep = PG_URL.includes('?') ? '&' : '?';
  return {
    schema,
    url: `${PG_URL}${sep}schema=${schema}`,
    drop: async () => {
      // The vault package's own pg (the benchmarks have no dependency of their own on it).
      const pg = createRequire(new URL('../packages/vault/package.json', import.meta.url))('pg');
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * The SDK client transport's `fetch`: the global fetch, with the listener cap lifted on the
 * request's signal. The SDK's StreamableHTTPClientTransport passes one long-lived AbortSignal to
 * every fetch, and Node 20's undici adds an abort listener to it per request that goes only when
 * the Request is garbage-collected by a full GC; the samples are separated by young-generation
 * GCs only (bench/_measure.mjs), so after 1,500 calls every request printed a
 * MaxListenersExceededWarning (an Error with its stack, written to stderr: CPU on both sides, and
 * 11,000 lines of output). Behaviour is otherwise the SDK's: same signal, same requests.
 */
export const benchFetch = (url, init) => {
  if (init?.signal) setMaxListeners(0, init.signal);
  return fetch(url, init);
};

/**
 * Serves `server` (an SDK McpServer) with the SDK's StreamableHTTPServerTransport (a session, JSON
 * responses) on node:http at 127.0.0.1 (any port) and connects the SDK's Client to it with its
 * StreamableHTTPClientTransport, in this process. `sdk`: `{ Client, StreamableHTTPServerTransport,
 * StreamableHTTPClientTransport }` of the SDK build to use (a checkout's own). `keepIdleSockets`:
 * as in {@link startLoopbackApi}. `close()` closes the client, then the HTTP server.
 */
export async function connectOverStreamableHttp(server, sdk, { keepIdleSockets = false } = {}) {
  const transport = new sdk.StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomBytes(16).toString('hex'),
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const http = createServer((req, res) => void transport.handleRequest(req, res));
  if (keepIdleSockets) http.keepAliveTimeout = 0;
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const client = new sdk.Client({ name: 'bench', version: '1' });
  await client.connect(
    new sdk.StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${http.address().port}/mcp`), { fetch: benchFetch }),
  );
  return {
    client,
    close: async () => {
      await client.close();
      if (keepIdleSockets) http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}

/** Runs `fn(0) … fn(n - 1)` with `concurrency` workers; returns the elapsed ms. */
export async function timeConcurrently(fn, n, concurrency) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - t0;
}

/**
 * Times two sides in `rounds` interleaved rounds (A B, B A, …) so that noise (GC, CPU frequency,
 * neighbours) spreads over both. Each side is `() => Promise<ms>`. Returns the total ms of each
 * side and each round's ratio `a / b`.
 */
export async function interleaved(rounds, a, b) {
  const totals = { a: 0, b: 0 };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    let ta;
    let tb;
    if (r % 2 === 0) {
      tb = await b();
      ta = await a();
    } else {
      ta = await a();
      tb = await b();
    }
    totals.a += ta;
    totals.b += tb;
    ratios.push(ta / tb);
  }
  return { totals, ratios };
}

/** The median of some numbers. */
export function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Operations per second for `n` operations in `ms`. */
export const perSecond = (n, ms) => Math.round((n / ms) * 1000);
