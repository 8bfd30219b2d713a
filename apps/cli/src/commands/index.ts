import type { Command } from '../command.ts';
import { analyzeCommand } from './analyze.ts';
import { dbCommand } from './db.ts';
import { demoCommand } from './demo.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { judgeCommand } from './judge.ts';
import { listCommand } from './list.ts';
import { powerCommand } from './power.ts';
import { rejudgeCommand } from './rejudge.ts';
import { retryCommand } from './retry.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { showCommand } from './show.ts';
import { statusCommand } from './status.ts';

/** Every command, in the order `oversight help` lists them. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  retryCommand,
  serveCommand,
  judgeCommand,
  statusCommand,
  listCommand,
  showCommand,
  analyzeCommand,
  exportCommand,
  importCommand,
  rejudgeCommand,
  powerCommand,
  dbCommand,
  demoCommand,
];

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
