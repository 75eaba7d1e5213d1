import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../src/cli-error.js';
import { parseSince } from '../../src/time.js';

const now = new Date('2026-11-02T00:00:00Z');

describe('parseSince', () => {
  it('reads durations back from now', () => {
    expect(parseSince('24h', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('30m', now).toISOString()).toBe('2026-11-01T23:30:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-10-26T00:00:00.000Z');
    expect(parseSince('1w', now).toISOString()).toBe('2026-10-26T00:00:00.000Z');
  });

  it('reads ISO dates and date-times', () => {
    expect(parseSince('2026-11-01', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(parseSince('2026-11-01T08:00:00Z', now).toISOString()).toBe('2026-11-01T08:00:00.000Z');
    expect(parseSince('2026-11-01T08:00:00+02:00', now).toISOString()).toBe('2026-11-01T06:00:00.000Z');
  });

  it('rejects anything else naming the option', () => {
    for (const bad of ['yesterday', '24', '5y', '2026-13-45', '']) {
      expect(() => parseSince(bad, now)).toThrow(UsageError);
    }
    expect(() => parseSince('soon', now)).toThrow(/--since: "soon"/);
  });
});
