import { AssignmentError, InputError } from '@oversight/core';

/**
 * Exit codes: 2 = bad input (a config, dataset, option or name; nothing written), 3 = the database
 * is busy, unreachable or its folder unusable, 130 = stopped with Ctrl-C, 1 = an unexpected error.
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, database: 3, interrupted: 130 } as const;

/** A wrong command line or name; the message says what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The embedded database's folder cannot be used (missing, not writable, a file). */
export class DataFolderError extends Error {
  override name = 'DataFolderError';
}

// Matched by name: importing @oversight/db or @oversight/llm for their classes would load the
// database drivers and the model client on every start, even for --help.
const BAD_INPUT_ERRORS = new Set([
  'ExperimentConfigChangedError',
  'DatasetConflictError',
  'LlmConfigError',
  'TemplateError',
]);
const DATABASE_ERRORS = new Set(['DatabaseLockedError', 'DatabaseUnreachableError', 'DataFolderError']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof InputError || error instanceof AssignmentError || error instanceof UsageError)
    return EXIT.badInput;
  if (error instanceof Error && BAD_INPUT_ERRORS.has(error.name)) return EXIT.badInput;
  if (error instanceof Error && DATABASE_ERRORS.has(error.name)) return EXIT.database;
  return EXIT.failure;
}
