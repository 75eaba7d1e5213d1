/**
 * The exchange controllers' pool (internal/exchange-controllers.ts): a controller comes back only
 * when nothing can tell it from a new one — never aborted, no listener left — so reusing it can
 * neither cancel another exchange nor carry one exchange's listener into the next.
 */
import { describe, expect, it } from '@jest/globals';
import { releaseExchangeController, takeExchangeController } from '../src/internal/exchange-controllers.js';

/** Empties the pool, so each test starts from nothing idle. */
function drain(): void {
  const taken: AbortController[] = [];
  for (let i = 0; i < 100; i++) taken.push(takeExchangeController());
}

describe('exchange controllers', () => {
  it('hands a released, clean controller to the next exchange', () => {
    drain();
    const first = takeExchangeController();
    first.signal.addEventListener('abort', () => {});
    const listener = () => {};
    first.signal.addEventListener('abort', listener);
    first.signal.removeEventListener('abort', listener);
    releaseExchangeController(first);
    // One listener is still attached: not reusable.
    expect(takeExchangeController()).not.toBe(first);

    const clean = takeExchangeController();
    const used = () => {};
    clean.signal.addEventListener('abort', used, { once: true });
    clean.signal.removeEventListener('abort', used);
    releaseExchangeController(clean);
    const again = takeExchangeController();
    expect(again).toBe(clean);
    expect(again.signal.aborted).toBe(false);
  });

  it('never hands out an aborted controller, whether it aborted before or after it was released', () => {
    drain();
    const timedOut = takeExchangeController();
    timedOut.abort();
    releaseExchangeController(timedOut);
    expect(takeExchangeController()).not.toBe(timedOut);

    const late = takeExchangeController();
    releaseExchangeController(late);
    late.abort(); // only #send holds a controller, and it clears everything first; checked anyway
    const next = takeExchangeController();
    expect(next).not.toBe(late);
    expect(next.signal.aborted).toBe(false);
  });

  it('a listener left by an earlier exchange is not kept: the controller is dropped, not cleaned', () => {
    drain();
    const c = takeExchangeController();
    let fired = 0;
    c.signal.addEventListener('abort', () => {
      fired += 1;
    });
    releaseExchangeController(c);
    const other = takeExchangeController();
    expect(other).not.toBe(c);
    other.abort();
    expect(fired).toBe(0);
  });

  it('keeps at most 64 idle controllers', () => {
    drain();
    const many = Array.from({ length: 100 }, () => takeExchangeController());
    for (const c of many) releaseExchangeController(c);
    const back = new Set(many);
    let reused = 0;
    for (let i = 0; i < 100; i++) if (back.has(takeExchangeController())) reused += 1;
    expect(reused).toBe(64);
  });
});
