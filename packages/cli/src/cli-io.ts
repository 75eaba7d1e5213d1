/**
 * Where a command reads its environment and writes its output. `bin.ts` passes the process's own;
 * keeping it an object means nothing in a command touches `process` directly.
 */
import { once } from 'node:events';
import { EscapingStream } from './output/escaping-stream.js';
import { escapeControl } from './output/sanitize.js';

/** The streams, environment and working directory a command runs with. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** For confirmation prompts; only read when it is a terminal. */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Fires when the user interrupts (Ctrl-C); long-running commands stop and clean up. */
  readonly signal?: AbortSignal;
}

/**
 * What a command writes through. `stdout` and `stderr` are for people: they show control
 * characters escaped (`\x1b`), line breaks kept, because stored values and argv in a line could
 * otherwise rewrite the operator's terminal. `raw` is the streams as given, for output whose
 * format already escapes or must stay byte-exact: JSON lines, CSV, and the terminal controls of
 * {@link Progress}, {@link RunningCount} and prompts — each of which escapes any text it adds.
 */
export interface CommandIo extends CliIo {
  readonly raw: { readonly stdout: CliIo['stdout']; readonly stderr: CliIo['stderr'] };
}

/** Wraps the io `run()` was given so that human-readable output is escaped by default. */
export function commandIo(io: CliIo): CommandIo {
  return {
    ...io,
    stdout: new EscapingStream(io.stdout),
    stderr: new EscapingStream(io.stderr),
    raw: { stdout: io.stdout, stderr: io.stderr },
  };
}

/**
 * Writes to a stream and waits for it to drain when its buffer is full, so exporting millions of
 * audit rows to a slow pipe keeps memory flat.
 */
export async function write(stream: NodeJS.WritableStream, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/**
 * Progress for long work, on stderr so stdout stays clean for data. On a terminal one line is
 * rewritten in place; otherwise (a pipe, a CI log) a line is printed every `every` items. Give it
 * the raw stderr (`io.raw.stderr`): its `\r` must reach the terminal, so it escapes its own text.
 */
export class Progress {
  private count = 0;
  private lastPrinted = 0;
  private readonly tty: boolean;
  private readonly label: string;

  constructor(
    private readonly stderr: CliIo['stderr'],
    label: string,
    private readonly every = 10_000,
  ) {
    this.tty = stderr.isTTY === true;
    this.label = escapeControl(label);
  }

  /** Adds `n` processed items and reports when due. */
  add(n: number): void {
    this.count += n;
    if (this.tty) {
      this.stderr.write(`\r${this.label}: ${this.count}`);
    } else if (this.count - this.lastPrinted >= this.every) {
      this.lastPrinted = this.count;
      this.stderr.write(`${this.label}: ${this.count}\n`);
    }
  }

  get total(): number {
    return this.count;
  }

  /** Prints the final line (`<label>: <n> <suffix>`). */
  done(suffix: string): void {
    const text = `${this.label}: ${this.count} ${escapeControl(suffix)}`;
    this.stderr.write(this.tty ? `\r${text}\n` : `${text}\n`);
  }
}

/**
 * A running count from a callback (such as `vault.audit.verify({ onProgress })`), on stderr so
 * stdout stays clean. On a terminal one line is rewritten on every update and cleared by
 * {@link RunningCount.finish}, so the result line that follows stands alone. Otherwise (a pipe, a
 * CI log) an update prints a line only when `minIntervalMs` has passed since the last printed one
 * — the first update prints at once — and `finish()` prints the final count if the throttle held
 * it back, so a log always ends with the real total. Give it the raw stderr (`io.raw.stderr`): its
 * `\r` and erase-line controls must reach the terminal, so it escapes the text it is given.
 */
export class RunningCount {
  private last: number | undefined;
  private printedCount: number | undefined;
  private printedAt = Number.NEGATIVE_INFINITY;
  private readonly tty: boolean;
  private readonly text: (count: number) => string;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly stderr: CliIo['stderr'],
    text: (count: number) => string,
    options: { minIntervalMs?: number; now?: () => number } = {},
  ) {
    this.text = (count) => escapeControl(text(count));
    this.tty = stderr.isTTY === true;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.now = options.now ?? Date.now;
    // Immediate feedback on a terminal while the store opens and the first page loads.
    if (this.tty) this.stderr.write(`\r${this.text(0)}`);
  }

  /** Reports the count so far. */
  update(count: number): void {
    this.last = count;
    if (this.tty) {
      this.stderr.write(`\r${this.text(count)}\x1b[K`);
      return;
    }
    const at = this.now();
    if (at - this.printedAt >= this.minIntervalMs) this.print(count, at);
  }

  /** Ends the display: clears the terminal line, or prints the final count if it was held back. */
  finish(): void {
    if (this.tty) this.stderr.write('\r\x1b[K');
    else if (this.last !== undefined && this.printedCount !== this.last) this.print(this.last, this.now());
  }

  private print(count: number, at: number): void {
    this.printedCount = count;
    this.printedAt = at;
    this.stderr.write(`${this.text(count)}\n`);
  }
}
