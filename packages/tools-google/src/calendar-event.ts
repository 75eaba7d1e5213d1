import type { z } from 'zod';
import type { event } from './internal/calendar-event.js';

/**
 * An event as the Calendar tools return it: the fields of a Calendar v3 `Event` a model needs
 * (the schema and the picking are in internal/calendar-event.ts). Public API.
 */
export type CalendarEvent = z.output<typeof event>;
