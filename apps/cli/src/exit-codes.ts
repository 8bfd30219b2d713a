import { AssignmentError, InputError } from '@oversight/core';
import { DatabaseLockedError, DatabaseUnreachableError, ExperimentConfigChangedError } from '@oversight/db';

/** Exit codes: 2 = bad input (nothing written), 3 = the database is busy or unreachable, 1 = anything else. */
export const EXIT = { ok: 0, failure: 1, badInput: 2, database: 3 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError || error instanceof AssignmentError || error instanceof UsageError)
    return EXIT.badInput;
  if (error instanceof ExperimentConfigChangedError) return EXIT.badInput;
  if (error instanceof DatabaseLockedError || error instanceof DatabaseUnreachableError) return EXIT.database;
  return EXIT.failure;
}
