/**
 * A fake Acme Notes API for the sandbox: what the real service would answer, kept in memory per
 * user. The sandbox checks each request's Bearer token (issued by its OAuth server to the `notes`
 * client, not expired, not revoked) and the route's scopes before a handler runs, so the handlers
 * only hold the service's logic.
 */
import type { SandboxService } from '@alter/testing';
import { NOTES_API_HOST, NOTES_READ, NOTES_WRITE, type Note } from '../src/index.js';

/** The fake service plus its state, for seeding and inspecting in tests. */
export interface FakeNotes {
  readonly service: SandboxService;
  /** Notes by sandbox login, newest first. */
  readonly byLogin: Map<string, Note[]>;
}

export function fakeNotes(): FakeNotes {
  const byLogin = new Map<string, Note[]>([['alice', [{ id: 'n1', title: 'Groceries', body: 'milk, eggs' }]]]);
  let next = 2;
  const service: SandboxService = {
    id: 'notes',
    displayName: 'Acme Notes (sandbox)',
    hosts: [NOTES_API_HOST],
    scopes: [NOTES_READ, NOTES_WRITE],
    routes: [
      {
        method: 'GET',
        path: '/v1/notes',
        anyScope: [NOTES_READ, NOTES_WRITE],
        handle: (req) => {
          const limit = Number(req.query.get('limit') ?? '20');
          if (!Number.isInteger(limit) || limit < 1 || limit > 100) return { status: 400, body: { error: 'invalid_limit' } };
          return { status: 200, body: { notes: (byLogin.get(req.user.login) ?? []).slice(0, limit) } };
        },
      },
      {
        method: 'POST',
        path: '/v1/notes',
        anyScope: [NOTES_WRITE],
        handle: (req) => {
          const body = req.body as { title?: unknown; body?: unknown } | undefined;
          if (typeof body?.title !== 'string' || body.title === '') return { status: 400, body: { error: 'title_required' } };
          const created: Note = { id: `n${next++}`, title: body.title, body: typeof body.body === 'string' ? body.body : '' };
          byLogin.set(req.user.login, [created, ...(byLogin.get(req.user.login) ?? [])]);
          return { status: 201, body: created };
        },
      },
    ],
  };
  return { service, byLogin };
}
