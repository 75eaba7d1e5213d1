/**
 * The heap stays flat over many tool calls (issue #15, "keep what is good"): a child process with
 * --expose-gc makes 10,000 tool calls, each doing ctx.request with the audit on (SQLite), through
 * the SDK's real Client, and reports heapUsed after a full GC before and after them. A per-call
 * leak (contexts, secret trackers, audit rows, cached templates) would grow it by far more than
 * the bound; nothing here is timed. Needs built output (`pnpm build`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from '@jest/globals';

const here = path.dirname(fileURLToPath(import.meta.url));

it('keeps heapUsed (after GC) within 8 MB over 10,000 tool calls with the audit on', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(here, '..', 'fixtures', 'heap-calls.mjs')], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`heap child failed (${r.status ?? r.signal}): ${r.stderr.slice(0, 2_000)}`);
  const { before, after, calls } = JSON.parse(r.stdout) as { before: number; after: number; calls: number };
  expect(calls).toBe(10_000);
  // Per call that is < 840 bytes: a leak of one context, audit row or tracker per call is larger.
  expect(after - before).toBeLessThan(8 * 1024 * 1024);
}, 660_000);
