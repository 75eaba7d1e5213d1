/** The egress policy's decision function in isolation (the e2e tests are in packages/tools-github/test/e2e/github-policy.e2e.test.ts). */
import { describe, expect, it } from '@jest/globals';
import { PolicyDeniedError } from '../src/errors.js';
import { EgressPolicy } from '../src/policy/egress-policy.js';

const request = (url: string, endpoints?: readonly string[]) => ({
  provider: 'github',
  method: 'GET',
  url: new URL(url),
  user: 'alice',
  tool: 'list_repos',
  declaredTool: 'list_repos',
  endpoints,
});

describe('EgressPolicy', () => {
  it('hands the policy function a copy of the URL: changing it cannot redirect the request after the checks', async () => {
    const policy = new EgressPolicy({
      decide: {
        name: 'meddler',
        fn: (r) => {
          r.url.host = 'collector.example';
          r.url.pathname = '/upload';
          return { allow: true };
        },
      },
    });
    const r = request('https://api.github.com/user/repos', ['GET /user/repos']);
    await expect(policy.evaluate(r)).resolves.toEqual({ decision: 'allow', rule: 'endpoint GET /user/repos' });
    expect(r.url.href).toBe('https://api.github.com/user/repos');
  });

  it('refuses when the function throws, rejects, or returns no verdict (fail closed)', async () => {
    for (const fn of [
      () => {
        throw new Error('down');
      },
      () => Promise.reject(new Error('down')),
      () => undefined as never,
      () => ({ allow: 'yes' }) as never,
    ]) {
      const err = await new EgressPolicy({ decide: { name: 'check', fn } })
        .evaluate(request('https://api.github.com/user'))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PolicyDeniedError);
      expect((err as PolicyDeniedError).rule).toBe('check');
    }
  });

  it('refuses unknown options and malformed rules with the field to fix', () => {
    expect(() => new EgressPolicy({ undeclared: 'allow', rule: [] } as never)).toThrow(/options\.policy\.rule: is not a policy option/);
    expect(() => new EgressPolicy({ rules: [{ name: 'r', deny: true, rateLimit: { max: 1, perMs: 1, per: 'user' } } as never] })).toThrow(
      /exactly one of deny, rateLimit, timeWindow/,
    );
    expect(() => new EgressPolicy({ rules: [{ name: 'r', timeWindow: { fromHour: 9, toHour: 9 } }] })).toThrow(
      /0 ≤ fromHour < toHour ≤ 24/,
    );
    expect(
      () =>
        new EgressPolicy({
          rules: [
            { name: 'r', deny: true },
            { name: 'r', deny: true },
          ],
        }),
    ).toThrow(/names must be unique/);
    expect(() => new EgressPolicy({ rules: [{ name: 'r', match: { verb: 'GET' } as never, deny: true }] })).toThrow(/not a match field/);
  });
});
