/**
 * `alter doctor` names the store it checks, and a PostgreSQL URL can carry its password in the
 * query (`?password=…`, which pg honours) as well as in the userinfo. The BUILT bin must show
 * neither in clear.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { describeWithPostgres } from '../../../vault/test/support/pg.js';
import { assertBuilt, runCli } from '../support/cli-process.js';

describeWithPostgres('alter doctor on PostgreSQL (built bin, real database)', (db) => {
  let leak: LeakCheck;
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    leak = createLeakCheck();
    dir = mkdtempSync(path.join(tmpdir(), 'alter-cli-doctor-pg-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    leak?.assertClean();
  });

  it('shows a password given as a query parameter as ***, and keeps the schema readable', async () => {
    const password = leak.secret(`PgPassw0rd-${randomBytes(8).toString('hex')}`, 'PostgreSQL password');
    const store = `${db.url}${db.url.includes('?') ? '&' : '?'}schema=${db.schema}&password=${password}`;
    const key = leak.secret(randomBytes(32).toString('base64'), 'vault key');
    const r = await runCli(['doctor', '--offline', '--store', store], { cwd: dir, env: { ALTER_VAULT_KEY: key } });
    leak.inspect(r.stdout, 'stdout of alter doctor');
    leak.inspect(r.stderr, 'stderr of alter doctor');
    expect(r.stdout).not.toContain(password);
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+store\\s+postgres \\S+\\?schema=${db.schema}&password=\\*\\*\\*: reachable`, 'm'));
    expect(r.code).toBe(0);
  });
});
