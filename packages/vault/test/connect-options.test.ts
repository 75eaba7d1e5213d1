/**
 * `options.connect` is exact: a misspelt key (`baseURL`, `sessionTTL`) is refused with the key
 * and the fix named, instead of being ignored while Connect falls back to its defaults. The
 * TypeScript side of the same rule is in test-d/options.test-d.ts. A real vault on a SQLite file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AlterVault, type AlterVaultOptions, InvalidArgumentError } from '@alter/vault';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'alter-connect-options-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Options as plain JavaScript (or a cast, or JSON config) would pass them: no compile-time check. */
function vaultWith(connect: unknown): AlterVault {
  return new AlterVault({
    caller: 'connect-options',
    store: path.join(dir, 'vault.db'),
    encryptionKey: randomBytes(32).toString('base64'),
    providers: [],
    connect: connect as AlterVaultOptions['connect'],
  });
}

describe('options.connect', () => {
  it('refuses a misspelt key, naming it and the key it resembles', () => {
    const err = (() => {
      try {
        vaultWith({ baseURL: 'https://mcp.example.com' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as InvalidArgumentError).argument).toBe('options.connect.baseURL');
    expect((err as Error).message).toBe(
      'options.connect.baseURL: unknown option (did you mean baseUrl?); expected baseUrl or sessionTtlSec',
    );
    expect(() => vaultWith({ sessionTTL: 60 })).toThrow(
      /options\.connect\.sessionTTL: unknown option \(did you mean sessionTtlSec\?\); expected baseUrl or sessionTtlSec/,
    );
    expect(() => vaultWith({ ttl: 60 })).toThrow(/options\.connect\.ttl: unknown option; expected baseUrl or sessionTtlSec/);
  });

  it('accepts its keys, undefined values (unset environment variables) and no connect at all', async () => {
    for (const connect of [
      undefined,
      {},
      { baseUrl: undefined, sessionTtlSec: undefined },
      { baseUrl: 'https://mcp.example.com', sessionTtlSec: 600 },
    ]) {
      const vault = vaultWith(connect);
      expect(vault.connect.baseUrl).toBe(connect?.baseUrl === undefined ? undefined : 'https://mcp.example.com');
      await vault.close();
    }
  });
});
