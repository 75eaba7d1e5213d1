/**
 * The CLI's store-dependent behaviour, defined once and run against SQLite (cli-sqlite.test.ts)
 * and PostgreSQL (cli-postgres.test.ts). Every test seeds its own vault through AlterVault and
 * drives the BUILT bin as a child process.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { EncryptionKeyError } from '@alter/vault';
import { AUDIT_FIELDS } from '../../src/output/audit-format.js';
import { assertBuilt, type CliResult, runCli, startCli } from '../support/cli-process.js';
import { parseCsv } from '../support/parse-csv.js';
import { type SeededVault, seedVault } from '../support/seed-vault.js';

export interface SuiteBackend {
  /** A fresh, empty store (a new SQLite path or a new PostgreSQL schema); undefined = SQLite in the seed's temp dir. */
  freshStore(): Promise<string | undefined>;
  /** Changes one audit row behind the vault's back (the attacker with database access). */
  tamperAuditRow(store: string, seq: number): Promise<void>;
}

export function defineCliSuite(backend: SuiteBackend): void {
  let leak: LeakCheck;
  const dirs: string[] = [];
  beforeAll(() => {
    assertBuilt();
    leak = createLeakCheck();
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    leak.assertClean();
  });

  const seed = async (count?: number): Promise<SeededVault> => {
    const store = await backend.freshStore();
    const v = await seedVault(leak, { ...(store !== undefined ? { store } : {}), ...(count !== undefined ? { count } : {}) });
    dirs.push(v.dir);
    return v;
  };
  /** Runs alter against the seeded vault and feeds all its output to the leak check. */
  const alter = async (v: SeededVault, args: string[], env: Record<string, string> = v.env): Promise<CliResult> => {
    const r = await runCli(args, { cwd: v.dir, env });
    leak.inspect(r.stdout, `stdout of alter ${args.join(' ')}`);
    leak.inspect(r.stderr, `stderr of alter ${args.join(' ')}`);
    return r;
  };
  const oneLineError = (r: CliResult) => {
    expect(r.code).not.toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^alter: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it('grants list shows every active grant as a table, filters, and prints no token', async () => {
    const v = await seed(0);
    const r = await alter(v, ['grants', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+USER\s+PROVIDER\s+ACCOUNT\s+STATUS\s+EXPIRES\s+SCOPES$/);
    expect(lines).toHaveLength(4);
    expect(r.stdout).toContain(v.grants.alice.id);
    expect(r.stdout).toMatch(/carol\s+github\s+carol-gh\s+active/);
    for (const t of Object.values(v.tokens)) expect(r.stdout).not.toContain(t);

    const bob = await alter(v, ['grants', 'list', '--user', 'bob', '--json']);
    expect(bob.code).toBe(0);
    const rows = bob.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([
      expect.objectContaining({ id: v.grants.bob.id, user: 'bob', provider: 'acme', scopes: ['read'], status: 'active' }),
    ]);
    expect(Object.keys(rows[0]!).sort()).toEqual([
      'account',
      'createdAt',
      'expiresAt',
      'id',
      'provider',
      'scopes',
      'status',
      'updatedAt',
      'user',
    ]);
  });

  it('grants revoke by id and by user+provider; revoked grants show only with --all', async () => {
    const v = await seed(0);
    // No config file here, so the providers are not configured: revoked here, and exit 1 because
    // the provider could not be asked (the token may still work there).
    const byId = await alter(v, ['grants', 'revoke', v.grants.alice.id]);
    expect(byId).toMatchObject({ code: 1, stdout: `revoked ${v.grants.alice.id}\n` });
    expect(byId.stderr).toBe(
      `${v.grants.alice.id}: acme provider revocation FAILED (provider "acme" is not configured in this vault, so it could not be asked to revoke); revoked here only, revoke it at the provider\n`,
    );
    const bySelector = await alter(v, ['grants', 'revoke', '--user', 'carol', '--provider', 'github']);
    expect(bySelector).toMatchObject({ code: 1, stdout: 'revoked the github grant of user "carol"\n' });
    expect(bySelector.stderr).toContain('github: provider revocation FAILED (provider "github" is not configured');

    const active = await alter(v, ['grants', 'list', '--json']);
    expect(
      active.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { user: string }).user),
    ).toEqual(['bob']);
    const all = await alter(v, ['grants', 'list', '--all']);
    expect(all.stdout).toMatch(new RegExp(`${v.grants.alice.id}\\s+alice\\s+acme\\s+-\\s+revoked`));

    // The vault agrees: alice's grant is revoked for real.
    const vault = v.open();
    try {
      await expect(vault.request('acme', 'GET', 'http://127.0.0.1:9/x', { user: 'alice' })).rejects.toMatchObject({
        code: 'ALTER_GRANT_REVOKED',
      });
    } finally {
      await vault.close();
    }

    const again = await alter(v, ['grants', 'revoke', v.grants.alice.id]);
    oneLineError(again);
    expect(again.stderr).toBe(`alter: no active grant with id ${v.grants.alice.id}\n`);
    const nobody = await alter(v, ['grants', 'revoke', '--user', 'nobody', '--provider', 'acme']);
    oneLineError(nobody);
    expect(nobody.stderr).toContain('no active acme grant for user "nobody"');
  });

  it('audit tail prints the newest rows oldest-first, as a table or JSON lines, with filters', async () => {
    const v = await seed();
    const r = await alter(v, ['audit', 'tail', '-n', '5']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*SEQ\s+TIME\s+USER\s+PROVIDER\s+TOOL\s+METHOD\s+STATUS\s+MS\s+URL$/);
    expect(lines).toHaveLength(6);
    const seqs = lines.slice(1).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(r.stdout).toContain('summarize_inbox > list_things');
    expect(r.stdout).toContain('access_token=%5BREDACTED%5D');

    const json = await alter(v, ['audit', 'tail', '-n', '100', '--user', 'bob', '--json']);
    const rows = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { user: string; seq: number });
    expect(rows).toHaveLength(Math.ceil(v.auditRows / 3));
    expect(rows.every((x) => x.user === 'bob')).toBe(true);

    const none = await alter(v, ['audit', 'tail', '--tool', 'no_such_tool']);
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: 'no audit rows match\n' });
  });

  it('audit tail --follow prints rows written by another process until Ctrl-C', async () => {
    const v = await seed(2);
    const p = startCli(['audit', 'tail', '-n', '0', '--follow', '--interval', '100', '--json'], { cwd: v.dir, env: v.env });
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (p.output().stderr.includes('following new rows')) {
          clearInterval(t);
          resolve();
        } else if (p.child.exitCode !== null) {
          clearInterval(t);
          reject(new Error(p.output().stderr));
        }
      }, 20);
    });
    const vault = v.open();
    try {
      await vault.withAuditContext({ tool: 'late_tool' }, () =>
        vault.request('acme', 'GET', 'http://127.0.0.1:9/late', { user: 'alice' }).catch(() => undefined),
      );
      await vault.audit.flush();
    } finally {
      await vault.close();
    }
    const line = await p.stdoutLine(/late_tool/);
    expect(JSON.parse(line)).toMatchObject({ seq: 3, user: 'alice', tool: 'late_tool', url: 'http://127.0.0.1:9/late' });
    p.child.kill('SIGINT');
    const r = await p.done;
    leak.inspect(r.stdout, 'audit tail -f stdout');
    expect(r.code).toBe(130);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('audit export writes every row as JSONL and as CSV that parse back to the same values', async () => {
    const v = await seed();
    const vault = v.open();
    let expected: Array<Record<string, unknown>>;
    try {
      expected = (await vault.audit.query({ limit: 1000 })).reverse().map((r) => ({ ...r, at: r.at.toISOString(), chain: [...r.chain] }));
    } finally {
      await vault.close();
    }
    expect(expected).toHaveLength(v.auditRows);

    const jsonl = await alter(v, ['audit', 'export', '--format', 'jsonl']);
    expect(jsonl.code).toBe(0);
    expect(jsonl.stderr).toBe(`exported: ${v.auditRows} rows\n`);
    const parsed = jsonl.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toEqual(expected);
    expect(parsed[0]).toMatchObject({
      parentTool: 'summarize_inbox',
      tool: 'list_things',
      chain: ['summarize_inbox', 'list_things'],
      reason: v.awkwardReason,
    });

    const csv = await alter(v, ['audit', 'export', '--format', 'csv']);
    expect(csv.code).toBe(0);
    const table = parseCsv(csv.stdout);
    expect(table[0]).toEqual([...AUDIT_FIELDS]);
    expect(table).toHaveLength(v.auditRows + 1);
    const asText = (x: unknown) =>
      x === null || x === undefined ? '' : x instanceof Date ? x.toISOString() : Array.isArray(x) ? x.join(' > ') : String(x);
    table.slice(1).forEach((row, i) => {
      expect(row).toEqual(AUDIT_FIELDS.map((f) => asText(expected[i]![f])));
    });
    expect(table[1]![AUDIT_FIELDS.indexOf('reason')]).toBe(v.awkwardReason);

    const filtered = await alter(v, ['audit', 'export', '--user', 'alice', '--tool', 'get_thing', '--since', '1h']);
    const rows = filtered.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { user: string; tool: string });
    expect(rows.length).toBe(expected.filter((e) => e.user === 'alice' && e.tool === 'get_thing').length);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((x) => x.user === 'alice' && x.tool === 'get_thing')).toBe(true);
    const future = await alter(v, ['audit', 'export', '--since', '2999-01-01']);
    expect(future).toMatchObject({ code: 0, stdout: '', stderr: 'exported: 0 rows\n' });

    const toFile = await alter(v, ['audit', 'export', '--format', 'csv', '-o', 'audit.csv']);
    expect(toFile).toMatchObject({ code: 0, stdout: '', stderr: `exported: ${v.auditRows} rows to audit.csv\n` });
    expect(readFileSync(path.join(v.dir, 'audit.csv'), 'utf8')).toBe(csv.stdout);
    expect(statSync(path.join(v.dir, 'audit.csv')).mode & 0o777).toBe(0o600);

    const badFormat = await alter(v, ['audit', 'export', '--format', 'xml']);
    oneLineError(badFormat);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('--format: "xml" is not one of jsonl, csv');
  });

  it('audit verify passes on an intact chain and fails naming the row after tampering', async () => {
    const v = await seed();
    const ok = await alter(v, ['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^audit chain intact: ${v.auditRows} rows, last hash [0-9a-f]{64}\\n$`));
    // Not a terminal: the running count is printed as lines (fewer than 1,000 rows: only the final
    // count), then the summary; stdout stays the result alone.
    expect(ok.stderr).toBe(`verifying audit chain: ${v.auditRows} rows checked\nverified: ${v.auditRows} rows\n`);

    await backend.tamperAuditRow(v.store, 7);
    const bad = await alter(v, ['audit', 'verify']);
    // The count of intact rows, then the error on one line.
    const [progressLine, ...errorLines] = bad.stderr.split('\n');
    expect(progressLine).toBe('verifying audit chain: 6 rows checked');
    oneLineError({ ...bad, stderr: errorLines.join('\n') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('audit chain BROKEN at row 7');
    expect(bad.stderr).toContain('6 rows before it are intact');

    const json = await alter(v, ['audit', 'verify', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, checked: 6, firstBadSeq: 7 });
  });

  it('audit verify on a pipe prints increasing running counts ending at the row total', async () => {
    const v = await seed(2_500);
    const r = await alter(v, ['audit', 'verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^audit chain intact: 2500 rows, last hash [0-9a-f]{64}\n$/);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines.pop()).toBe('verified: 2500 rows');
    const counts = lines.map((l) => Number(/^verifying audit chain: (\d+) rows checked$/.exec(l)?.[1]));
    // The first event (1,000) prints at once, 2,000 only if a second passed, the total always.
    expect(counts[0]).toBe(1_000);
    expect(counts.at(-1)).toBe(2_500);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBe(counts.length);
    expect(r.stderr).not.toContain('\r');
  }, 60_000);

  it('keys rotate re-encrypts everything: the new key reads the data, the old key no longer opens the vault', async () => {
    const v = await seed(3);
    const r = await alter(v, ['keys', 'rotate']);
    expect(r.code).toBe(0);
    const newKey = r.stdout.trim();
    expect(r.stdout).toBe(`${newKey}\n`);
    expect(Buffer.from(newKey, 'base64')).toHaveLength(32);
    expect(r.stderr).toContain('shown only once');
    expect(r.stderr).toMatch(/rotated: \d+ secrets re-encrypted, key id \S+ → \S+/);
    expect(r.stderr).toContain('set ALTER_VAULT_KEY to the new key');

    const withNew = v.open({ key: newKey });
    try {
      await withNew.ready();
      const stored = await withNew.store.getGrant(v.grants.alice.id);
      expect(withNew.openSecret(stored!.accessToken)).toBe(v.tokens.alice);
    } finally {
      await withNew.close();
    }
    const withOld = v.open();
    try {
      await expect(withOld.ready()).rejects.toBeInstanceOf(EncryptionKeyError);
    } finally {
      await withOld.close();
    }
    const oldCli = await alter(v, ['grants', 'list']);
    oneLineError(oldCli);
    expect(oldCli.stderr).toContain('[ALTER_ENCRYPTION_KEY]');
    const newCli = await alter(v, ['grants', 'list'], { ...v.env, ALTER_VAULT_KEY: newKey });
    expect(newCli.code).toBe(0);
    expect(newCli.stdout).toContain(v.grants.bob.id);

    // An explicit key (from the environment, so it stays out of argv) works the same; nothing printed on stdout.
    const third = leak.secret(Buffer.alloc(32, 7).toString('base64'), 'third key');
    const explicit = await alter(v, ['keys', 'rotate', '--new-key-env', 'THIRD'], { ...v.env, ALTER_VAULT_KEY: newKey, THIRD: third });
    expect(explicit).toMatchObject({ code: 0, stdout: '' });
    // Rotating to the key in use re-seals everything with it (the end of a zero-downtime rotation).
    const same = await alter(v, ['keys', 'rotate', '--new-key-env', 'THIRD'], { ...v.env, ALTER_VAULT_KEY: third, THIRD: third });
    expect(same.code).toBe(0);
    expect(same.stderr).toMatch(/^re-encrypted \d+ secrets with the current key \(id \S+\); previousKeys are no longer needed\n$/m);
    const bad = await alter(v, ['keys', 'rotate', '--new-key', 'not-a-key'], { ...v.env, ALTER_VAULT_KEY: third });
    oneLineError(bad);
    expect(bad.stderr).toContain('--new-key: the new key must be base64 for exactly 32 random bytes');
  });

  it('store prune deletes every expired Connect session and auth record in batches, prints the count, and keeps live rows', async () => {
    const v = await seed(1);
    const vault = v.open();
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    try {
      await vault.ready();
      const namespaces = ['connect', 'auth:codes', 'auth:requests', 'auth:refresh-tokens', 'auth:families'];
      for (let i = 0; i < 2_500; i += 250) {
        await Promise.all(
          Array.from({ length: 250 }, (_, j) =>
            vault.store.kvPut(namespaces[(i + j) % namespaces.length]!, `old-${i + j}`, '{"status":"complete"}', past),
          ),
        );
      }
      await vault.store.kvPut('connect', 'live-session', '{"status":"pending"}', future);
      await vault.store.kvPut('auth:refresh-tokens', 'live-token', '{"spent":false}', future);
      await vault.store.kvPut('auth:clients', 'registered-client', '{}');
    } finally {
      await vault.close();
    }

    const r = await alter(v, ['store', 'prune']);
    expect(r).toMatchObject({ code: 0, stdout: 'removed 2500 expired rows (3 batches)\n', stderr: '' });
    const again = await alter(v, ['store', 'prune', '--batch-size', '10', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ removed: 0, batches: 1 });

    const after = v.open();
    try {
      await after.ready();
      expect(await after.store.kvGet('connect', 'live-session')).toMatchObject({ value: '{"status":"pending"}' });
      expect(await after.store.kvGet('auth:refresh-tokens', 'live-token')).toBeDefined();
      expect(await after.store.kvGet('auth:clients', 'registered-client')).toMatchObject({ expiresAt: null });
      expect(await after.store.kvSweep(10_000)).toBe(0);
    } finally {
      await after.close();
    }
  }, 120_000);

  it('doctor passes on a good config and names the fix on a wrong key', async () => {
    const v = await seed(2);
    const good = await alter(v, ['doctor', '--offline']);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^ok\s+key\s+key id \S+ \(environment\) opens this vault$/m);
    expect(good.stdout).toMatch(/^ok\s+store\s+.*reachable, migrations applied, 3 active grants, 2 audit rows$/m);
    expect(good.stdout).toMatch(/doctor: no problems, \d+ warnings?\n$/);

    const wrongKey = leak.secret(Buffer.alloc(32, 1).toString('base64'), 'wrong key');
    const bad = await alter(v, ['doctor', '--offline'], { ...v.env, ALTER_VAULT_KEY: wrongKey });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL\s+key\s+This vault's store was encrypted with key id/m);
    expect(bad.stdout).toMatch(/fix: configure the key the servers use/);
    expect(bad.stdout).toMatch(/doctor: 1 problem/);
  });
}
