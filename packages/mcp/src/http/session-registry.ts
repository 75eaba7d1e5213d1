/**
 * The live Streamable HTTP sessions of one `serveHttp`: bounded in number, expired when idle.
 *
 * Idle: no HTTP request of the session in flight (an open SSE stream is a request in flight) for
 * `idleTimeoutMs`. A sweep on an unref'd timer closes idle sessions (transport and server), so an
 * abandoned client — one that went away without DELETE — costs memory for at most the timeout.
 *
 * The bound: when `maxSessions` are live and a new client initializes, the least-recently-used
 * IDLE session is closed to make room; only when every session has a request in flight is the new
 * client refused (HTTP 503, see serve-http.ts). Why evict rather than refuse: a refusal locks every
 * new client out until the oldest abandoned session times out (30 minutes by default), while an
 * evicted client that comes back gets 404 and, as the spec requires, initializes a new session —
 * nothing is lost but its negotiated state. Sessions in use are never evicted.
 *
 * Ownership: a session belongs to the caller that opened it (session-owner.ts). {@link get} is the
 * only way to a session and takes the caller, so no request reaches a session it does not own; to
 * anyone else the session does not exist (the same 404 as an unknown id, nothing to probe with).
 */
import type { Logger } from '@alter/vault';
import type { AuthInfo } from '../auth/oauth-types.js';
import { isSessionOwner, type SessionOwner } from './session-owner.js';

/** One session's parts the registry closes. */
export interface SessionResources {
  close(): Promise<void>;
}

interface Entry<T> {
  readonly resources: T;
  readonly owner: SessionOwner | undefined;
  lastActive: number;
  inFlight: number;
}

/** What {@link SessionRegistry.reserve} decided. */
export type Admission = 'admitted' | 'full';

/** The live sessions of one `serveHttp` (internal to it): admission, activity, expiry, eviction. */
export class SessionRegistry<T extends SessionResources> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #idleTimeoutMs: number;
  readonly #maxSessions: number;
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  /** Sessions being initialized (counted against the bound before they have an id). */
  #pending = 0;

  constructor(options: { idleTimeoutMs: number; maxSessions: number; logger: Logger }) {
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#maxSessions = options.maxSessions;
    this.#logger = options.logger;
    // Sweep often enough that a session lives at most ~1.5× its timeout; never keep the process alive.
    const every = Math.max(10, Math.min(Math.floor(options.idleTimeoutMs / 2), 60_000));
    this.#timer = setInterval(() => this.#sweep(), every);
    this.#timer.unref();
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Makes room for one new session (evicting the least-recently-used idle one when full).
   * On `'admitted'`, call {@link add} or {@link release} exactly once.
   */
  reserve(): Admission {
    if (this.#entries.size + this.#pending >= this.#maxSessions) {
      let victim: [string, Entry<T>] | undefined;
      for (const e of this.#entries) {
        if (e[1].inFlight === 0 && (!victim || e[1].lastActive < victim[1].lastActive)) victim = e;
      }
      if (!victim) return 'full';
      this.#logger.info('MCP session evicted: the session limit is reached and it was the least recently used idle one', {
        maxSessions: this.#maxSessions,
      });
      this.#drop(victim[0], victim[1]);
    }
    this.#pending += 1;
    return 'admitted';
  }

  /** Gives back a reservation that did not become a session (the initialize failed). */
  release(): void {
    this.#pending = Math.max(0, this.#pending - 1);
  }

  /** Turns a reservation into a live session, owned by the caller that opened it. */
  add(id: string, resources: T, owner: SessionOwner | undefined): void {
    this.release();
    this.#entries.set(id, { resources, owner, lastActive: Date.now(), inFlight: 0 });
  }

  /**
   * The live session `id` when `caller` (the request's verified auth, if any) opened it;
   * `undefined` when there is no such session or another user or client opened it.
   */
  get(id: string, caller: AuthInfo | undefined): T | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (!isSessionOwner(entry.owner, caller)) {
      // No ids in the log line: the session id is a bearer credential of its owner's.
      this.#logger.warn('MCP request refused: the session was opened by another user or client (answered as an unknown session)');
      return undefined;
    }
    return entry.resources;
  }

  /** Marks a request of session `id` in flight; call the returned function when it ends. */
  begin(id: string): () => void {
    const entry = this.#entries.get(id);
    if (!entry) return () => {};
    entry.inFlight += 1;
    entry.lastActive = Date.now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      entry.inFlight -= 1;
      entry.lastActive = Date.now();
    };
  }

  /** Forgets session `id` without closing it (it closed itself: DELETE or transport close). */
  forget(id: string): void {
    this.#entries.delete(id);
  }

  /** Closes every session and stops the sweep. */
  async closeAll(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(all.map((e) => e.resources.close().catch(() => {})));
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#idleTimeoutMs;
    for (const [id, entry] of this.#entries) {
      if (entry.inFlight === 0 && entry.lastActive <= cutoff) {
        this.#logger.debug('MCP session expired after being idle', { idleTimeoutMs: this.#idleTimeoutMs });
        this.#drop(id, entry);
      }
    }
  }

  #drop(id: string, entry: Entry<T>): void {
    this.#entries.delete(id);
    entry.resources.close().catch((err: unknown) => {
      this.#logger.warn('closing an MCP session failed', { error: (err as Error)?.name });
    });
  }
}
