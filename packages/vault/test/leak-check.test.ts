/** The leak check itself must catch leaks (a check that cannot fail protects nothing). */
import { describe, expect, it } from '@jest/globals';
import { createLeakCheck } from '@alter/testing';
import { AlterVault, GrantNotFoundError } from '@alter/vault';
import { loopbackProvider, newKey, tempDir } from './support/fixtures.js';

const SECRET = 'tok-4f9a8b7c6d5e4f3a2b1c';

describe('createLeakCheck', () => {
  it('passes when nothing leaked', () => {
    const leak = createLeakCheck();
    leak.secret(SECRET, 'access token');
    leak.inspect({ status: 200, body: 'fine' }, 'response');
    leak.logger.info('hello', { user: 'alice' });
    expect(() => leak.assertClean()).not.toThrow();
  });

  it('names where a secret appeared without printing it', () => {
    const leak = createLeakCheck();
    leak.secret(SECRET, 'access token');
    leak.inspect({ nested: { deep: [1, { header: `Bearer ${SECRET}` }] } }, 'tool result');
    leak.logger.warn('refresh failed', { token: SECRET });
    let message = '';
    try {
      leak.assertClean();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('tool result');
    expect(message).toContain('logger.warn fields');
    expect(message).toContain('"access token"');
    expect(message).toContain('tok-…(24 chars)');
    expect(message).not.toContain(SECRET);
  });

  it('finds secrets in error messages, causes, url-encoded and base64 forms, and console output', () => {
    const leak = createLeakCheck();
    leak.secret(SECRET);
    leak.inspect(new Error('outer', { cause: new Error(`inner ${SECRET}`) }), 'error with cause');
    leak.inspect(`https://x.test/?t=${encodeURIComponent(`${SECRET}/=`)}`, 'url');
    leak.inspect(Buffer.from(`user:${SECRET}`).toString('base64'), 'basic auth');
    const restore = leak.captureConsole({ passthrough: false });
    try {
      console.log('printed', { value: SECRET });
    } finally {
      restore();
    }
    const where = leak.findings().map((f) => f.where);
    expect(where).toEqual(expect.arrayContaining(['error with cause', 'console.log']));
    expect(leak.findings().length).toBeGreaterThanOrEqual(2);
  });

  it('catches secrets registered after the value was inspected, and thrown errors via catching()', async () => {
    const leak = createLeakCheck();
    leak.inspect({ t: SECRET }, 'early');
    await expect(leak.catching(async () => Promise.reject(new Error(`bad ${SECRET}`)), 'call')).rejects.toThrow();
    leak.secret(SECRET);
    expect(leak.findings().map((f) => f.where)).toEqual(['early', 'call']);
  });

  it('refuses secrets too short to detect', () => {
    expect(() => createLeakCheck().secret('short')).toThrow(/at least 8/);
  });

  it('sees the vault logger and thrown vault errors with no secret in them', async () => {
    const tmp = tempDir('alter-leak');
    const leak = createLeakCheck();
    const key = leak.secret(newKey(), 'key');
    const vault = new AlterVault({
      caller: 'leak',
      providers: [loopbackProvider()],
      store: tmp.file('v.db'),
      encryptionKey: key,
      logger: leak.logger,
    });
    const err = await leak
      .catching(() => vault.request('acme', 'GET', 'http://127.0.0.1:1/x', { user: 'nobody' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrantNotFoundError);
    await vault.close();
    tmp.remove();
    leak.assertClean();
  });
});
