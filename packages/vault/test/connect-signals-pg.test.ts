/**
 * Connect completions across processes through PostgreSQL LISTEN/NOTIFY: a vault waiting for a
 * session (as a tool call waiting to send its URL-elicitation completion does) learns that another
 * vault on the same schema completed it from a notification — the waits here poll once an hour, so
 * only the notification can end them before their timeout. After its LISTEN connection is killed
 * (pg_terminate_backend), the waiter reconnects and hears the next completion again. When no
 * LISTEN connection can be opened at all (a role limited to one connection, which its pool holds),
 * the wait falls back to reading the store every 250 ms and still ends. Real parts:
 * PostgreSQL (own schema), the sandbox OAuth server, two AlterVaults with their own pools.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { AlterVault, type Logger, PostgresGrantStore } from '@alter/vault';
import { signalChannel } from '../src/postgres-store-signals.js';
import { type Harness, createHarness, pageCode } from './fixtures/connect-harness.js';
import { describeWithPostgres } from './support/pg.js';

/** A poll this far apart never happens within a test: only a notification can end the wait. */
const NO_POLL = 3_600_000;

describeWithPostgres('Connect completions across processes (PostgreSQL LISTEN/NOTIFY)', (pgSchema) => {
  let h: Harness;
  let admin: pg.Client;
  const appName = `alter-signals-test-${randomBytes(4).toString('hex')}`;
  const lines: Array<{ level: string; message: string }> = [];
  let waiter: AlterVault;

  beforeAll(async () => {
    h = await createHarness({ store: pgSchema.urlWithSchema, providers: ['github'] });
    admin = new pg.Client({ connectionString: pgSchema.url });
    await admin.connect();
    const record =
      (level: keyof Logger): Logger[keyof Logger] =>
      (message, fields) => {
        lines.push({ level, message });
        h.leak.logger[level](message, fields);
      };
    const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
    // Another "process": its own pool and LISTEN connection, named so the test can find its backends.
    waiter = new AlterVault({
      caller: 'signals-waiter',
      store: `${pgSchema.urlWithSchema}&application_name=${appName}`,
      encryptionKey: h.encryptionKey,
      providers: [h.vault.provider('github')],
      logger,
    });
    await waiter.ready();
  }, 60_000);

  afterAll(async () => {
    await waiter?.close();
    await admin?.end();
    await h?.close();
  });

  async function listenBackends(): Promise<number[]> {
    const rows = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query = $2`, [
      appName,
      `LISTEN "${signalChannel(pgSchema.schema)}"`,
    ]);
    return rows.rows.map((r) => r.pid);
  }

  async function completeElsewhere(user: string): Promise<string> {
    const s = await h.vault.connect.createSession({ user, providers: { github: [] } });
    const waiting = waiter.connect.waitFor(s.id, { pollIntervalMs: NO_POLL, timeoutMs: 60_000 });
    const page = await h.sandbox.approve(s.url, { login: 'alice' });
    expect(pageCode(page.body)).toBe('complete');
    const result = await waiting;
    expect(result).toMatchObject({ status: 'complete', user, grants: [{ provider: 'github', account: 'alice' }] });
    return s.id;
  }

  it('a wait in one vault ends when another vault completes the session, without polling', async () => {
    // The first wait also opens the LISTEN connection (a completion before it is live is caught by the resync).
    await completeElsewhere('ann');
    expect(await listenBackends()).toHaveLength(1);
    // Now live: this one can only end by the NOTIFY itself.
    await completeElsewhere('ben');
    expect((await waiter.grants.list({ user: 'ben' })).length).toBe(1);
  }, 90_000);

  it('announces a settled session with a digest: the session id (the bearer part of the link) never goes on the wire', async () => {
    const eavesdropper = new pg.Client({ connectionString: pgSchema.url });
    await eavesdropper.connect();
    const payloads: string[] = [];
    eavesdropper.on('notification', (msg) => payloads.push(String(msg.payload)));
    try {
      await eavesdropper.query(`LISTEN "${signalChannel(pgSchema.schema)}"`);
      const id = await completeElsewhere('fay');
      // The announcement is sent before the callback page answers; LISTEN sees it on its next read.
      for (let i = 0; i < 200 && !payloads.some((p) => p.startsWith('connect.settled:')); i++) await new Promise((r) => setTimeout(r, 25));
      expect(payloads.filter((p) => p.startsWith('connect.settled:'))).toHaveLength(1);
      for (const p of payloads) {
        expect(p).not.toContain(id);
        expect(p).not.toContain(id.slice(0, 12));
      }
    } finally {
      await eavesdropper.end();
    }
  }, 90_000);

  it('reconnects after its LISTEN connection is killed and hears the next completion', async () => {
    await completeElsewhere('cat'); // the feed is up
    const [old] = await listenBackends();
    expect(old).toBeDefined();
    await admin.query('SELECT pg_terminate_backend($1)', [old]);
    // Wait for the condition (a new LISTEN backend), not for a fixed time.
    let fresh: number[] = [];
    for (let i = 0; i < 600 && !(fresh.length === 1 && fresh[0] !== old); i++) {
      await new Promise((r) => setTimeout(r, 50));
      fresh = await listenBackends();
    }
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).not.toBe(old);
    await completeElsewhere('dan');
    expect(lines.some((l) => l.level === 'warn' && /LISTEN connection failed/.test(l.message))).toBe(true);
    await h.collectTokens();
    h.leak.assertClean();
  }, 90_000);

  it('falls back to polling when no LISTEN connection can be opened (a role limited to one connection)', async () => {
    const role = `alter_sig_${randomBytes(4).toString('hex')}`;
    const database = new URL(pgSchema.url).pathname.slice(1);
    await admin.query(`CREATE ROLE "${role}" LOGIN CONNECTION LIMIT 1`);
    const seen: Array<{ level: string; message: string }> = [];
    const record =
      (level: keyof Logger): Logger[keyof Logger] =>
      (message, fields) => {
        seen.push({ level, message });
        h.leak.logger[level](message, fields);
      };
    let limited: AlterVault | undefined;
    try {
      await admin.query(`GRANT CREATE ON DATABASE "${database}" TO "${role}"`);
      await admin.query(`GRANT USAGE, CREATE ON SCHEMA "${pgSchema.schema}" TO "${role}"`);
      await admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA "${pgSchema.schema}" TO "${role}"`);
      await admin.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA "${pgSchema.schema}" TO "${role}"`);
      const url = new URL(pgSchema.url);
      url.username = role;
      url.password = '';
      // One pooled connection, kept busy by the 250 ms reads: the LISTEN connection is always refused.
      const store = new PostgresGrantStore({
        connectionString: url.href,
        schema: pgSchema.schema,
        max: 1,
        applicationName: `${appName}-limited`,
      });
      limited = new AlterVault({
        caller: 'signals-limited',
        store,
        encryptionKey: h.encryptionKey,
        providers: [h.vault.provider('github')],
        logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
      });
      await limited.ready();
      const s = await h.vault.connect.createSession({ user: 'eve', providers: { github: [] } });
      const waiting = limited.connect.waitFor(s.id, { timeoutMs: 60_000 });
      const page = await h.sandbox.approve(s.url, { login: 'alice' });
      expect(pageCode(page.body)).toBe('complete');
      expect(await waiting).toMatchObject({ status: 'complete', user: 'eve' });
      expect(seen.some((l) => l.level === 'warn' && /LISTEN connection failed/.test(l.message))).toBe(true);
    } finally {
      await limited?.close();
      await admin.query(`DROP OWNED BY "${role}"`);
      await admin.query(`DROP ROLE "${role}"`);
    }
  }, 90_000);
});
