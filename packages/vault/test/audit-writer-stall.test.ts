/**
 * The SQLite audit writer runs on the event loop (better-sqlite3 is synchronous), so one big
 * append stalls every request in flight: on a loaded 2-core machine a 200-row append took a
 * median 6 ms and up to 25 ms. The writer appends at most `auditAppendLimit` rows (100 for
 * SQLite) per transaction and lets the event loop turn between appends — without losing a row or
 * breaking the chain. It also appends no more often than that limit needs: 32-row appends cost
 * the process more CPU per row (docs/performance.md, round 9). Real parts: a SQLite file, a
 * loopback API, vault.request().
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, type AuditInput, SqliteGrantStore } from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir } from './support/fixtures.js';
import { type RecordingServer, startRecordingServer } from './support/recording-server.js';

let server: RecordingServer;
const tmp = tempDir('alter-audit-writer-stall');
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
  tmp.remove();
});

/** A SQLite store that records the size of every append (observes; writes as usual). */
class AppendSizes extends SqliteGrantStore {
  readonly sizes: number[] = [];
  override async appendAudit(rows: readonly AuditInput[]): Promise<void> {
    this.sizes.push(rows.length);
    return super.appendAudit(rows);
  }
}

const ROWS = 300;

describe('SQLite audit writer', () => {
  it('writes a long queue in the fewest appends of at most 100 rows, letting the event loop turn between them', async () => {
    const key = newKey();
    const token = newToken('stall-at');
    const leak = createLeakCheck();
    leak.secret(token, 'access token');
    const store = new AppendSizes({ filename: tmp.file('stall.db') });
    // A large window and a long delay: all rows wait in the queue until flush().
    const vault = new AlterVault({
      caller: 'stall',
      providers: [loopbackProvider('acme')],
      store,
      encryptionKey: key,
      logger: leak.logger,
      audit: { maxBatchRows: 1_000, maxDelayMs: 60_000 },
    });
    await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: token, scopes: [] });
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ROWS) await vault.request('acme', 'GET', `${server.origin}/rows/${next++}`, { user: 'alice' });
      }),
    );
    expect(store.sizes).toEqual([]);

    // Counts event-loop turns (check phase) while the queue drains.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns += 1;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await vault.audit.flush();
    const turnsDuringFlush = turns;
    ticking = false;

    expect(store.sizes.reduce((a, b) => a + b, 0)).toBe(ROWS);
    expect(store.auditAppendLimit).toBe(100);
    // ceil(300 / 100) = 3 full appends (10 of at most 32 rows before), with a turn of the loop
    // before each one after the first.
    expect(store.sizes).toEqual([100, 100, 100]);
    expect(turnsDuringFlush).toBeGreaterThanOrEqual(store.sizes.length - 1);
    const verified = await vault.audit.verify();
    expect(verified).toMatchObject({ ok: true, checked: ROWS });
    await vault.close();
    leak.assertClean();
  }, 120_000);

  it("keeps 'sync' semantics: each request returns after its row committed, in appends of at most 100 rows", async () => {
    const store = new AppendSizes({ filename: tmp.file('sync.db') });
    const vault = new AlterVault({
      caller: 'stall-sync',
      providers: [loopbackProvider('acme')],
      store,
      encryptionKey: newKey(),
      logger: createLeakCheck().logger,
      audit: { durability: 'sync' },
    });
    await vault.grants.put({ user: 'alice', provider: 'acme', accessToken: newToken('sync-at'), scopes: [] });
    let next = 0;
    let returned = 0;
    let behind = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < 200) {
          const id = next++;
          await vault.request('acme', 'GET', `${server.origin}/sync/${id}`, { user: 'alice' });
          returned += 1;
          // 'sync': every request that returned has its row in a committed append.
          if (store.sizes.reduce((a, b) => a + b, 0) < returned) behind += 1;
        }
      }),
    );
    expect(behind).toBe(0);
    expect(store.sizes.reduce((a, b) => a + b, 0)).toBe(200);
    expect(Math.max(...store.sizes)).toBeLessThanOrEqual(100);
    expect(await vault.audit.verify()).toMatchObject({ ok: true, checked: 200 });
    await vault.close();
  }, 120_000);
});
