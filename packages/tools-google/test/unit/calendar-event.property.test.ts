import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { event, pickEvent } from '../../src/internal/calendar-event.js';

// Whatever Google (or a proxy, or a future API version) sends back, the tool's result must still
// match its declared output schema — otherwise the user sees an output-validation error.
const FIELDS = ['id', 'status', 'summary', 'description', 'location', 'htmlLink', 'start', 'end', 'attendees', 'organizer', 'etag'];
const odd = fc.oneof(
  fc.anything(),
  fc.record({ dateTime: fc.anything(), date: fc.anything(), email: fc.anything() }),
  fc.array(fc.anything()),
);
const eventLike = fc.dictionary(fc.constantFrom(...FIELDS), odd);

describe('pickEvent', () => {
  it('never throws and always matches the output schema, for any JSON-ish payload', () => {
    fc.assert(
      fc.property(fc.oneof(eventLike, fc.anything()), (raw) => {
        const out = pickEvent(raw);
        expect(event.safeParse(out).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the documented fields and drops the rest', () => {
    const out = pickEvent({
      id: 'e1',
      etag: '"x"',
      summary: 'S',
      start: { dateTime: '2026-01-01T10:00:00Z', extra: 1 },
      attendees: [null, { email: 'a@b.c', self: true }],
      iCalUID: 'u',
    });
    expect(out).toEqual({ id: 'e1', summary: 'S', start: { dateTime: '2026-01-01T10:00:00Z' }, attendees: [{}, { email: 'a@b.c' }] });
  });
});
