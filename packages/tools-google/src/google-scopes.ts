/**
 * The Google OAuth scopes the pack's tools need, per tool. One source of truth: the decorators
 * and {@link googleManifest} both read this table, so the manifest cannot drift from the tools.
 */

/** Read messages and settings (Gmail). */
export const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
/** Send messages only; no read or delete (Gmail). */
export const GMAIL_SEND = 'https://www.googleapis.com/auth/gmail.send';
/** Read calendars and events (Calendar). */
export const CALENDAR_READONLY = 'https://www.googleapis.com/auth/calendar.readonly';
/** Read and write events on the user's calendars (Calendar). */
export const CALENDAR_EVENTS = 'https://www.googleapis.com/auth/calendar.events';

/** Tool name (as registered, before any prefix) → the scopes it needs. */
export const GOOGLE_SCOPES_BY_TOOL = Object.freeze({
  search_emails: Object.freeze([GMAIL_READONLY]),
  get_email: Object.freeze([GMAIL_READONLY]),
  summarize_inbox: Object.freeze([GMAIL_READONLY]),
  send_email: Object.freeze([GMAIL_SEND]),
  list_events: Object.freeze([CALENDAR_READONLY]),
  create_event: Object.freeze([CALENDAR_EVENTS]),
} as const);

/** Names of the tools in @alter/tools-google. */
export type GoogleToolName = keyof typeof GOOGLE_SCOPES_BY_TOOL;
