/**
 * The event store `serveHttp` accepts for resumable SSE streams (`options.eventStore`), declared
 * here rather than imported from the SDK: an app that installs only SDK v2 (`@modelcontextprotocol/server`)
 * has no `@modelcontextprotocol/sdk/server/streamableHttp.js`, and a published declaration importing
 * it would not compile there (TS2307 with `skipLibCheck: false`).
 *
 * It is the SDK's `EventStore` contract, member for member: a store written against
 * `import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js'` fits it,
 * and serveHttp hands it to the SDK's transport (scoped per session, see scoped-event-store.ts).
 */

/** A JSON-RPC message as the store sees it: stored as given, handed back unchanged on replay. */
export interface EventStoreMessage {
  readonly jsonrpc: '2.0';
  readonly [member: string]: unknown;
}

/**
 * Stores the events of SSE streams so a client can resume one with `Last-Event-ID`.
 * @example
 * const events = new Map<string, { streamId: string; message: EventStoreMessage }>();
 * const store: EventStore = {
 *   async storeEvent(streamId, message) {
 *     const id = `${streamId}:${events.size}`;
 *     events.set(id, { streamId, message });
 *     return id;
 *   },
 *   async getStreamIdForEventId(eventId) {
 *     return events.get(eventId)?.streamId;
 *   },
 *   async replayEventsAfter(lastEventId, { send }) {
 *     const streamId = events.get(lastEventId)?.streamId ?? '';
 *     let after = false;
 *     for (const [id, event] of events) {
 *       if (after && event.streamId === streamId) await send(id, event.message);
 *       if (id === lastEventId) after = true;
 *     }
 *     return streamId;
 *   },
 * };
 */
export interface EventStore {
  /** Stores `message`, sent on stream `streamId`; returns the new event's id. */
  storeEvent(streamId: string, message: EventStoreMessage): Promise<string>;
  /**
   * The stream an event id belongs to (`undefined` when unknown). Optional in the SDK, required by
   * `serveHttp` for a store shared by all sessions: it is how one session's events are kept from another.
   */
  getStreamIdForEventId?(eventId: string): Promise<string | undefined>;
  /** Sends every event of `lastEventId`'s stream stored after it, in order; returns that stream's id. */
  replayEventsAfter(
    lastEventId: string,
    options: { send: (eventId: string, message: EventStoreMessage) => Promise<void> },
  ): Promise<string>;
}
