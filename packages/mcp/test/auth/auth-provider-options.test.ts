/** `rateLimit` after the SDK handlers: `false`, `{ windowMs, max }`, and errors naming an express-rate-limit option that no longer applies. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { AlterVault, InvalidArgumentError, providers } from '@alter/vault';
import { type AlterAuthProviderOptions, resolveAuthProviderOptions } from '../../src/auth/auth-provider-options.js';

const dir = mkdtempSync(path.join(tmpdir(), 'alter-auth-options-'));
const vault = new AlterVault({
  caller: 'options-test',
  store: path.join(dir, 'vault.db'),
  encryptionKey: randomBytes(32).toString('base64'),
  providers: [providers.github({ clientId: 'options-client', clientSecret: 'options-secret-0123456789' })],
});
afterAll(async () => {
  await vault.close();
  rmSync(dir, { recursive: true, force: true });
});

const base: AlterAuthProviderOptions = { providers: { github: ['read:user'] } };

describe('resolveAuthProviderOptions: rateLimit', () => {
  it('defaults /token and /revoke to 50 per 15 minutes per address', () => {
    const resolved = resolveAuthProviderOptions(vault, base);
    expect([resolved.tokenLimit, resolved.revokeLimit]).toEqual([
      { max: 50, windowSec: 900 },
      { max: 50, windowSec: 900 },
    ]);
    expect(resolved.limits.authorize).toEqual({ max: 100, windowSec: 900 });
  });

  it('false turns every endpoint limit off unless limits sets one', () => {
    const resolved = resolveAuthProviderOptions(vault, { ...base, rateLimit: false, limits: { register: { max: 3, windowSec: 60 } } });
    expect([resolved.tokenLimit, resolved.revokeLimit, resolved.limits.authorize, resolved.limits.register]).toEqual([
      false,
      false,
      false,
      { max: 3, windowSec: 60 },
    ]);
  });

  it('{ windowMs, max } sets token and revoke, and authorize/register unless limits sets them', () => {
    const resolved = resolveAuthProviderOptions(vault, {
      ...base,
      rateLimit: { windowMs: 60_000, max: 7 },
      limits: { authorize: { max: 9, windowSec: 30 } },
    });
    expect([resolved.tokenLimit, resolved.revokeLimit, resolved.limits.register, resolved.limits.authorize]).toEqual([
      { max: 7, windowSec: 60 },
      { max: 7, windowSec: 60 },
      { max: 7, windowSec: 60 },
      { max: 9, windowSec: 30 },
    ]);
  });

  it.each([
    [{ windowMs: 60_000, max: 5, standardHeaders: true }, 'options.rateLimit.standardHeaders'],
    [{ windowMs: 10 }, 'options.rateLimit.windowMs'],
    [{ max: 0 }, 'options.rateLimit.max'],
  ])('refuses %j naming %s', (rateLimit, argument) => {
    let thrown: unknown;
    try {
      resolveAuthProviderOptions(vault, { ...base, rateLimit: rateLimit as AlterAuthProviderOptions['rateLimit'] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).argument).toBe(argument);
  });
});
