// @alter/tools-google — every export here is public API. Add deliberately.
import { CalendarTools } from './calendar-tools.js';
import { GmailTools } from './gmail-tools.js';

export { CalendarTools } from './calendar-tools.js';
export type { CalendarEvent, CreateEventInput, ListEventsInput, ListEventsOutput } from './calendar-tools.js';
export { GmailTools } from './gmail-tools.js';
export type {
  GetEmailInput,
  GetEmailOutput,
  SearchEmailsInput,
  SearchEmailsOutput,
  SendEmailInput,
  SendEmailOutput,
  SummarizeInboxInput,
  SummarizeInboxOutput,
} from './gmail-tools.js';
export { googleManifest } from './google-manifest.js';
export { CALENDAR_EVENTS, CALENDAR_READONLY, GMAIL_READONLY, GMAIL_SEND, GOOGLE_SCOPES_BY_TOOL } from './google-scopes.js';
export type { GoogleToolName } from './google-scopes.js';
export type { ToolPackManifest } from '@alter/mcp';

/** Every tool class of the pack, for `alter.register(server, GoogleTools)`. */
export const GoogleTools = Object.freeze([GmailTools, CalendarTools] as const);
