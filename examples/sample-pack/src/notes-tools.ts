import { type AlterContext, AlterTool, providerErrorCode } from '@alter/mcp';
import { ProviderApiError } from '@alter/vault';
import { z } from 'zod';
import { NOTES_SCOPES_BY_TOOL } from './notes-scopes.js';

const API = 'https://api.notes.example/v1';

const note = z.object({
  id: z.string().describe('Note id.'),
  title: z.string().describe('Note title.'),
  body: z.string().describe('Note text.'),
});
const listInput = z.object({
  limit: z.number().int().min(1).max(100).default(20).describe('How many notes to return at most (1–100), newest first.'),
});
const listOutput = z.object({ notes: z.array(note).describe("The user's notes, newest first.") });
const createInput = z.object({
  title: z.string().min(1).max(200).describe('Title of the new note.'),
  body: z.string().max(10_000).default('').describe('Text of the new note.'),
});

/** A note as the tools return it. */
export type Note = z.output<typeof note>;

/**
 * Returns the JSON of a successful answer, or throws a ProviderApiError that carries the status
 * and the service's error code only — never text echoed from the request.
 */
function ok<T>(res: { status: number; data: unknown; json<U>(): U }, operation: string): T {
  if (res.status >= 200 && res.status < 300) return res.json<T>();
  const code = providerErrorCode((res.data as { error?: unknown } | undefined)?.error);
  throw new ProviderApiError({ provider: 'notes', status: res.status, operation, providerError: code });
}

/**
 * Notes tools: `list_notes` (read) and `create_note` (write), as the signed-in user.
 * @example
 * ```ts
 * alter.register(server, [NotesTools]);
 * ```
 */
export class NotesTools {
  @AlterTool('notes', {
    name: 'list_notes',
    // Only this request: anything else is refused before the token is read.
    endpoints: ['GET https://api.notes.example/v1/notes'],
    description: "List the user's notes, newest first.",
    input: listInput,
    output: listOutput,
    scopes: [...NOTES_SCOPES_BY_TOOL.list_notes],
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  async listNotes(ctx: AlterContext, input: z.output<typeof listInput>): Promise<z.output<typeof listOutput>> {
    const res = await ctx.request('GET', `${API}/notes`, { queryParams: { limit: String(input.limit) }, reason: 'list notes' });
    return { notes: ok<{ notes: Note[] }>(res, 'Listing notes').notes };
  }

  @AlterTool('notes', {
    name: 'create_note',
    endpoints: ['POST https://api.notes.example/v1/notes'],
    description: 'Create a note with a title and a text.',
    input: createInput,
    output: note,
    scopes: [...NOTES_SCOPES_BY_TOOL.create_note],
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  })
  async createNote(ctx: AlterContext, input: z.output<typeof createInput>): Promise<Note> {
    const res = await ctx.request('POST', `${API}/notes`, { json: { title: input.title, body: input.body }, reason: 'create a note' });
    return ok<Note>(res, 'Creating a note');
  }
}
