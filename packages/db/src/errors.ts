// Errors callers are expected to catch and show to a user, so their messages say what to do next.
import { InputError } from '@oversight/core';

export interface LockHolder {
  pid: number;
  hostname: string;
  command: string;
  startedAt: string;
  /** The unix socket through which other processes reach the database it holds. */
  socket?: string;
  /** What the holder opened it for: a reader (status, export, ...) shares it with no one and is soon done. */
  access?: 'read' | 'write';
  /** starting: PGlite is starting; serving: open (shared when `socket` is set); closing: letting it go. */
  state?: 'starting' | 'serving' | 'closing';
}

/** Another process holds the embedded database and this one cannot use it through that one. */
export class DatabaseLockedError extends Error {
  override readonly name = 'DatabaseLockedError';
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder | null,
    /** The holder is this very process (a Database on that folder not closed yet). */
    readonly sameProcess = false,
    /** Why this process could not use it through the holder (when known). */
    why?: string,
  ) {
    const dir = lockPath.replace(/[/\\][^/\\]+$/, '');
    const who = holder
      ? `process ${holder.pid} on ${holder.hostname} (command: ${holder.command}; started ${holder.startedAt})`
      : 'another process (its lock file is being written or is unreadable)';
    super(
      sameProcess
        ? `The embedded database in ${dir} is already open in this process (opened ${holder?.startedAt ?? 'earlier'}); close that Database first or share it.`
        : [
            `The embedded database in ${dir} is in use by ${who}${why ? `, ${why}` : ''}.`,
            'Wait for that process to finish (or stop it) and run this command again. The embedded database',
            'is opened by one process, which shares it with others on this machine; to run many processes at',
            'once, or on several machines, start a PostgreSQL server and point all of them at it, e.g.',
            '  DATABASE_URL=postgresql://user:password@localhost:5432/oversight <command>',
            `If that process is no longer running, delete ${lockPath}.`,
          ].join('\n'),
    );
  }
}

/** The process through which this one used the embedded database ended (killed, or stopped with Ctrl-C). */
export class DatabaseHostGoneError extends Error {
  override readonly name = 'DatabaseHostGoneError';
  constructor(readonly holder: LockHolder) {
    super(
      [
        `process ${holder.pid} (${holder.command}), which held the embedded database this command used through it, ended before this command was done.`,
        'Everything stored is kept (each move is written whole or not at all); run this command again to go on.',
      ].join('\n'),
    );
  }
}

/** The embedded database's folder is open to other users in a way that cannot be fixed here (not ours, or writable by others). */
export class DataFolderPermissionError extends Error {
  override readonly name = 'DataFolderPermissionError';
  constructor(
    readonly dir: string,
    why: string,
    fix: string,
  ) {
    super(`refusing to use the database folder ${dir}: ${why}; ${fix}. Nothing was read or written.`);
  }
}

/** DATABASE_URL is set but no server answers there. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  constructor(
    readonly location: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      [
        `Cannot connect to the PostgreSQL server at ${location}: ${reason || 'no answer'}.`,
        'Check that the server is running and that host, port, user, password and database name are right.',
        'To use the embedded database instead (one process at a time, no server needed), unset DATABASE_URL.',
      ].join('\n'),
      { cause },
    );
  }
}

/** The experiment id exists with a different configuration; reusing it would mix two designs. */
export class ExperimentConfigChangedError extends Error {
  override readonly name = 'ExperimentConfigChangedError';
  constructor(
    readonly experimentId: string,
    readonly storedHash: string,
    readonly newHash: string,
    /** The design fields that differ (arms, judges, questions, …), when known. */
    readonly fields: readonly string[] = [],
  ) {
    super(
      [
        `Experiment "${experimentId}" already exists with a different design${fields.length ? ` (changed: ${fields.join(', ')})` : ''} (stored hash ${storedHash}, now ${newHash}).`,
        'Its trials were planned from the old design, so continuing would mix two designs. (How it runs may change:',
        'endpoints, timeouts, retries, prices, concurrency, the description, chat settings, consent wording, the survey.)',
        `Either give the experiment a new id/name in the config, or delete the old one: oversight db drop-experiment ${experimentId}`,
      ].join('\n'),
    );
  }
}

/** Another writer appended to the trial first (or this append was already applied): nothing was written. */
export class AppendConflictError extends Error {
  override readonly name = 'AppendConflictError';
  constructor(
    readonly trialId: string,
    readonly expectedSeq: number,
    /** The trial's nextSeq as read after the conflict; null when the trial does not exist. */
    readonly actualSeq: number | null,
  ) {
    super(
      actualSeq === null
        ? `Cannot append to trial ${trialId}: no such trial.`
        : `Append conflict on trial ${trialId}: expected to write seq ${expectedSeq} but the log is at ${actualSeq}. Reload the events and retry.`,
    );
  }
}

/** The move's idempotency key was recorded before: the same click or event arrived again. Nothing was written. */
export class DuplicateMoveError extends Error {
  override readonly name = 'DuplicateMoveError';
  constructor(readonly key: string) {
    super(`A move with key ${key} was already recorded; nothing was written.`);
  }
}

/** A dataset name already holds a question or story with other content than the one being stored. */
export class DatasetConflictError extends InputError {
  override readonly name = 'DatasetConflictError';
  constructor(
    readonly dataset: string,
    readonly storedSource: string,
    readonly newSource: string,
    what: string,
  ) {
    super(
      [
        `Dataset "${dataset}" already holds ${what} from ${storedSource}, and ${newSource} has different content under the same id.`,
        'Nothing was written. Two datasets must not share a name: give this one its own, e.g.',
        `  "dataset": { "path": "...", "name": "${dataset}-2" }   in the experiment config`,
        'or rename the file, or fix the ids so each question keeps one content.',
      ].join('\n'),
      newSource,
    );
  }
}

/**
 * Trials about to be planned have ids that another experiment's trials already hold (trial ids are
 * `<experiment>.<arm>.<question>.<k>`, and dots in names or question ids can make two experiments
 * build the same one). Skipping them, as a resumed plan skips its own, would leave this experiment
 * without those trials and say nothing; nothing is written instead.
 */
export class TrialIdClashError extends InputError {
  override readonly name = 'TrialIdClashError';
  constructor(
    readonly experimentId: string,
    /** Some of the clashing ids, with the experiment that holds each. */
    readonly clashes: ReadonlyArray<{ id: string; experimentId: string }>,
  ) {
    const owners = [...new Set(clashes.map((c) => c.experimentId))];
    super(
      [
        `Experiment "${experimentId}" would plan trials whose ids already belong to ${owners.length === 1 ? 'experiment' : 'experiments'} ${owners.map((o) => `"${o}"`).join(', ')}:`,
        ...clashes.slice(0, 3).map((c) => `  ${c.id} (in "${c.experimentId}")`),
        'Trial ids are <experiment>.<arm>.<question>.<k>, so a "." in an experiment name, an arm name or a question id can make',
        'two experiments build the same ids. Nothing was written. Give this experiment another name, e.g.',
        `"${experimentId.replaceAll('.', '-')}-2", with "-" or "_" rather than "." in experiment and arm names.`,
      ].join('\n'),
      experimentId,
    );
  }
}
