/**
 * The HTTP requests serveHttp is still answering, so `close()` can let them finish before it
 * closes the sessions and the vault (a tool call cut off mid-way aborts its provider request,
 * which for a POST may already have taken effect, and leaves the client waiting for its timeout).
 *
 * Every request counts from arrival until its response closes, except long-lived streams that
 * carry no answer anyone waits for — the standalone SSE stream (GET) of a session and a 2026
 * `subscriptions/listen` — which the MCP endpoint marks with {@link RequestDrain.exempt}: they end
 * only when the client leaves, so waiting for them would make every shutdown last the whole grace
 * period. Once {@link RequestDrain.drain} began, requests that still arrive (on a connection kept
 * alive from before) are refused with 503 and `Connection: close`.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { refuseWhileShuttingDown } from './shutdown-answers.js';

/** True for requests that open a stream living as long as the client wants (not work to drain). */
export function opensLongLivedStream(req: IncomingMessage & { body?: unknown }): boolean {
  if (req.method === 'GET') return true;
  const body = req.body;
  return (
    req.method === 'POST' && typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'subscriptions/listen'
  );
}

/** The in-flight requests of one serveHttp (internal to it). */
export class RequestDrain {
  readonly #inFlight = new Map<ServerResponse, IncomingMessage>();
  #draining = false;
  /** Wakes {@link drain} when a request ends. */
  #onSettled: (() => void) | undefined;

  /** Wraps the app's request listener: counts each request, and refuses new ones once draining. */
  listener(app: RequestListener): RequestListener {
    return (req, res) => {
      if (this.#draining) {
        refuseWhileShuttingDown(res);
        return;
      }
      this.#inFlight.set(res, req);
      // `close` follows both a completed response and a connection that went away.
      res.once('close', () => this.exempt(res));
      app(req, res);
    };
  }

  /** Stops waiting for `res` (a long-lived stream, or an ended response). */
  exempt(res: ServerResponse): void {
    if (this.#inFlight.delete(res) && this.#inFlight.size === 0) this.#onSettled?.();
  }

  /**
   * Refuses new requests from now on and waits until none is in flight, at most `graceMs`.
   * Resolves with the requests still in flight when the grace ran out (empty when all finished).
   */
  async drain(graceMs: number): Promise<Array<[IncomingMessage, ServerResponse]>> {
    this.#draining = true;
    // Answers not yet begun close their connection after them: no next request comes on it.
    for (const res of this.#inFlight.keys()) if (!res.headersSent) res.setHeader('connection', 'close');
    if (this.#inFlight.size > 0 && graceMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.#onSettled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#onSettled = undefined;
    }
    return [...this.#inFlight].map(([res, req]) => [req, res]);
  }
}
