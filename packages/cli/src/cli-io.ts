/**
 * Where a command reads its environment and writes its output. `bin.ts` passes the process's own;
 * keeping it an object means nothing in a command touches `process` directly.
 */
import { once } from 'node:events';

/** The streams, environment and working directory a command runs with. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Fires when the user interrupts (Ctrl-C); long-running commands stop and clean up. */
  readonly signal?: AbortSignal;
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
 * rewritten in place; otherwise (a pipe, a CI log) a line is printed every `every` items.
 */
export class Progress {
  private count = 0;
  private lastPrinted = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stderr: CliIo['stderr'],
    private readonly label: string,
    private readonly every = 10_000,
  ) {
    this.tty = stderr.isTTY === true;
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
    const text = `${this.label}: ${this.count} ${suffix}`;
    this.stderr.write(this.tty ? `\r${text}\n` : `${text}\n`);
  }
}
