/** `options.limits` and `unusedClientTtlSec`: defaults, `rateLimit: false` compatibility, and errors naming the bad field. */
import { describe, expect, it } from '@jest/globals';
import { InvalidArgumentError } from '@alter/vault';
import { type AuthServerLimitsOptions, resolveAuthServerLimits } from '../../src/auth/auth-server-limits.js';

describe('resolveAuthServerLimits', () => {
  it('fills in the documented defaults, frozen', () => {
    const limits = resolveAuthServerLimits(undefined, false);
    expect(limits).toEqual({
      authorize: { max: 100, windowSec: 900 },
      register: { max: 20, windowSec: 3600 },
      clientDocuments: {
        perClient: { max: 3, windowSec: 60 },
        perHost: { max: 20, windowSec: 60 },
        global: { max: 100, windowSec: 60 },
        failureCacheSec: 60,
        maxCachedFailures: 1000,
      },
      registration: {
        maxBodyBytes: 16384,
        maxRedirectUris: 10,
        maxUriLength: 2048,
        maxContacts: 5,
        maxContactLength: 254,
        maxTextLength: 256,
        maxScopeLength: 1024,
      },
    });
    expect(Object.isFrozen(limits) && Object.isFrozen(limits.registration) && Object.isFrozen(limits.clientDocuments)).toBe(true);
  });

  it('rateLimit: false turns the endpoint limits off unless set, never the document-fetch limits', () => {
    const off = resolveAuthServerLimits(undefined, true);
    expect(off.authorize).toBe(false);
    expect(off.register).toBe(false);
    expect(off.clientDocuments.global).toEqual({ max: 100, windowSec: 60 });
    expect(resolveAuthServerLimits({ authorize: { max: 5, windowSec: 60 } }, true).authorize).toEqual({ max: 5, windowSec: 60 });
  });

  it.each([
    [{ authorize: { max: 0, windowSec: 60 } }, 'options.limits.authorize.max'],
    [{ register: { max: 1, windowSec: 1.5 } }, 'options.limits.register.windowSec'],
    [{ clientDocuments: { failureCacheSec: -1 } }, 'options.limits.clientDocuments.failureCacheSec'],
    [{ registration: { maxContacts: 0 } }, 'options.limits.registration.maxContacts'],
    [{ registration: { maxContact: 3 } }, 'options.limits.registration.maxContact'],
    [{ authorise: { max: 1, windowSec: 1 } }, 'options.limits.authorise'],
  ])('refuses %j naming %s', (input, argument) => {
    let thrown: unknown;
    try {
      resolveAuthServerLimits(input as unknown as AuthServerLimitsOptions, false);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as InvalidArgumentError).argument).toBe(argument);
  });
});
