import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { Progress, RunningCount } from '../../src/cli-io.js';

function sink(tty: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  stream.isTTY = tty;
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}

describe('Progress', () => {
  it('prints a line every N items on a pipe, then the total', async () => {
    const s = sink(false);
    const p = new Progress(s.stream, 'exported', 1000);
    for (let i = 0; i < 25; i++) p.add(100);
    p.done('rows');
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe('exported: 1000\nexported: 2000\nexported: 2500 rows\n');
    expect(p.total).toBe(2500);
  });

  it('rewrites one line on a terminal', async () => {
    const s = sink(true);
    const p = new Progress(s.stream, 'exported', 1000);
    p.add(5);
    p.add(5);
    p.done('rows');
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe('\rexported: 5\rexported: 10\rexported: 10 rows\n');
  });
});

describe('RunningCount', () => {
  const text = (n: number) => `checked: ${n}`;
  const flush = () => new Promise((r) => setImmediate(r));

  it('on a pipe prints at most one line per interval, then the held-back final count', async () => {
    const s = sink(false);
    let now = 0;
    const c = new RunningCount(s.stream, text, { minIntervalMs: 1_000, now: () => now });
    c.update(1_000); // first update prints at once
    now = 400;
    c.update(2_000); // held back
    now = 1_000;
    c.update(3_000); // a second has passed
    now = 1_500;
    c.update(3_500); // held back: finish prints it
    c.finish();
    await flush();
    expect(s.text()).toBe('checked: 1000\nchecked: 3000\nchecked: 3500\n');
  });

  it('on a pipe prints the final count once, and nothing without updates', async () => {
    const printed = sink(false);
    const c = new RunningCount(printed.stream, text, { now: () => 0 });
    c.update(7);
    c.finish();
    const silent = sink(false);
    new RunningCount(silent.stream, text).finish();
    await flush();
    expect(printed.text()).toBe('checked: 7\n');
    expect(silent.text()).toBe('');
  });

  it('on a terminal rewrites one line on every update and clears it at the end', async () => {
    const s = sink(true);
    const c = new RunningCount(s.stream, text, { now: () => 0 });
    c.update(1_000);
    c.update(2_000);
    c.finish();
    await flush();
    expect(s.text()).toBe('\rchecked: 0\rchecked: 1000\x1b[K\rchecked: 2000\x1b[K\r\x1b[K');
  });
});
