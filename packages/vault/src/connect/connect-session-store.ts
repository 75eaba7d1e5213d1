/**
 * Reading and moving Connect session records in the store's kv (namespace `connect`), and telling
 * this process's listeners when one finishes. Every move is a compare-and-set (the state machine
 * is in connect-session-record.ts), so two callbacks or two processes never both win. A session
 * that settles here is also announced to the other processes sharing the store
 * (connect-completion-feed.ts). Every move that drops a flow from a record deletes that flow's
 * sealed secrets (connect-flow-secrets.ts), so they are single-use whichever move dropped them.
 */
import { EventEmitter } from 'node:events';
import { ConnectSessionError } from '../errors.js';
import type { ConnectCompletionFeed } from './connect-completion-feed.js';
import type { ConnectDeps } from './connect-deps.js';
import { ConnectFlowSecrets } from './connect-flow-secrets.js';
import {
  CONNECT_KV_NAMESPACE,
  type ConnectFlow,
  type ConnectSessionRecord,
  finish,
  isPastExpiry,
  kvExpiry,
  parseRecord,
  toResult,
} from './connect-session-record.js';
import type { ConnectResult } from './connect-types.js';

/** Events of `ConnectManager.on`: every session finishing in THIS process. */
export type ConnectEvent = 'complete' | 'failed';

const SESSION_ID = /^[A-Za-z0-9_-]{20,64}$/;

export class ConnectSessionStore {
  readonly #deps: ConnectDeps;
  readonly #feed: ConnectCompletionFeed;
  /** The sealed secrets of the records' flows. */
  readonly flowSecrets: ConnectFlowSecrets;
  // Annotated: the inferred `EventEmitter<[never]>` does not compile against newer @types/node.
  readonly events: EventEmitter = new EventEmitter();

  constructor(deps: ConnectDeps, feed: ConnectCompletionFeed) {
    this.#deps = deps;
    this.#feed = feed;
    this.flowSecrets = new ConnectFlowSecrets(deps);
    // Each waitFor() adds a listener; many concurrent waits are normal, not a leak.
    this.events.setMaxListeners(0);
  }

  /** Writes a new record; false when the id is taken. */
  async create(record: ConnectSessionRecord): Promise<boolean> {
    return this.#deps.store.kvCompareAndSet(CONNECT_KV_NAMESPACE, record.id, 0, JSON.stringify(record), kvExpiry(record));
  }

  async load(id: string): Promise<ConnectSessionRecord | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    await this.#deps.ready?.();
    const entry = await this.#deps.store.kvGet(CONNECT_KV_NAMESPACE, id);
    return entry ? parseRecord(entry.value) : undefined;
  }

  /**
   * Read-modify-write with compare-and-set, retried on contention. `change` returns the new record,
   * or undefined to leave it alone (then this resolves undefined).
   */
  async mutate(
    id: string,
    change: (current: ConnectSessionRecord) => ConnectSessionRecord | undefined,
  ): Promise<ConnectSessionRecord | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const entry = await this.#deps.store.kvGet(CONNECT_KV_NAMESPACE, id);
      if (!entry) return undefined;
      const current = parseRecord(entry.value);
      const next = change(current);
      if (!next) return undefined;
      if (await this.#deps.store.kvCompareAndSet(CONNECT_KV_NAMESPACE, id, entry.version, JSON.stringify(next), kvExpiry(next))) {
        const kept = new Set((next.flows ?? []).map((f) => f.state));
        const dropped = (current.flows ?? []).filter((f) => !kept.has(f.state));
        await this.discardFlowSecrets(id, dropped);
        return next;
      }
    }
    throw new ConnectSessionError('used', 'The Connect session is being changed concurrently; try again.');
  }

  /**
   * Deletes the sealed secrets of `flows` of session `id`, flows no record holds (any more). Never
   * throws: the move that dropped them is done, and a leftover entry is useless without its flow
   * and expires with the session.
   */
  async discardFlowSecrets(id: string, flows: readonly ConnectFlow[]): Promise<void> {
    if (flows.length === 0) return;
    try {
      await this.flowSecrets.discard(flows);
    } catch (err) {
      this.#deps.logger.warn('connect: could not delete the secrets of finished flows; they expire with the session', {
        session: shortId(id),
        error: errorCode(err),
      });
    }
  }

  async fail(id: string, reason: string, message: string): Promise<void> {
    const failed = await this.mutate(id, (current) => finish(current, 'failed', { reason, message }));
    if (failed) this.emit(failed);
  }

  async expire(id: string): Promise<ConnectSessionRecord | undefined> {
    const expired = await this.mutate(id, (current) =>
      isPastExpiry(current)
        ? finish(current, 'expired', { reason: 'expired', message: 'The Connect session expired before it was completed.' })
        : undefined,
    );
    if (expired) this.emit(expired);
    return expired;
  }

  /** Tells this process's listeners and waiters, and the other processes' waiters, that `record` settled. */
  emit(record: ConnectSessionRecord): void {
    this.#feed.announce(record.id);
    const result: ConnectResult = toResult(record);
    this.events.emit(`settled:${record.id}`, result);
    const event: ConnectEvent = result.status === 'complete' ? 'complete' : 'failed';
    try {
      this.events.emit(event, result);
    } catch (err) {
      this.#deps.logger.error(`connect: a '${event}' listener threw`, { error: errorCode(err) });
    }
  }
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.name : 'unknown';
}
