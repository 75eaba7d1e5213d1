/**
 * A fixed-window request counter per key, in memory, with a bound on how many keys it tracks (an
 * attacker choosing keys — client ids, hosts — must not grow it without limit). Per process: with
 * several processes behind a balancer each enforces its own window, so the effective limit is
 * the sum; put a shared limiter in front (the proxy) when that matters.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A limit: at most `max` events per `windowSec` seconds. */
export interface RateLimit {
  readonly max: number;
  readonly windowSec: number;
}

/** The answer of {@link RateLimiter.take}. */
export type RateLimitDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSec: number };

const DEFAULT_MAX_KEYS = 10_000;

/** Counts events per key in fixed windows. */
export class RateLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(limit: RateLimit, options: { maxKeys?: number } = {}) {
    this.#max = limit.max;
    this.#windowMs = limit.windowSec * 1000;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /** Counts one event for `key`; refuses it (counting nothing) when the key's window is full. */
  take(key: string): RateLimitDecision {
    const now = Date.now();
    let window = this.#windows.get(key);
    if (!window || now - window.start >= this.#windowMs) {
      if (!window) this.#makeRoom(now);
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    if (window.count >= this.#max) {
      return { allowed: false, retryAfterSec: Math.max(1, Math.ceil((window.start + this.#windowMs - now) / 1000)) };
    }
    window.count++;
    return { allowed: true };
  }

  #makeRoom(now: number): void {
    if (this.#windows.size < this.#maxKeys) return;
    for (const [key, w] of this.#windows) if (now - w.start >= this.#windowMs) this.#windows.delete(key);
    // Still full of live windows: forget the oldest. That key starts afresh — a bounded leak
    // (one window's worth) in exchange for bounded memory.
    while (this.#windows.size >= this.#maxKeys) {
      const oldest = this.#windows.keys().next();
      if (oldest.done) break;
      this.#windows.delete(oldest.value);
    }
  }
}

/**
 * Express middleware answering 429 (OAuth-style JSON, `Retry-After`) once the client address
 * (`req.ip`, which honours express's `trust proxy`) exceeds `limit`.
 */
export function rateLimitByClientAddress(limit: RateLimit, endpoint: string): RequestHandler {
  const limiter = new RateLimiter(limit);
  return (req: Request, res: Response, next: NextFunction) => {
    const decision = limiter.take(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    if (decision.allowed) return next();
    res.setHeader('Retry-After', String(decision.retryAfterSec));
    res.setHeader('Cache-Control', 'no-store');
    res.status(429).json({
      error: 'too_many_requests',
      error_description: `Too many ${endpoint} requests from this address; retry in ${decision.retryAfterSec} s.`,
    });
  };
}
