/**
 * `rotateKey` and the Connect sessions in flight: the user signed in at the provider with the old
 * key in place, the operator rotated (`alter keys rotate`) and restarted every server with only
 * the new key (docs/cli.md), then the user comes back. The PKCE verifier and nonce of that provider
 * step must have been re-sealed with the rest, so the callback completes and the grant is stored.
 * Also: those secrets are single-use and leave the store with their flow; a flow started by an
 * earlier version (secrets embedded in the session record) still completes after the upgrade, and
 * ends on a clear "expired" page — not a 500 — when a rotation dropped the key it was sealed with.
 * Real parts on both stores: the sandbox OAuth server, a SQLite file / a PostgreSQL schema, Connect
 * on loopback HTTP.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import pg from 'pg';
import { AlterVault, type Logger, type ProviderConfig } from '@alter/vault';
import { type LeakCheck, type Sandbox, createLeakCheck, startSandbox } from '@alter/testing';
import { CONNECT_FLOW_SECRETS_KV_NAMESPACE } from '../src/connect/connect-flow-secrets.js';
import { CONNECT_KV_NAMESPACE, type ConnectSessionRecord } from '../src/connect/connect-session-record.js';
import { keyIdOf, parseEncryptionKey } from '../src/secret-box.js';
import { pageCode } from './fixtures/connect-harness.js';
import { describeOnEachStore } from './support/each-store.js';

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

describeOnEachStore('rotateKey re-seals the secrets of Connect flows in progress', (store) => {
  let sandbox: Sandbox;
  let google: ProviderConfig;
  let leak: LeakCheck;
  let logger: Logger;
  const errorLines: string[] = [];
  const open: AlterVault[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    google = sandbox.provider('google');
    leak = createLeakCheck();
    logger = {
      ...leak.logger,
      error: (message, fields) => {
        errorLines.push(message);
        leak.logger.error(message, fields);
      },
    };
  });
  afterAll(async () => {
    for (const v of open) await v.close();
    await sandbox?.close();
  });

  function vaultOn(location: string, encryptionKey: string): AlterVault {
    const vault = new AlterVault({
      caller: 'rotate-connect',
      store: location,
      encryptionKey: leak.secret(encryptionKey, 'encryption key'),
      providers: [google],
      logger,
    });
    open.push(vault);
    return vault;
  }

  /** A vault (old key) serving Connect, and a session whose user signed in and is about to come back. */
  async function signedInSession(location: string, oldKey: string, login: string) {
    const before = vaultOn(location, oldKey);
    const server = await before.connect.listen({ port: 0 });
    sandbox.registerRedirectUri(`${server.url}/connect/callback`);
    const session = await before.connect.createSession({ user: login, providers: { google: [GMAIL_READONLY] } });
    const browser = sandbox.browser(login);
    const step = await sandbox.approve(session.url, { login, browser, stopAt: `${server.url}/connect/callback` });
    expect(step.finalUrl.startsWith(`${server.url}/connect/callback?`)).toBe(true);
    return { before, server, session, browser, callback: new URL(step.finalUrl) };
  }

  /**
   * The user's browser returns to the callback, served now by `after`. The callback URL names the
   * first server's port; the path and query are what matter (the session keeps its redirect URI),
   * so they are sent to `after`'s own listener instead of reusing a port just closed.
   */
  async function returnTo(after: AlterVault, callback: URL, browser: ReturnType<Sandbox['browser']>) {
    const server = await after.connect.listen({ port: 0 });
    const res = await browser.fetch(`${server.url}${callback.pathname}${callback.search}`, { redirect: 'manual' });
    return { status: res.status, code: pageCode(await res.text()) };
  }

  it('completes a callback that comes back after the rotation to a vault holding only the new key', async () => {
    const location = store();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const { before, session, browser, callback } = await signedInSession(location, oldKey, 'alice');

    const oldKeyId = before.keyId;
    const { keyId } = await before.rotateKey(newKey);
    expect(keyId).toBe(keyIdOf(parseEncryptionKey(newKey)));
    await before.close();
    const stale = (await sealedKvValues(location)).filter((v) => v.keyIds.includes(oldKeyId));

    const after = vaultOn(location, newKey);
    const page = await returnTo(after, callback, browser);
    expect(page).toEqual({ status: 200, code: 'complete' });
    // Nothing in the kv was left sealed with the old key: dropping it was safe.
    expect(stale.map((v) => `${v.namespace}/${v.key.slice(0, 8)}…`)).toEqual([]);
    expect(await after.connect.get(session.id)).toMatchObject({ status: 'complete', user: 'alice' });
    const grants = await after.store.listGrants({ user: 'alice' });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ provider: 'google', account: 'alice', status: 'active' });
    expect(after.openSecret(grants[0]!.accessToken)).toBeTruthy();
    leak.assertClean();
  });

  it('keeps a flow secret only while its flow is in the record: pushed-out and claimed flows lose theirs', async () => {
    const location = store();
    const key = randomBytes(32).toString('base64');
    const vault = vaultOn(location, key);
    const server = await vault.connect.listen({ port: 0 });
    sandbox.registerRedirectUri(`${server.url}/connect/callback`);
    const session = await vault.connect.createSession({ user: 'bob', providers: { google: [GMAIL_READONLY] } });
    const flowSecrets = () => vault.store.kvList(CONNECT_FLOW_SECRETS_KV_NAMESPACE);
    // Seven openings (a link previewer, reloads): each starts a flow, the record keeps the newest five.
    for (let i = 0; i < 7; i++) expect((await fetch(session.url, { redirect: 'manual' })).status).toBe(302);
    const record = await sessionRecord(vault, session.id);
    expect(record.flows).toHaveLength(5);
    // Whole sealed values (what resealAll re-seals), none left in the record itself.
    expect((await flowSecrets()).map((e) => e.key).sort()).toEqual(record.flows!.map((f) => f.state).sort());
    for (const e of await flowSecrets()) expect(e.value).toMatch(/^v1\./);
    expect(record.flows!.every((f) => f.secrets === undefined)).toBe(true);

    const page = await sandbox.approve(session.url, { login: 'bob' });
    expect(pageCode(page.body)).toBe('complete');
    expect(await flowSecrets()).toEqual([]);
    expect(await vault.store.listGrants({ user: 'bob' })).toHaveLength(1);
  });

  it('completes a flow started by an earlier version (its secrets embedded in the record) after the upgrade', async () => {
    const location = store();
    const key = randomBytes(32).toString('base64');
    const { before, session, browser, callback } = await signedInSession(location, key, 'bob');
    await asWrittenByEarlierVersion(before, session.id);
    await before.close();

    const after = vaultOn(location, key);
    expect(await returnTo(after, callback, browser)).toEqual({ status: 200, code: 'complete' });
    expect(await after.store.listGrants({ user: 'bob' })).toHaveLength(1);
    leak.assertClean();
  });

  it('ends an earlier version\'s flow whose key a rotation dropped on the "expired" page, not a 500', async () => {
    const location = store();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const { before, session, browser, callback } = await signedInSession(location, oldKey, 'alice');
    await asWrittenByEarlierVersion(before, session.id);
    await before.rotateKey(newKey);
    await before.close();

    const after = vaultOn(location, newKey);
    const errorsBefore = errorLines.length;
    expect(await returnTo(after, callback, browser)).toEqual({ status: 400, code: 'session_expired' });
    expect(await after.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'expired' } });
    expect(await after.store.listGrants({ user: 'alice' })).toEqual([]);
    // The operator is told why (the page only says to ask for a new link).
    expect(errorLines.slice(errorsBefore)).toEqual([expect.stringContaining('PKCE secrets could not be read')]);
    leak.assertClean();
  });

  it.each([
    ['is gone from the store', 'gone'],
    ["was replaced by another flow's (a copied row)", 'copied'],
  ] as const)('ends the session on the "expired" page when the flow secret %s', async (_what, how) => {
    const location = store();
    const key = randomBytes(32).toString('base64');
    const { before: vault, session, browser, callback } = await signedInSession(location, key, 'bob');
    const state = callback.searchParams.get('state')!;
    // A second opening of the link starts another flow with its own secrets.
    expect((await fetch(session.url, { redirect: 'manual' })).status).toBe(302);
    const other = (await sessionRecord(vault, session.id)).flows!.find((f) => f.state !== state)!;
    if (how === 'gone') await vault.store.kvDelete(CONNECT_FLOW_SECRETS_KV_NAMESPACE, state);
    else {
      const copied = (await vault.store.kvGet(CONNECT_FLOW_SECRETS_KV_NAMESPACE, other.state))!;
      await vault.store.kvPut(CONNECT_FLOW_SECRETS_KV_NAMESPACE, state, copied.value, copied.expiresAt);
    }

    // Another process on the same store serves the callback.
    const sibling = vaultOn(location, key);
    const errorsBefore = errorLines.length;
    expect(await returnTo(sibling, callback, browser)).toEqual({ status: 400, code: 'session_expired' });
    expect(await vault.connect.get(session.id)).toMatchObject({ status: 'failed', error: { reason: 'expired' } });
    expect(await vault.store.listGrants({ user: 'bob' })).toEqual([]);
    expect(errorLines.slice(errorsBefore)).toEqual([expect.stringContaining('PKCE secrets could not be read')]);
    // The claim dropped every flow of the step, and their secrets with them.
    expect(await vault.store.kvList(CONNECT_FLOW_SECRETS_KV_NAMESPACE)).toEqual([]);
  });

  /** Rewrites the session's flows the way versions before the fix stored them: the sealed secrets inside the record. */
  async function asWrittenByEarlierVersion(vault: AlterVault, sessionId: string): Promise<void> {
    const entry = (await vault.store.kvGet(CONNECT_KV_NAMESPACE, sessionId))!;
    const record = JSON.parse(entry.value) as ConnectSessionRecord;
    const flows = [];
    for (const flow of record.flows ?? []) {
      const sealed = (await vault.store.kvGet(CONNECT_FLOW_SECRETS_KV_NAMESPACE, flow.state))!.value;
      const { codeVerifier, nonce } = JSON.parse(vault.openSecret(sealed)) as { codeVerifier: string; nonce?: string };
      leak.secret(codeVerifier, 'PKCE verifier');
      flows.push({ ...flow, secrets: vault.sealSecret(JSON.stringify({ codeVerifier, ...(nonce ? { nonce } : {}) })) });
      await vault.store.kvDelete(CONNECT_FLOW_SECRETS_KV_NAMESPACE, flow.state);
    }
    expect(flows.length).toBeGreaterThan(0);
    const legacy = JSON.stringify({ ...record, flows });
    expect(await vault.store.kvCompareAndSet(CONNECT_KV_NAMESPACE, sessionId, entry.version, legacy, entry.expiresAt)).toBe(true);
  }
});

