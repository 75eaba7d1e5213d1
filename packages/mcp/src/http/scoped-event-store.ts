/**
 * Confines a user-supplied `EventStore` (shared by every session of a `serveHttp`) to one session.
 *
 * The SDK's transport replays the events after whatever `Last-Event-ID` a client sends, without
 * checking which session stored them, and names every session's standalone stream `_GET_stream`.
 * Shared as is, a store would let one client resume another's stream. Stream ids are stored under
 * the session's id, and an event id of another session resumes nothing.
 */
import type { EventStore } from './event-store.js';
import { ServeError } from '../errors.js';

/** @throws ServeError when the store cannot tell which stream an event id belongs to. */
export function assertScopable(store: EventStore): void {
  if (typeof store.getStreamIdForEventId !== 'function') {
    throw new ServeError(
      "serveHttp: options.eventStore must implement getStreamIdForEventId(eventId), so serveHttp can refuse to replay one session's events to another. Implement it, or omit eventStore to use the bounded in-memory store per session.",
    );
  }
}

/** `store` as seen by session `sessionId`. */
export function scopeEventStore(store: EventStore, sessionId: string): EventStore {
  const prefix = `${sessionId}|`;
  const own = async (eventId: string): Promise<string | undefined> => {
    const streamId = await store.getStreamIdForEventId!(eventId);
    return streamId?.startsWith(prefix) ? streamId.slice(prefix.length) : undefined;
  };
  return {
    storeEvent: (streamId, message) => store.storeEvent(prefix + streamId, message),
    getStreamIdForEventId: own,
    async replayEventsAfter(lastEventId, { send }) {
      if ((await own(lastEventId)) === undefined) return '';
      const streamId = await store.replayEventsAfter(lastEventId, { send });
      return streamId.startsWith(prefix) ? streamId.slice(prefix.length) : streamId;
    },
  };
}
