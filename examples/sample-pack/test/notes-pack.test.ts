/**
 * The pack through the real stack, with the kit of @alter/testing: the sandbox's OAuth server
 * issues real tokens for the fake Notes API, the vault keeps them in a SQLite file, AlterMCP
 * registers the tools on the SDK's McpServer, and the SDK's Client calls them. Every result, log
 * line and audit row goes through the leak check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AlterMCP } from '@alter/mcp';
import { expectToolsDeclareEndpoints, expectToolsMatchManifest, startToolPackHarness, textOf, type ToolPackHarness } from '@alter/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { NotesTools, notesManifest } from '../src/index.js';
import { type FakeNotes, fakeNotes } from './notes-service.js';

describe('@acme/alter-tools-notes', () => {
  let pack: ToolPackHarness<Client>;
  let notes: FakeNotes;
  // Connect once, on first need, so each test after the first can also run alone (--test-name-pattern).
  let connected: Promise<void> | undefined;
  const connect = () => (connected ??= pack.connect('notes', notesManifest.allScopes));

  before(async () => {
    notes = fakeNotes();
    pack = await startToolPackHarness({
      sdk: { McpServer, Client, InMemoryTransport },
      AlterMCP,
      tools: [NotesTools],
      services: [notes.service],
    });
  });
  after(async () => {
    await pack?.close();
    pack?.leaks.assertClean();
  });

  it('declares the endpoints of every tool', () => {
    expectToolsDeclareEndpoints([NotesTools], Object.keys(notesManifest.scopesByTool));
  });

  it('lists exactly the manifest, every field described, with output schemas', async () => {
    const { tools } = await pack.client.listTools();
    expectToolsMatchManifest(tools, notesManifest);
  });

  // First, while nothing is connected.
  it('answers with a Connect link before the user connected Notes', async () => {
    const result = (await pack.call('list_notes')) as { isError?: boolean };
    assert.equal(result.isError, true);
    assert.match(textOf(result), /\/connect\/[A-Za-z0-9_-]{20,}/);
  });

  it('lists the notes the Notes API holds for the user', async () => {
    await connect();
    const { notes: listed } = await pack.callOk<{ notes: Array<{ title: string }> }>('list_notes', { limit: 5 });
    assert.deepEqual(
      listed.map((n) => n.title),
      ['Groceries'],
    );
  });

  it('creates a note through the API (the write tool), then lists it first', async () => {
    await connect();
    const created = await pack.callOk<{ id: string; title: string }>('create_note', { title: 'Call Bob', body: 'about the launch' });
    assert.equal(created.title, 'Call Bob');
    assert.equal(notes.byLogin.get('alice')?.[0]?.id, created.id);
    const { notes: listed } = await pack.callOk<{ notes: Array<{ id: string }> }>('list_notes');
    assert.equal(listed[0]?.id, created.id);
  });

  it('rejects bad input by field, before any request', async () => {
    const result = (await pack.call('create_note', { title: '' })) as { isError?: boolean };
    assert.equal(result.isError, true);
    assert.match(textOf(result), /title/);
  });

  it('audits each call under the tool name', async () => {
    await connect();
    await pack.callOk('create_note', { title: 'Audited' });
    const rows = await pack.vault.audit.query({ tool: 'create_note', limit: 10 });
    assert.ok(rows.some((r) => r.method === 'POST' && r.status === 201));
  });
});
