import { AssignmentError, InputError } from '@oversight/core';

/**
 * Exit codes: 2 = bad input (a config, dataset, option or name; nothing written), 3 = the database
 * is busy, unreachable or its folder unusable, 4 = the work ran but none of it succeeded (every trial
 * of the run was stopped, each with its reason stored), 130 = stopped with Ctrl-C, 1 = an unexpected error.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  badInput: 2,
  database: 3,
  noneSucceeded: 4,
  interrupted: 130,
} as const;

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
const DATABASE_ERRORS = new Set([
  'DatabaseLockedError',
  'DatabaseHostGoneError',
  'DatabaseUnreachableError',
  'DataFolderError',
  'DataFolderPermissionError',
]);

/**
 * The disk holding the database is full: PostgreSQL's disk_full (53100, also what the embedded database
 * reports) or the file system's ENOSPC, anywhere in the error's causes. Matched by text, for the reason above.
 */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === '53100') return true;
    const text = `${(e as Error).message ?? ''} ${JSON.stringify((e as { meta?: unknown }).meta ?? '')}`;
    if (/\b53100\b|No space left on device|ENOSPC/.test(text)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export function exitCodeFor(error: unknown): number {
  if (isDiskFull(error)) return EXIT.database;
  if (error instanceof InputError || error instanceof AssignmentError || error instanceof UsageError)
    return EXIT.badInput;
  if (error instanceof Error && BAD_INPUT_ERRORS.has(error.name)) return EXIT.badInput;
  if (error instanceof Error && DATABASE_ERRORS.has(error.name)) return EXIT.database;
  return EXIT.failure;
}
