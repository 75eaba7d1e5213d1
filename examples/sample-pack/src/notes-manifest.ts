import { defineManifest, type ToolPackManifest } from '@alter/mcp';
import { NOTES_SCOPES_BY_TOOL, type NotesToolName } from './notes-scopes.js';

/** The real API host the pack's requests go to (the vault sends the token there only). */
export const NOTES_API_HOST = 'api.notes.example';

/**
 * The manifest of the pack: provider `notes`, its host, and the scopes of each tool. A server
 * passes `notesManifest.allScopes` to Connect; the pack's tests check the tools against it.
 */
export const notesManifest: ToolPackManifest<NotesToolName> = defineManifest('notes', [NOTES_API_HOST], NOTES_SCOPES_BY_TOOL);
