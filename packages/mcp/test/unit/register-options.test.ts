/**
 * `alter.register(server, modules, { prefix, include, exclude })`: per-call prefixes composed with
 * the constructor's `toolNamePrefix`, selection by unprefixed name, and the startup errors.
 * A real AlterVault on a SQLite file (tools without a provider need no OAuth server).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, ToolRegistrationError } from '@alter/mcp';
import { AlterVault, InvalidArgumentError } from '@alter/vault';
import { UtilityTools } from '../fixtures/example.tools.js';

let dir: string;
let vault: AlterVault;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'alter-register-'));
  vault = new AlterVault({
    caller: 'register-unit',
    store: path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    providers: [],
  });
  await vault.ready();
});
afterAll(async () => {
  await vault?.close();
  rmSync(dir, { recursive: true, force: true });
});

const server = () => new McpServer({ name: 'unit', version: '1.0.0' });
const ALL = ['echo', 'countdown', 'refuse', 'crash'];

describe('register(server, modules, options)', () => {
  it('registers a pack whole, prefixed, and tool by tool on the same server', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'alice' });
    const s = server();
    const whole = alter.register(s, [UtilityTools], { prefix: 'u_' });
    expect([...whole].sort()).toEqual(ALL.map((n) => `u_${n}`).sort());
    expect(alter.register(s, [UtilityTools], { prefix: 'one_', include: ['echo'] })).toEqual(['one_echo']);
    expect([...alter.register(s, [UtilityTools], { exclude: ['echo', 'crash'] })].sort()).toEqual(['countdown', 'refuse']);
  });

  it('composes the constructor prefix (outer) with the per-call prefix (inner)', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'alice', toolNamePrefix: 'acme_' });
    expect(alter.register(server(), [UtilityTools], { prefix: 'u_', include: ['echo'] })).toEqual(['acme_u_echo']);
    expect(alter.register(server(), [UtilityTools], { include: ['echo'] })).toEqual(['acme_echo']);
  });

  it('refuses a final name registered by an earlier call (the duplicate error)', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'alice' });
    const s = server();
    alter.register(s, [UtilityTools], { include: ['echo'] });
    const err = (() => {
      try {
        alter.register(s, [UtilityTools], { include: ['echo', 'crash'] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ToolRegistrationError);
    expect((err as Error).message).toContain('tool name "echo" is already registered on this server');
    // A different prefix makes the same tool registrable again.
    expect(alter.register(s, [UtilityTools], { prefix: 'b_', include: ['echo'] })).toEqual(['b_echo']);
  });

  it('names unknown include/exclude names and lists the available (unprefixed) ones', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'alice' });
    for (const [key, options] of [
      ['options.include', { prefix: 'u_', include: ['echo', 'u_echo', 'nope'] }],
      ['options.exclude', { exclude: ['nope'] }],
    ] as const) {
      let err: unknown;
      try {
        alter.register(server(), [UtilityTools], options);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).message).toContain(key);
      expect((err as Error).message).toContain('"nope"');
      expect((err as Error).message).toContain(`available: ${ALL.join(', ')}`);
    }
    expect(() => alter.register(server(), [UtilityTools], { prefix: 'u_', include: ['u_echo'] })).toThrow(/"u_echo"/);
  });

  it('refuses a selection of nothing, bad prefixes, prefixes making names too long, and bad lists', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'alice' });
    expect(() => alter.register(server(), [UtilityTools], { include: ['echo'], exclude: ['echo'] })).toThrow(/selects no tool/);
    expect(() => alter.register(server(), [UtilityTools], { prefix: 'gh/' })).toThrow(/options\.prefix/);
    expect(() => alter.register(server(), [UtilityTools], { prefix: 'x'.repeat(125) })).toThrow(ToolRegistrationError);
    expect(() => alter.register(server(), [UtilityTools], { prefix: 'x'.repeat(125) })).toThrow(/not allowed by MCP/);
    expect(() => alter.register(server(), [UtilityTools], { include: 'echo' as never })).toThrow(/options\.include/);
    expect(() => alter.register(server(), [UtilityTools], null as never)).toThrow(/options/);
  });
});
