/**
 * Watches the caller's AbortSignal of every provider exchange in flight (`AlterVault.#send`) on one
 * shared timer, instead of an `abort` listener on each caller's signal. Internal.
 *
 * Why: the caller's signal of a tool call is the MCP SDK's, a fresh AbortSignal for every
 * `tools/call`, and on Node 20 the first listener on a fresh signal is dear: every signal has its
 * own hidden class, so `addEventListener` and `removeEventListener` miss every inline cache —
 * ≈ 3 µs of CPU for the pair on a fresh signal against ≈ 0.3 µs on one that is reused (a loop of
 * 200,000 on this machine), and `bench/side-profile.mjs` put the pair at ≈ 7 sampled µs of each
 * tool call, the largest item of the MCP layer after the runner itself. Reading `aborted` through
 * the prototype's getter (abort-signals.ts) costs next to nothing, so the exchanges in flight are
 * checked every {@link CALLER_ABORT_POLL_MS} ms instead: an abort ends its exchange within that
 * time (a `tools/call` cancellation crosses a network before it gets here; a request's abort is
 * checked once more before anything is sent, and its outcome is the same RequestAbortedError).
 *
 * The timer runs only while exchanges with a caller's signal are in flight: it stops at the first
 * tick that finds none, and it never keeps the process alive (unref: an exchange in flight does,
 * by its socket).
 */
import { isAborted } from './abort-signals.js';

/** How often the exchanges in flight are checked for their caller's abort (ms). */
export const CALLER_ABORT_POLL_MS = 10;

/** Each exchange's abort function and the caller's signal that ends it. */
const watched = new Map<() => void, AbortSignal>();
let timer: NodeJS.Timeout | undefined;

/** Calls `abort` (once) when `signal` aborts, checked every {@link CALLER_ABORT_POLL_MS} ms, until {@link unwatchCallerAbort}. */
export function watchCallerAbort(abort: () => void, signal: AbortSignal): void {
  watched.set(abort, signal);
  if (timer === undefined) {
    timer = setInterval(checkCallerAborts, CALLER_ABORT_POLL_MS);
    timer.unref();
  }
}

/** Stops watching the exchange of `abort` (it ended). */
export function unwatchCallerAbort(abort: () => void): void {
  watched.delete(abort);
}

/** True while the shared timer runs (tests: it must stop once nothing is in flight). */
export function callerAbortWatchRunning(): boolean {
  return timer !== undefined;
}

function checkCallerAborts(): void {
  if (watched.size === 0) {
    clearInterval(timer);
    timer = undefined;
    return;
  }
  for (const [abort, signal] of watched) {
    if (!isAborted(signal)) continue;
    // Deleted first: `abort` runs the exchange's own abort, which must happen only once.
    watched.delete(abort);
    abort();
  }
}
