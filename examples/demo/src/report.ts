/**
 * The demo's console output: numbered steps, indented details, and one failure line, every line
 * within {@link WIDTH} columns (long text wraps at spaces; tables fit themselves with {@link fit}).
 */

/** The widest line the demo prints, in terminal columns. */
export const WIDTH = 100;
const INDENT = '      ';

const useColor = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint('1');
export const dim = paint('2');
export const green = paint('32');
export const red = paint('31');
export const cyan = paint('36');

/** Runs numbered steps; the first failing step stops the run. */
export class Report {
  readonly #total: number;
  #n = 0;

  constructor(total: number) {
    this.#total = total;
  }

  /** Prints the step title, runs it, and returns its value. A throw propagates (main exits 1). */
  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.#n += 1;
    console.log();
    print(`${bold(`[${this.#n}/${this.#total}]`)} ${title}`, '      ');
    try {
      return await fn();
    } catch (err) {
      throw new StepFailedError(this.#n, title, err);
    }
  }

  /** An indented detail line under the current step. */
  detail(text: string): void {
    for (const line of text.split('\n')) print(`${INDENT}${line}`, `${INDENT}  `);
  }

  ok(text: string): void {
    print(`${INDENT}${green('✓')} ${text}`, `${INDENT}  `);
  }

  /** The columns a detail line has after its indent. */
  get detailWidth(): number {
    return WIDTH - INDENT.length;
  }
}

/** Why the demo stopped. */
export class StepFailedError extends Error {
  readonly step: number;
  constructor(step: number, title: string, cause: unknown) {
    super(`step ${step} (${title}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StepFailedError';
    this.step = step;
  }
}

/** Throws when `condition` is false: the demo checks what it shows. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Terminal columns of `s`: colour codes take none, each code point one. */
export function columns(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC of colour codes is the point
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** `s` in at most `width` columns: the middle gives way to `…`, so both ends stay readable. */
export function fit(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  const head = Math.ceil((width - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (width - 1 - head)).join('')}`;
}

/** Prints `line`, wrapped at spaces to {@link WIDTH} columns; continuation lines start with `indent`. */
function print(line: string, indent: string): void {
  if (columns(line) <= WIDTH) {
    console.log(line);
    return;
  }
  let current = '';
  for (const word of line.split(/(?<=\S) (?=\S)/)) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (current !== '' && columns(candidate) > WIDTH) {
      console.log(current);
      current = `${indent}${word}`;
    } else {
      current = candidate;
    }
  }
  // A single word wider than the line (none of the demo's are) is cut rather than overflowing.
  console.log(columns(current) <= WIDTH ? current : fit(current, WIDTH));
}
