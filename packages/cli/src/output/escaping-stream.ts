/**
 * The stream a command's human-readable output goes through. Values from outside (provider
 * account names, user ids, argv, error messages listing stored accounts) end up in many lines;
 * escaping them here, once, means a new line of output cannot forget to.
 */
import { Writable } from 'node:stream';
import { escapeControlPerLine } from './sanitize.js';

/**
 * Forwards everything written to `target` with control characters escaped, line breaks kept
 * ({@link escapeControlPerLine}). Writes pass through synchronously while `target` accepts them,
 * so lines keep their order with anything written to `target` directly; when `target` is full the
 * next write waits for its `drain`, and `write()` here returns false as usual.
 */
export class EscapingStream extends Writable {
  /** Mirrors the target: a command may still ask whether it talks to a terminal. */
  readonly isTTY: boolean | undefined;

  constructor(private readonly target: NodeJS.WritableStream & { isTTY?: boolean }) {
    super({ decodeStrings: false });
    this.isTTY = target.isTTY;
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.target.write(escapeControlPerLine(text))) callback();
    else this.target.once('drain', () => callback());
  }
}
