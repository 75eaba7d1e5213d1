/**
 * The AbortControllers of provider exchanges (`AlterVault.#send`), reused from one exchange to the
 * next. Internal.
 *
 * Why: on Node 20 making an AbortSignal is one of the dearest things a request does — every signal
 * gets its own hidden class, so `controller.signal` cost ≈ 4 µs of CPU in a loop of them, and the
 * first listener on a fresh signal (axios adds one to every exchange) ≈ 2–3 µs more, against
 * ≈ 0.7 µs for an add and remove on a signal that already existed (`bench/side-profile.mjs` put
 * the signal's creation at ≈ 7 sampled µs per call, the largest item of `vault.request()` after the
 * audit row and the URL parse).
 *
 * A controller is reused only when nothing can tell it from a new one: its signal never aborted,
 * and no listener is left on it — checked when it is taken, not when it is handed back, because
 * axios removes its own listener only when the response stream has finished, which may be a tick
 * after the exchange returned. A controller that fails the check is dropped. Only `#send` holds a
 * controller (its timer is cleared and its caller-abort watch ended before it is handed back), so no
 * one can abort a controller once it is idle; it hands each one back once.
 */
import { getEventListeners } from 'node:events';
import { isAborted } from './abort-signals.js';

/** Idle controllers kept at most: about the exchanges a process has in flight at once. */
const IDLE_LIMIT = 64;
const idle: AbortController[] = [];

/** A controller whose signal has not aborted and has no listener: an idle one when there is one, else a new one. */
export function takeExchangeController(): AbortController {
  for (let controller = idle.pop(); controller !== undefined; controller = idle.pop()) {
    const signal = controller.signal;
    if (!isAborted(signal) && getEventListeners(signal, 'abort').length === 0) return controller;
  }
  return new AbortController();
}

/**
 * Hands back the controller of an exchange that ended; call once per {@link takeExchangeController},
 * after clearing everything of the exchange that could abort it. An aborted one is dropped at once.
 */
export function releaseExchangeController(controller: AbortController): void {
  if (idle.length < IDLE_LIMIT && !isAborted(controller.signal)) idle.push(controller);
}
