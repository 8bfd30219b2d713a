import type { Command } from '../command.ts';
import { analyzeCommand } from './analyze.ts';
import { dbCommand } from './db.ts';
import { demoCommand } from './demo.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { judgeCommand } from './judge.ts';
import { listCommand } from './list.ts';
import { payCommand } from './pay.ts';
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
  payCommand,
  importCommand,
  rejudgeCommand,
  powerCommand,
  dbCommand,
  demoCommand,
];
