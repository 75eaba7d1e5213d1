/**
 * A pooled connection terminated right as it is made must not crash the process. pg-pool removes
 * its own 'error' listener from a new client before it hands the client over, and the store
 * listens once `await pool.connect()` resumes — a later microtask. When the server's termination
 * error (57P01, e.g. pg_terminate_backend, a restart) arrives in the same read as the connection's
 * ReadyForQuery, pg emits 'error' in between, with no listener: an uncaught exception. (This is a
 * cause that fits the unexplained worker crash of pg-faults.test.ts noted in docs/performance.md.)
 * The worker (fixtures/pg-new-connection-terminated-worker.mjs, a REAL child process on the BUILT
 * package) makes the two arrive together through a loopback proxy; opening the store must fail
 * with a typed error instead. PostgreSQL from ALTER_TEST_PG_URL; skipped with the reason when unset.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';
import { describeWithPostgres } from './support/pg.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'fixtures', 'pg-new-connection-terminated-worker.mjs');
const DIST_ENTRY = path.resolve(here, '..', 'dist', 'index.js');

describeWithPostgres('a new pooled connection terminated as it is made', (db) => {
  it('fails that operation (opening the store: StoreError ALTER_STORE, cause connection-lost) instead of crashing the process', async () => {
    if (!existsSync(DIST_ENTRY))
      throw new Error(`The worker runs the BUILT @alter/vault, but ${DIST_ENTRY} is missing. Run \`pnpm -C packages/vault build\` first.`);
    const child = fork(WORKER, [], {
      env: {
        ...process.env,
        ALTER_WORKER_CONFIG: JSON.stringify({
          url: db.url,
          schema: db.schema,
          applicationName: `alter-new-conn-${randomUUID().slice(0, 8)}`,
        }),
      },
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect({ code, stderr: stderr.slice(0, 1500) }).toEqual({ code: 0, stderr: '' });
    const outcome = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(outcome).toEqual({ ok: true, opened: false, errorCode: 'ALTER_STORE', causeReason: 'connection-lost' });
  }, 60_000);
});
