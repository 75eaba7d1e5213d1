/** Read the user's notes. */
export const NOTES_READ = 'notes:read';
/** Create notes as the user. */
export const NOTES_WRITE = 'notes:write';

/** Tool name (before any prefix) → the scopes it needs: the narrowest that works. */
export const NOTES_SCOPES_BY_TOOL = Object.freeze({
  list_notes: Object.freeze([NOTES_READ]),
  create_note: Object.freeze([NOTES_WRITE]),
} as const);

/** Names of the tools in this pack. */
export type NotesToolName = keyof typeof NOTES_SCOPES_BY_TOOL;
