/**
 * `serveHttp` and `AlterMCP.ready()` open the vault before serving: an unreachable PostgreSQL or a
 * wrong encryption key fails the start with VaultStartupError (nothing listens), instead of a
 * server that lists its tools and fails every call.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, serveHttp, VaultStartupError } from '@alter/mcp';
import { AlterVault, silentLogger } from '@alter/vault';
import { providers } from '@alter/testing';
import { CalendarTools } from '../fixtures/example.tools.js';

const dir = mkdtempSync(path.join(tmpdir(), 'alter-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const provider = () => providers.sandbox({ url: 'http://127.0.0.1:9' }, { id: 'google' });
const vaultOn = (store: string, encryptionKey = randomBytes(32).toString('base64')) =>
  new AlterVault({ caller: 'startup-test', store, encryptionKey, providers: [provider()], logger: silentLogger });

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('opening the vault at startup', () => {
  it('serveHttp rejects with VaultStartupError (ALTER_STORE) on an unreachable PostgreSQL, and nothing listens', async () => {
    const port = await freePort();
    const vault = vaultOn('postgres://alter@127.0.0.1:1/alter');
    const alter = new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger });
    const server = new McpServer({ name: 't', version: '1' });
    alter.register(server, [CalendarTools]);
    try {
      const err = await serveHttp(server, { port, logger: silentLogger }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(VaultStartupError);
      expect(err).toMatchObject({ code: 'ALTER_MCP_VAULT_STARTUP', causeCode: 'ALTER_STORE' });
      expect((err as Error).message).toMatch(
        /^serveHttp: cannot start, the vault store cannot be opened \(ALTER_STORE\); no tools are served\. Cannot open the PostgreSQL vault at postgres:\/\/alter@127\.0\.0\.1:1\/alter/,
      );
      expect((err as Error).message).toContain('ECONNREFUSED');
      // Nothing was left listening on the port.
      const probe = createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => probe.close(() => resolve()));

      await expect(alter.ready()).rejects.toMatchObject({
        code: 'ALTER_MCP_VAULT_STARTUP',
        causeCode: 'ALTER_STORE',
        message: expect.stringMatching(/^AlterMCP\.ready: /),
      });
    } finally {
      await vault.close();
    }
  });

  it('AlterMCP.ready and serveHttp name the key ids when the key does not open the vault', async () => {
    const file = path.join(dir, 'keyed.db');
    const first = vaultOn(file);
    await first.ready();
    const storedKeyId = first.keyId;
    await first.close();

    const vault = vaultOn(file);
    const alter = new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger });
    const server = new McpServer({ name: 't', version: '1' });
    alter.register(server, [CalendarTools]);
    try {
      const err = await alter.ready().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'ALTER_MCP_VAULT_STARTUP', causeCode: 'ALTER_ENCRYPTION_KEY' });
      expect((err as Error).message).toContain(`key id "${storedKeyId}"`);
      expect((err as VaultStartupError).cause).toMatchObject({ code: 'ALTER_ENCRYPTION_KEY' });
      await expect(serveHttp(server, { logger: silentLogger })).rejects.toMatchObject({ causeCode: 'ALTER_ENCRYPTION_KEY' });
    } finally {
      await vault.close();
    }
  });

  it('a good vault: ready() resolves and serveHttp serves', async () => {
    const vault = vaultOn(path.join(dir, 'good.db'));
    const alter = new AlterMCP(vault, { defaultUser: 'alice', logger: silentLogger });
    const server = new McpServer({ name: 't', version: '1' });
    alter.register(server, [CalendarTools]);
    await alter.ready();
    const handle = await serveHttp(server, { logger: silentLogger });
    await handle.close();
  });
});
