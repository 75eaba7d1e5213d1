// @acme/alter-tools-notes — every export is public API.
export { NotesTools, type Note } from './notes-tools.js';
export { NOTES_API_HOST, notesManifest } from './notes-manifest.js';
export { NOTES_READ, NOTES_SCOPES_BY_TOOL, NOTES_WRITE, type NotesToolName } from './notes-scopes.js';
