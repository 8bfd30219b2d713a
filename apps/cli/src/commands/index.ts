import type { Command } from '../command.ts';

/**
 * Every command, in the order `oversight help` lists them, each loaded when it is run: a command then
 * loads only what it uses (`status` no model client, no statistics), which is most of its start-up.
 */
export interface CommandEntry {
  name: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', load: async () => (await import('./run.ts')).runCommand },
  { name: 'retry', load: async () => (await import('./retry.ts')).retryCommand },
  { name: 'serve', load: async () => (await import('./serve.ts')).serveCommand },
  { name: 'judge', load: async () => (await import('./judge.ts')).judgeCommand },
  { name: 'status', load: async () => (await import('./status.ts')).statusCommand },
  { name: 'list', load: async () => (await import('./list.ts')).listCommand },
  { name: 'show', load: async () => (await import('./show.ts')).showCommand },
  { name: 'analyze', load: async () => (await import('./analyze.ts')).analyzeCommand },
  { name: 'export', load: async () => (await import('./export.ts')).exportCommand },
  { name: 'pay', load: async () => (await import('./pay.ts')).payCommand },
  { name: 'import', load: async () => (await import('./import.ts')).importCommand },
  { name: 'rejudge', load: async () => (await import('./rejudge.ts')).rejudgeCommand },
  { name: 'power', load: async () => (await import('./power.ts')).powerCommand },
  { name: 'db', load: async () => (await import('./db.ts')).dbCommand },
  { name: 'demo', load: async () => (await import('./demo.ts')).demoCommand },
];

/** Every command loaded (for the general help, which lists what each does). */
export function loadAllCommands(): Promise<Command[]> {
  return Promise.all(COMMANDS.map((c) => c.load()));
}

/**
 * The commands that only read the database. On the embedded database such a command, when it is the
 * first to open the folder, holds it only for itself and briefly: a writer (run, serve, judge) that
 * comes meanwhile waits for it rather than joining a process about to end (packages/db/src/open.ts).
 */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'status',
  'list',
  'show',
  'analyze',
  'export',
]);

/**
 * Commands that take a short look at the database (a few small queries): they start the embedded
 * database light (the least shared memory, packages/db/src/open.ts's LIGHT_START) and compile its
 * WebAssembly with the baseline compiler only, since they end before optimised code would pay for
 * itself (apps/cli/bench/startup.bench.ts measures it, beside PGlite alone).
 */
export const LIGHT_COMMANDS: ReadonlySet<string> = new Set(['status', 'list', 'show']);

/**
 * Commands that start light as the short looks do when the embedded database is small, and as every
 * other command does when it is not: the choice is made before any WebAssembly is compiled, so from
 * the size of the database's tables on disk (database.ts's embeddedTableBytes), a few hundred file
 * sizes read. A small database can only hold a small experiment: `analyze` of 60 judgments then peaks
 * at about 170 MB instead of 410 (the shared memory, and TurboFan's code for PGlite). A large one may
 * hold a large experiment, whose reads run in PGlite for minutes, where optimised code pays: there the
 * baseline compiler alone made a 500,688-trial `analyze` slower (packages/stats/README.md, "Benchmark").
 * Bytes of tables up to which the database counts as small (a fresh one holds about 23 MB of catalogs;
 * each judgment adds about 12 KB).
 */
export const LIGHT_WHEN_SMALL: ReadonlyMap<string, number> = new Map([['analyze', 256 * 2 ** 20]]);
