import { PassThrough } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { commandIo } from '../../src/cli-io.js';
import { EscapingStream } from '../../src/output/escaping-stream.js';

function sink(tty?: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (tty !== undefined) stream.isTTY = tty;
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { stream, text: () => text };
}
const flush = () => new Promise((r) => setImmediate(r));

describe('EscapingStream', () => {
  it('escapes every control character but keeps line breaks, so help and tables still render', async () => {
    const s = sink();
    const out = new EscapingStream(s.stream);
    out.write('USER   ACCOUNT\nalice  mallory\x1b]0;pwned\x07\x1b[2J\n');
    out.write('progress\r overwritten\ttab\u009b\n');
    await flush();
    expect(s.text()).toBe('USER   ACCOUNT\nalice  mallory\\x1b]0;pwned\\x07\\x1b[2J\nprogress\\x0d overwritten\\x09tab\\x9b\n');
  });

  it('passes writes through at once, in order with writes made to the target directly', () => {
    const chunks: string[] = [];
    const target = new PassThrough({ decodeStrings: false, highWaterMark: 1 << 20 });
    const write = target.write.bind(target);
    target.write = ((chunk: string) => {
      chunks.push(chunk);
      return write(chunk);
    }) as typeof target.write;
    const out = new EscapingStream(target);
    out.write('one\x1b\n');
    target.write('{"raw":"two"}\n');
    out.write('three\n');
    expect(chunks).toEqual(['one\\x1b\n', '{"raw":"two"}\n', 'three\n']);
  });

  it('mirrors isTTY of its target', () => {
    expect(new EscapingStream(sink(true).stream).isTTY).toBe(true);
    expect(new EscapingStream(sink(false).stream).isTTY).toBe(false);
  });
});

describe('commandIo', () => {
  it('escapes stdout and stderr, and keeps the given streams as raw for JSON lines and CSV', async () => {
    const out = sink();
    const err = sink();
    const io = commandIo({ stdout: out.stream, stderr: err.stream, env: {}, cwd: '/' });
    io.stdout.write('a\x1b[2J\n');
    io.stderr.write('b\x07\n');
    io.raw.stdout.write('"c\\u001b"\r\n');
    await flush();
    expect(out.text()).toBe('a\\x1b[2J\n"c\\u001b"\r\n');
    expect(err.text()).toBe('b\\x07\n');
    expect(io.raw.stderr).toBe(err.stream);
  });
});
