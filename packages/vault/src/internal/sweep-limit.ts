/** The batch-size check both stores' `kvSweep` share. */
import { InvalidArgumentError } from '../errors.js';

/** Largest batch one `kvSweep` call may delete: keeps each delete (and its lock) short. */
export const MAX_SWEEP_BATCH = 10_000;

/** `limit` as a batch size. @throws InvalidArgumentError unless an integer in 1…{@link MAX_SWEEP_BATCH}. */
export function sweepLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SWEEP_BATCH) {
    throw new InvalidArgumentError('limit', `expected an integer between 1 and ${MAX_SWEEP_BATCH} (rows deleted per batch)`);
  }
  return limit;
}
