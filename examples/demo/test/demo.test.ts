import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'main.js');

function run(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  }, 60_000);
});
