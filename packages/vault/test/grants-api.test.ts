/** vault.grants: put/get/list/revoke on a real SQLite file; GrantInfo never carries a token. */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createLeakCheck, type LeakCheck } from '@alter/testing';
import { AccountAmbiguousError, AlterVault, InvalidArgumentError, VaultConfigError } from '@alter/vault';
import { loopbackProvider, newKey, newToken, tempDir, type TempDir } from './support/fixtures.js';

let tmp: TempDir;
let leak: LeakCheck;
let vault: AlterVault;

beforeEach(() => {
  tmp = tempDir('alter-grants');
  leak = createLeakCheck();
  vault = new AlterVault({
    caller: 'g',
    providers: [loopbackProvider('acme'), loopbackProvider('other')],
    store: tmp.file('v.db'),
    encryptionKey: leak.secret(newKey()),
    logger: leak.logger,
  });
});
afterEach(async () => {
  await vault.close();
  tmp.remove();
  leak.assertClean();
});

const put = (user: string, extra: { account?: string; provider?: string } = {}) =>
  vault.grants.put({
    user,
    provider: extra.provider ?? 'acme',
    ...(extra.account ? { account: extra.account } : {}),
    accessToken: leak.secret(newToken('at')),
    refreshToken: leak.secret(newToken('rt')),
    scopes: ['a'],
  });

describe('vault.grants', () => {
  it('put returns a GrantInfo without tokens; get/list find it', async () => {
    const info = await put('alice');
    leak.inspect(info, 'put result');
    expect(info).toMatchObject({ user: 'alice', provider: 'acme', account: '', scopes: ['a'], status: 'active', expiresAt: null });
    expect(Object.isFrozen(info)).toBe(true);
    expect(await vault.grants.get({ user: 'alice', provider: 'acme' })).toEqual(info);
    expect(await vault.grants.get({ user: 'bob', provider: 'acme' })).toBeUndefined();
    await put('bob');
    await put('alice', { provider: 'other' });
    const all = await vault.grants.list();
    leak.inspect(all, 'list');
    expect(all).toHaveLength(3);
    expect(await vault.grants.list({ provider: 'other' })).toHaveLength(1);
  });

  it('revokes by selector or id; revoked grants are listed only on request', async () => {
    const a = await put('alice');
    const b = await put('bob');
    // The loopback test provider has no revocation endpoint: our copy is revoked, upstream 'unsupported'.
    expect(await vault.grants.revoke({ id: a.id })).toMatchObject({ revoked: true, grantId: a.id, upstream: 'unsupported' });
    expect(await vault.grants.revoke({ id: a.id })).toEqual({ revoked: false, upstream: 'skipped' });
    expect(await vault.grants.revoke({ user: 'bob', provider: 'acme' })).toMatchObject({ revoked: true, user: 'bob' });
    expect(await vault.grants.revoke({ user: 'carol', provider: 'acme' })).toEqual({ revoked: false, upstream: 'skipped' });
    expect(await vault.grants.list()).toHaveLength(0);
    expect((await vault.grants.list({ includeRevoked: true })).map((g) => g.id).sort()).toEqual([a.id, b.id].sort());
    expect((await vault.grants.get({ user: 'alice', provider: 'acme' }))!.status).toBe('revoked');
  });

  it('asks which account when several are active', async () => {
    await put('alice', { account: 'home' });
    await put('alice', { account: 'work' });
    await expect(vault.grants.get({ user: 'alice', provider: 'acme' })).rejects.toBeInstanceOf(AccountAmbiguousError);
    await expect(vault.grants.revoke({ user: 'alice', provider: 'acme' })).rejects.toBeInstanceOf(AccountAmbiguousError);
    expect((await vault.grants.get({ user: 'alice', provider: 'acme', account: 'work' }))!.account).toBe('work');
  });

  it('rejects unknown providers and bad arguments by name', async () => {
    await expect(vault.grants.put({ user: 'a', provider: 'nope', accessToken: 'x-long-token', scopes: [] })).rejects.toBeInstanceOf(
      VaultConfigError,
    );
    await expect(
      vault.grants.put({ user: 'a', provider: 'acme', accessToken: 'x-long-token', scopes: [], expiresAt: 'tomorrow' as never }),
    ).rejects.toMatchObject({ argument: 'input.expiresAt' });
    await expect(vault.grants.get({ user: '', provider: 'acme' })).rejects.toMatchObject({ argument: 'selector.user' });
    await expect(vault.grants.revoke(null as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => vault.withAuditContext({ tool: '' }, () => 1)).toThrow(InvalidArgumentError);
    expect(vault.withAuditContext({ tool: 't' }, () => 42)).toBe(42);
    expect(() => vault.provider('zzz')).toThrow(/acme, other/);
    expect(vault.providerIds).toEqual(['acme', 'other']);
  });

  it('seals and opens extension secrets', async () => {
    const secret = leak.secret('signing-key-material-123');
    const sealed = vault.sealSecret(secret);
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(sealed).not.toContain(secret);
    expect(vault.openSecret(sealed)).toBe(secret);
  });
});
