import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'main.js');
const repo = join(root, '..', '..');
/** What `pnpm alter` runs (the root package.json's `alter` script). */
const alterBin = join(repo, 'packages', 'cli', 'dist', 'bin.js');
/** The promise of the README and the issue: the demo fits a 100-column terminal. */
const WIDTH = 100;

function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the demo (pnpm demo)', () => {
  it('runs every step offline and exits 0', async () => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run pnpm build first (the test runs the built demo).`);
    const { code, stdout, stderr } = await run();
    if (code !== 0) throw new Error(`demo exited ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
    // The steps the README promises, in order.
    const expectations = [
      /\[1\/9\] Start the sandbox/,
      /\[2\/9\] tools\/list/,
      /\d+ tools, each with an input schema/,
      /Connect URL: http:\/\/127\.0\.0\.1:\d+\/connect\/[A-Za-z0-9_-]{20,}/,
      /Google grant stored for alice/,
      /\d+ messages from the fake Gmail API/,
      /\[6\/9\] Call summarize_inbox/,
      /chain summarize_inbox › search_emails/,
      /audit\.verify\(\) → ok \(\d+ rows/,
      /Demo finished in [\d.]+ s\. Every step passed\./,
    ];
    // The sandbox's client secrets are test fixtures, but the demo must print none of them.
    expect(`${stdout}${stderr}`).not.toMatch(/sandbox-(google|github|slack)-secret/);
    let from = 0;
    for (const re of expectations) {
      const m = re.exec(stdout.slice(from));
      expect({ pattern: re.source, found: !!m }).toEqual({ pattern: re.source, found: true });
      from += (m?.index ?? 0) + (m?.[0].length ?? 0);
    }
    // Every line fits the terminal, the audit table included.
    const wide = stdout.split('\n').filter((line) => [...line].length > WIDTH);
    expect(wide).toEqual([]);
    // Without --keep, the vault's folder is gone.
    const vaultFile = /vault {5}SQLite file (\S+)/.exec(stdout)?.[1];
    expect(vaultFile).toBeDefined();
    expect(existsSync(dirname(vaultFile ?? '/'))).toBe(false);
  }, 240_000);

  it('with --keep, leaves the vault and prints alter commands that open it', async () => {
    if (!existsSync(alterBin)) throw new Error(`${alterBin} is missing: run pnpm build first.`);
    const { code, stdout, stderr } = await run('--keep');
    if (code !== 0) throw new Error(`demo --keep exited ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
    const dir = /The vault is kept in (\S+)\. Explore it/.exec(stdout)?.[1];
    if (!dir) throw new Error(`no kept vault announced:\n${stdout}`);
    try {
      expect([...stdout.split('\n')].filter((line) => [...line].length > WIDTH)).toEqual([]);
      // The key file is private, and the key itself is never printed.
      expect(statSync(join(dir, 'key')).mode & 0o077).toBe(0);
      // Run the printed lines as a shell would: the exports, then each `pnpm alter …` command.
      const lines = stdout
        .slice(stdout.indexOf('Explore it'))
        .split('\n')
        .map((l) => l.trim());
      const env: Record<string, string> = { ...process.env } as Record<string, string>;
      for (const line of lines.filter((l) => l.startsWith('export '))) {
        const out = spawnSync('bash', ['-c', `${line}; env -0`], { encoding: 'utf8', env });
        for (const pair of out.stdout.split('\0').filter(Boolean)) {
          const eq = pair.indexOf('=');
          env[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
      }
      expect(stdout).not.toContain(env.ALTER_VAULT_KEY);
      const commands = lines.filter((l) => l.startsWith('pnpm alter '));
      expect(commands).toEqual(['pnpm alter grants list', 'pnpm alter audit tail', 'pnpm alter audit verify']);
      const outputs: Record<string, string> = {};
      for (const command of commands) {
        const args = command.replace('pnpm alter ', '').split(' ');
        const out = spawnSync(process.execPath, [alterBin, ...args], { cwd: repo, encoding: 'utf8', env: { ...env, NO_COLOR: '1' } });
        expect({ command, status: out.status, stderr: out.stderr }).toEqual({ command, status: 0, stderr: expect.any(String) });
        outputs[command] = out.stdout;
      }
      for (const provider of ['google', 'github', 'slack']) {
        expect(outputs['pnpm alter grants list']).toMatch(new RegExp(`alice\\s+${provider}\\s+alice\\s+active`));
      }
      expect(outputs['pnpm alter audit tail']).toMatch(/summarize_inbox/);
      expect(outputs['pnpm alter audit verify']).toMatch(/audit chain intact: \d+ rows/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