async function sessionRecord(vault: AlterVault, id: string): Promise<ConnectSessionRecord> {
  return JSON.parse((await vault.store.kvGet(CONNECT_KV_NAMESPACE, id))!.value) as ConnectSessionRecord;
}

/** Every kv value of the store at `location` that holds a sealed value, with the key ids it names. */
async function sealedKvValues(location: string): Promise<Array<{ namespace: string; key: string; keyIds: string[] }>> {
  let rows: Array<{ namespace: string; key: string; value: string }>;
  if (location.startsWith('postgres')) {
    const url = new URL(location);
    const schema = url.searchParams.get('schema')!;
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    try {
      rows = (
        await client.query<{ namespace: string; key: string; value: string }>(`SELECT namespace, key, value FROM "${schema}".alter_kv`)
      ).rows;
    } finally {
      await client.end();
    }
  } else {
    const db = new Database(location, { readonly: true });
    try {
      rows = db.prepare('SELECT namespace, key, value FROM alter_kv').all() as typeof rows;
    } finally {
      db.close();
    }
  }
  return rows
    .map((r) => ({
      namespace: r.namespace,
      key: r.key,
      // Whole sealed values and sealed values embedded in JSON alike.
      keyIds: [...r.value.matchAll(/\bv[12]\.([A-Za-z0-9_-]{8})\./g)].map((m) => m[1]!),
    }))
    .filter((r) => r.keyIds.length > 0);
}
