import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { buildToolSchema, emptyInputSchema } from '../../src/schema/build-tool-schema.js';
import { CreateEventDto, Priority } from '../fixtures/dto.fixtures.js';

type Json = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

describe('schema adapters', () => {
  it('zod-to-json-schema returns no properties for a zod 4 object (why zod 4 never goes through it)', () => {
    const schema = z.object({ a: z.string(), b: z.number() });
    const out = zodToJsonSchema(schema as never) as Json;
    expect(out.properties).toBeUndefined();
  });

  it('builds the real properties of a zod 4 object with zod’s own toJSONSchema (2020-12)', () => {
    const s = buildToolSchema(
      z.object({ query: z.string().describe('search'), max: z.number().int().min(1).max(50).default(10) }),
      'input',
    );
    const json = s.toJsonSchema() as Json;
    expect(s.kind).toBe('zod4');
    expect(json.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(json.properties?.query).toEqual({ type: 'string', description: 'search' });
    expect(json.properties?.max).toMatchObject({ type: 'integer', minimum: 1, maximum: 50, default: 10 });
    expect(json.required).toEqual(['query']);
  });

  it('builds the real properties of a zod 3 object (zod/v3) with zod-to-json-schema', () => {
    const s = buildToolSchema(z3.object({ query: z3.string().describe('search'), max: z3.number().int().min(1).optional() }), 'input');
    const json = s.toJsonSchema() as Json;
    expect(s.kind).toBe('zod3');
    expect(json.properties?.query).toEqual({ type: 'string', description: 'search' });
    expect(json.properties?.max).toMatchObject({ type: 'integer', minimum: 1 });
    expect(json.required).toEqual(['query']);
  });

  it.each([
    ['zod 4', z.object({ n: z.number() })],
    ['zod 3', z3.object({ n: z3.number() })],
  ])('%s validation applies defaults and names each bad field', async (_label, schema) => {
    const s = buildToolSchema(schema, 'input');
    expect(await s.validate({ n: 3 })).toEqual({ ok: true, value: { n: 3 } });
    const bad = await s.validate({ n: 'x' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toEqual(['n']);
  });

  it.each([
    ['zod 4', z.object({ n: z.number() })],
    ['zod 3', z3.object({ n: z3.number() })],
  ])('%s validation of a schema without async parts is synchronous (no promise per tool call)', (_label, schema) => {
    const s = buildToolSchema(schema, 'input');
    for (const input of [{ n: 1 }, { n: 'x' }, { n: 2, extra: true }]) {
      const r = s.validate(input);
      expect(r).not.toBeInstanceOf(Promise);
    }
    expect(s.validate({ n: 1 })).toEqual({ ok: true, value: { n: 1 } });
    expect(emptyInputSchema().validate({})).toEqual({ ok: true, value: {} });
  });

  it.each([
    ['zod 4', z.object({ n: z.number().refine(async (v) => v > 0, 'must be positive') })],
    ['zod 3', z3.object({ n: z3.number().refine(async (v) => v > 0, 'must be positive') })],
  ])('%s validation of a schema with an async refinement still runs it, on every call', async (_label, schema) => {
    const s = buildToolSchema(schema, 'input');
    for (let round = 0; round < 2; round++) {
      expect(await s.validate({ n: 3 })).toEqual({ ok: true, value: { n: 3 } });
      const bad = await s.validate({ n: -1 });
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.issues).toEqual([{ path: 'n', message: 'must be positive' }]);
    }
  });

  it('names unknown keys of a strict zod object', async () => {
    const s = buildToolSchema(z.object({ a: z.string() }).strict(), 'input');
    const r = await s.validate({ a: 'x', nope: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toEqual([{ path: 'nope', message: 'unknown argument "nope" (expected one of: a)' }]);
  });

  it('rejects non-object zod schemas and zod shapes with a clear message', () => {
    expect(() => buildToolSchema(z.string(), 'input')).toThrow(/must be z.object/);
    expect(() => buildToolSchema({ a: z.string() }, 'input')).toThrow(/wrap it in z.object/);
  });

  describe('class-validator DTOs', () => {
    const json = buildToolSchema(CreateEventDto, 'input').toJsonSchema() as Json;
    const p = json.properties!;

    it('describes types, formats, ranges, lengths, enums and descriptions', () => {
      expect(json.type).toBe('object');
      expect(json.additionalProperties).toBe(false);
      expect(p.summary).toEqual({ type: 'string', minLength: 1, maxLength: 200, description: 'Event title' });
      expect(p.start).toEqual({ type: 'string', format: 'date-time' });
      expect(p.reminderMinutes).toEqual({ type: 'integer', minimum: 0, maximum: 120 });
      expect(p.allDay).toEqual({ type: 'boolean' });
      expect(p.priority).toMatchObject({ enum: [Priority.Low, Priority.High] });
      expect(p.level).toMatchObject({ enum: [1, 2] });
      expect(p.link).toMatchObject({ type: 'string', format: 'uri' });
      expect(p.requestId).toMatchObject({ type: 'string', format: 'uuid' });
    });

    it('describes nested DTOs and arrays of DTOs', () => {
      expect(p.organizer).toMatchObject({
        type: 'object',
        properties: {
          email: { type: 'string', format: 'email', description: 'Attendee e-mail address' },
          name: { type: 'string', maxLength: 80 },
        },
        required: ['email'],
      });
      expect(p.attendees).toMatchObject({ type: 'array', minItems: 1, maxItems: 50, items: { type: 'object', required: ['email'] } });
      expect(p.tags).toEqual({ type: 'array', items: { type: 'string' } });
    });

    it('marks optional properties as not required', () => {
      expect(new Set(json.required)).toEqual(new Set(['summary', 'start', 'reminderMinutes', 'priority', 'organizer', 'attendees']));
    });

    it('validates with class-transformer + class-validator and names nested fields', async () => {
      const s = buildToolSchema(CreateEventDto, 'input');
      const good = {
        summary: 'Standup',
        start: '2026-11-25T10:00:00Z',
        reminderMinutes: 10,
        priority: 'low',
        organizer: { email: 'a@example.com' },
        attendees: [{ email: 'b@example.com' }],
      };
      const ok = await s.validate(good);
      expect(ok.ok).toBe(true);
      if (ok.ok) expect(ok.value).toBeInstanceOf(CreateEventDto);
      const bad = await s.validate({ ...good, reminderMinutes: 500, attendees: [{ email: 'nope' }], extra: 1 });
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        const paths = bad.issues.map((i) => i.path);
        expect(paths).toEqual(expect.arrayContaining(['reminderMinutes', 'attendees[0].email', 'extra']));
      }
    });
  });
});
