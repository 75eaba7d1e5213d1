/**
 * One policy picks how a call that needs authorization is answered (issue #12): by protocol era
 * and whether the client declared URL-mode elicitation.
 */
import { describe, expect, it } from '@jest/globals';
import { connectElicitationAction, CONNECT_INPUT_KEY, recoveryAnswerFor } from '../../../src/recovery/recovery-answer.js';

describe('recoveryAnswerFor', () => {
  it.each([
    ['modern', true, 'input-required'],
    ['modern', false, 'connect-link'],
    ['legacy', true, 'url-elicitation-error'],
    ['legacy', false, 'connect-link'],
  ] as const)('%s era, URL elicitation %s → %s', (era, url, answer) => {
    expect(recoveryAnswerFor({ era, supportsUrlElicitation: () => url })).toBe(answer);
  });
});

describe('connectElicitationAction', () => {
  it("reads the user's answer to Alter's embedded elicitation, and nothing else", () => {
    expect(connectElicitationAction({ [CONNECT_INPUT_KEY]: { action: 'accept' } })).toBe('accept');
    expect(connectElicitationAction({ [CONNECT_INPUT_KEY]: { action: 'decline' } })).toBe('decline');
    expect(connectElicitationAction({ [CONNECT_INPUT_KEY]: { action: 'cancel' } })).toBe('cancel');
    for (const odd of [
      undefined,
      {},
      { other: { action: 'accept' } },
      { [CONNECT_INPUT_KEY]: null },
      { [CONNECT_INPUT_KEY]: { action: 'ACCEPT' } },
      { [CONNECT_INPUT_KEY]: 'accept' },
    ]) {
      expect(connectElicitationAction(odd as Record<string, unknown> | undefined)).toBe('missing');
    }
    // An inherited key is not a response.
    expect(connectElicitationAction(Object.create({ [CONNECT_INPUT_KEY]: { action: 'accept' } }) as Record<string, unknown>)).toBe(
      'missing',
    );
  });
});
