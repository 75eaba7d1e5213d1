/**
 * "Zero cost when unused": without @opentelemetry/api installed, tool calls and provider requests
 * work and no OpenTelemetry module is loaded. A real child process on the built packages, once with
 * the package resolvable (the control: it is loaded) and once with it unresolvable.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function run(args: string[]): { ok: boolean; loaded: string[] } {
  const r = spawnSync(process.execPath, [...args, path.join(fixtures, 'telemetry-absent.mjs')], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 2_000)}`);
  return JSON.parse(r.stdout) as { ok: boolean; loaded: string[] };
}

it('loads the OpenTelemetry API when it is installed (control)', () => {
  const r = run([]);
  expect(r.ok).toBe(true);
  expect(r.loaded.some((p) => p.includes(`${path.sep}@opentelemetry${path.sep}api${path.sep}`))).toBe(true);
}, 130_000);

it('works and loads no OpenTelemetry module when the package is not installed', () => {
  const r = run(['--require', path.join(fixtures, 'deny-otel.cjs')]);
  expect(r.ok).toBe(true);
  expect(r.loaded).toEqual([]);
}, 130_000);
