import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { MissingCredentialsError, setupProviders, wantsSandbox } from '@alter-examples/shared';

describe('examples/shared provider setup', () => {
  it('asks for the sandbox with --sandbox or ALTER_SANDBOX=1|true, and not otherwise', () => {
    expect(wantsSandbox(['node', 'main.js', '--sandbox'], {})).toBe(true);
    expect(wantsSandbox(['node', 'main.js'], { ALTER_SANDBOX: '1' })).toBe(true);
    expect(wantsSandbox(['node', 'main.js'], { ALTER_SANDBOX: 'true' })).toBe(true);
    expect(wantsSandbox(['node', 'main.js'], { ALTER_SANDBOX: '0' })).toBe(false);
  });

  it('names every missing client id variable in real mode', async () => {
    const failure = setupProviders(['google', 'github'], false, { GITHUB_CLIENT_ID: 'id' });
    await expect(failure).rejects.toBeInstanceOf(MissingCredentialsError);
    await expect(failure).rejects.toMatchObject({ missing: ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GITHUB_CLIENT_SECRET'] });
    await expect(failure).rejects.toThrow(/--sandbox/);
  });

  it('builds real provider configs and takes the Connect port from ALTER_CONNECT_PORT', async () => {
    const env = { SLACK_CLIENT_ID: 'slack-id', SLACK_CLIENT_SECRET: 'slack-secret', ALTER_CONNECT_PORT: '9999' };
    const setup = await setupProviders(['slack'], false, env);
    expect(setup.mode).toBe('real');
    expect(setup.sandbox).toBeUndefined();
    expect(setup.connectPort).toBe(9999);
    expect(setup.vaultOptions.providers?.map((p) => p.id)).toEqual(['slack']);
    expect((await setupProviders(['slack'], false, { SLACK_CLIENT_ID: 'a', SLACK_CLIENT_SECRET: 'b' })).connectPort).toBe(8787);
  });

  it('runs against a started sandbox on a temp vault file, removed on close', async () => {
    const setup = await setupProviders(['google', 'github'], true);
    try {
      expect(setup.mode).toBe('sandbox');
      expect(setup.connectPort).toBe(0);
      expect(setup.vaultOptions.providers?.map((p) => p.id)).toEqual(['google', 'github']);
      expect(typeof setup.vaultOptions.store).toBe('string');
      expect(existsSync(dirname(setup.vaultOptions.store as string))).toBe(true);
    } finally {
      await setup.close();
    }
    expect(existsSync(dirname(setup.vaultOptions.store as string))).toBe(false);
  });
});
