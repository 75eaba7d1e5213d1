/** The demo's console output: numbered steps, indented details, and one failure line. */

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
    console.log(`\n${bold(`[${this.#n}/${this.#total}]`)} ${title}`);
    try {
      return await fn();
    } catch (err) {
      throw new StepFailedError(this.#n, title, err);
    }
  }

  /** An indented detail line under the current step. */
  detail(text: string): void {
    for (const line of text.split('\n')) console.log(`      ${line}`);
  }

  ok(text: string): void {
    console.log(`      ${green('✓')} ${text}`);
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
