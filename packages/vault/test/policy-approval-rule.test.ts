/**
 * The vault policy rule `approval: 'required'` in isolation (the e2e tests are approval-url.test.ts
 * here and packages/mcp/test/e2e/approval-url.test.ts): it never refuses, it marks an allowing
 * outcome with its name (the audit row's `policyRule`); a later deny rule still refuses; a
 * request it does not match is untouched; malformed rules name the field.
 */
import { describe, expect, it } from '@jest/globals';
import { PolicyDeniedError } from '../src/errors.js';
import { EgressPolicy } from '../src/policy/egress-policy.js';

const request = (method: string, tool: string | null = 'post_message', endpoints?: readonly string[]) => ({
  provider: 'slack',
  method,
  url: new URL('https://slack.com/api/chat.postMessage'),
  user: 'alice',
  tool,
  declaredTool: tool,
  endpoints,
});

describe("policy rule approval: 'required'", () => {
  it('marks a matching request as needing approval and names the rule', async () => {
    const policy = new EgressPolicy({
      rules: [{ name: 'slack-posts', match: { provider: 'slack', method: 'POST' }, approval: 'required' }],
    });
    await expect(policy.evaluate(request('POST'))).resolves.toEqual({
      decision: 'allow',
      rule: 'slack-posts',
      approvalRule: 'slack-posts',
    });
    await expect(policy.evaluate(request('GET'))).resolves.toEqual({ decision: 'allow', rule: 'default' });
    // Outside a tool too: a plain vault.request is covered by a rule without a tool match.
    await expect(policy.evaluate(request('POST', null))).resolves.toMatchObject({ approvalRule: 'slack-posts' });
  });

  it('still lets the declared endpoints and a later deny rule refuse; the first approval rule is recorded', async () => {
    const policy = new EgressPolicy({
      rules: [
        { name: 'first', match: { method: 'POST' }, approval: 'required' },
        { name: 'second', approval: 'required' },
        { name: 'no-alice', match: { user: 'alice', tool: 'nuke' }, deny: true },
      ],
    });
    await expect(policy.evaluate(request('POST'))).resolves.toMatchObject({ rule: 'first', approvalRule: 'first' });
    await expect(policy.evaluate(request('POST', 'nuke'))).rejects.toBeInstanceOf(PolicyDeniedError);
    const outside = await policy.evaluate(request('POST', 'post_message', ['GET /api/users.list'])).catch((e: unknown) => e);
    expect((outside as PolicyDeniedError).rule).toBe('endpoints');
  });

  it('rejects a malformed approval rule with the field to fix', () => {
    expect(() => new EgressPolicy({ rules: [{ name: 'r', approval: 'always' as never }] })).toThrow(
      /rules\[0\]\.approval: must be 'required'/,
    );
    expect(() => new EgressPolicy({ rules: [{ name: 'r', approval: 'required', deny: true } as never] })).toThrow(
      /exactly one of deny, rateLimit, timeWindow, approval \(rule "r" has deny and approval\)/,
    );
  });
});
