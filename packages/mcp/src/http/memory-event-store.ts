/**
 * A bounded in-memory `EventStore` for ONE session, so a client whose SSE stream was closed (by
 * the server, `ctx.closeSseStream()`, or by the network) can reconnect with `Last-Event-ID` and
 * receive what it missed.
 *
 * One store per session, never shared: the SDK's transport replays the events after whatever
 * `Last-Event-ID` a client sends, without checking which session wrote them; a store shared by
 * all sessions would let one client read another's messages by sending an id it learned or
 * guessed. Event ids are also random (not counters) for the same reason.
 *
 * Bounded: the oldest events are dropped past `maxEvents`; a client resuming from a dropped id
 * gets nothing replayed (the SDK then answers with an error and the client re-requests).
 */
import { randomBytes } from 'node:crypto';
import type { EventStore, EventStoreMessage } from './event-store.js';

type StreamId = string;
type EventId = string;

interface StoredEvent {
  readonly streamId: StreamId;
  readonly message: EventStoreMessage;
}

/** The default event store of `serveHttp` (one per session). */
export class MemoryEventStore implements EventStore {
  readonly #events = new Map<EventId, StoredEvent>();
  readonly #maxEvents: number;

  constructor(maxEvents: number) {
    this.#maxEvents = maxEvents;
  }

  async storeEvent(streamId: StreamId, message: EventStoreMessage): Promise<EventId> {
    const id = `${randomBytes(12).toString('base64url')}`;
    this.#events.set(id, { streamId, message });
    // Map iteration order is insertion order: the first key is the oldest event.
    while (this.#events.size > this.#maxEvents) this.#events.delete(this.#events.keys().next().value!);
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.#events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: EventId,
    { send }: { send: (eventId: EventId, message: EventStoreMessage) => Promise<void> },
  ): Promise<StreamId> {
    const last = this.#events.get(lastEventId);
    if (!last) return '';
    let after = false;
    for (const [id, event] of this.#events) {
      if (id === lastEventId) {
        after = true;
        continue;
      }
      if (after && event.streamId === last.streamId) await send(id, event.message);
    }
    return last.streamId;
  }
}
