/**
 * The pack checks of the kit are runner-agnostic: they throw a SandboxError (SANDBOX_CHECK_FAILED)
 * listing every difference instead of calling Jest's expect, so packs on node:test or Vitest use
 * them too. The metadata keys they read without importing @alter/mcp must stay @alter/mcp's.
 */
import { describe, expect, it } from '@jest/globals';
import { AlterMCP, AlterTool, TOOL_MEMBERS, TOOL_METADATA } from '@alter/mcp';
import { expectToolsDeclareEndpoints, expectToolsMatchManifest, startToolPackHarness } from '@alter/testing';
import { z } from 'zod';
import { TOOL_MEMBERS_KEY, TOOL_METADATA_KEY } from '../../src/tool-pack/tool-metadata-keys.js';

class NotesFixture {
  @AlterTool('notes', {
    description: 'List notes.',
    input: z.object({ limit: z.number().describe('How many.') }),
    output: z.object({ notes: z.array(z.string()) }),
    endpoints: ['GET https://api.notes.example/v1/notes'],
  })
  async listNotes() {
    return { notes: [] };
  }

  @AlterTool('notes', { description: 'Delete a note.', input: z.object({ id: z.string() }) })
  async deleteNote() {
    return 'deleted';
  }
}

const listed = [
  { name: 'list_notes', inputSchema: { properties: { limit: { type: 'number', description: 'How many.' } } }, outputSchema: {} },
  { name: 'delete_note', inputSchema: { properties: { id: { type: 'string' } } } },
];

describe('expectToolsMatchManifest', () => {
  it('passes when the listing is the manifest, every field described, every tool with an output schema', () => {
    expect(() => expectToolsMatchManifest([listed[0]!], { scopesByTool: { list_notes: ['notes:read'] } })).not.toThrow();
  });

  it('throws SANDBOX_CHECK_FAILED listing every difference', () => {
    let thrown: unknown;
    try {
      expectToolsMatchManifest(listed, { scopesByTool: { list_notes: [], archive_note: [] } });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ name: 'SandboxError', code: 'SANDBOX_CHECK_FAILED' });
    const message = (thrown as Error).message;
    expect(message).toContain('delete_note is listed by the server but missing from the manifest');
    expect(message).toContain('archive_note is in the manifest but the server does not list it');
    expect(message).toContain('delete_note: input field "id" has no description');
    expect(message).toContain('delete_note declares no output schema');
  });
});

describe('expectToolsDeclareEndpoints', () => {
  it('throws SANDBOX_CHECK_FAILED naming the tool without endpoints and the unexpected tool', () => {
    expect(() => expectToolsDeclareEndpoints([NotesFixture], ['list_notes'])).toThrow(
      expect.objectContaining({
        code: 'SANDBOX_CHECK_FAILED',
        message: expect.stringMatching(/delete_note is declared but not expected[\s\S]*delete_note declares no endpoints/),
      }),
    );
  });

  it('names an expected tool no class declares', () => {
    expect(() => expectToolsDeclareEndpoints([NotesFixture], ['list_notes', 'delete_note', 'pin_note'])).toThrow(
      /pin_note is expected but no class declares it/,
    );
  });

  it('refuses a class with no @AlterTool methods (SANDBOX_INVALID_ARGUMENT)', () => {
    class Plain {}
    expect(() => expectToolsDeclareEndpoints([Plain], [])).toThrow(expect.objectContaining({ code: 'SANDBOX_INVALID_ARGUMENT' }));
  });

  it("reads @alter/mcp's own metadata keys", () => {
    expect({ members: TOOL_MEMBERS_KEY, metadata: TOOL_METADATA_KEY }).toEqual({ members: TOOL_MEMBERS.key, metadata: TOOL_METADATA.key });
  });
});

describe('startToolPackHarness', () => {
  it('refuses to start without a provider or a service, saying how to name them', async () => {
    const sdk = {
      // Shaped like an SDK McpServer (what AlterMCP.register accepts); never connected: the
      // harness refuses before it builds a server.
      McpServer: class {
        readonly server = {
          async connect() {},
          async close() {},
          getClientCapabilities: () => undefined,
          getClientVersion: () => undefined,
          async sendToolListChanged() {},
        };
        async connect() {}
        async close() {}
        isConnected() {
          return false;
        }
      },
      Client: class {
        async connect() {}
        async close() {}
        async callTool() {
          return {};
        }
        async listTools() {
          return { tools: [] };
        }
      },
      InMemoryTransport: { createLinkedPair: (): [unknown, unknown] => [{}, {}] },
    };
    await expect(startToolPackHarness({ sdk, AlterMCP, tools: [NotesFixture] })).rejects.toMatchObject({
      code: 'SANDBOX_INVALID_ARGUMENT',
      message: expect.stringContaining('services: [yourService]'),
    });
  });
});
