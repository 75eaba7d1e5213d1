import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { Progress } from '../../src/cli-io.js';

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
