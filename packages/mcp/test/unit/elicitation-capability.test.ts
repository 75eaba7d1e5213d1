/** Reading the client's `elicitation` capability (MCP 2025-11-25): which declarations mean form mode. */
import { describe, expect, it } from '@jest/globals';
import { declaresFormElicitation } from '../../src/internal/elicitation-capability.js';

describe('declaresFormElicitation', () => {
  it.each([
    [{ elicitation: { form: {} } }, true],
    [{ elicitation: { form: {}, url: {} } }, true],
    // Before URL mode existed, `elicitation: {}` meant form mode.
    [{ elicitation: {} }, true],
    [{ elicitation: { url: {} } }, false],
    [{}, false],
    [undefined, false],
    [{ elicitation: null }, false],
    [{ elicitation: true }, false],
    [{ elicitation: { form: true } }, false],
  ])('%j → %s', (capabilities, expected) => {
    expect(declaresFormElicitation(capabilities)).toBe(expected);
  });
});
