/**
 * Reading and listening to an AbortSignal through AbortSignal.prototype and EventTarget.prototype,
 * not through the signal's own properties. Internal.
 *
 * Why: Node 20 gives every AbortSignal its own hidden class (the signal is an EventTarget whose
 * prototype is set after construction), so `signal.aborted` or `signal.addEventListener` at one
 * call site never hits V8's inline cache: every read goes to the runtime's property lookup
 * (about 1–3 µs each under load; the CPU profile of a tool call put `options.signal?.aborted`
 * among the largest lines of `AlterVault.request`). The prototype's getter and methods, read
 * once here, are the same functions the property read would find, called with the signal as
 * `this` (they validate it themselves), so the behaviour is identical: a subclass or a signal
 * from AbortSignal.any/timeout works the same.
 */
const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get;
const addListener = EventTarget.prototype.addEventListener;
const removeListener = EventTarget.prototype.removeEventListener;

/** `signal.aborted`. */
export const isAborted: (signal: AbortSignal) => boolean =
  abortedGetter === undefined ? (signal) => signal.aborted : (signal) => abortedGetter.call(signal) as boolean;

const ONCE = Object.freeze({ once: true });

/** `signal.addEventListener('abort', listener, { once: true })`. */
export function onAbort(signal: AbortSignal, listener: () => void): void {
  addListener.call(signal, 'abort', listener, ONCE);
}

/** `signal.removeEventListener('abort', listener)`. */
export function offAbort(signal: AbortSignal, listener: () => void): void {
  removeListener.call(signal, 'abort', listener);
}
