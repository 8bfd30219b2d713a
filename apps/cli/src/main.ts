#!/usr/bin/env node
import { exitWithParent } from '@oversight/runner';
import { reportError, runCli } from './cli.ts';
import { EXIT } from './exit-codes.ts';

const debug = process.argv.includes('--debug');
// Started by a benchmark or a test: end with it (packages/runner/src/exit-with-parent.ts).
exitWithParent();

// `oversight export x | head` closes the pipe early: the reader has what it wanted, so stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    process.exit(reportError(error, debug));
  });
}
process.on('unhandledRejection', (error) => process.exit(reportError(error, debug)));

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // The command is done: end even if a library left something running (PGlite does, after it failed
  // to start on a full disk). Unref'd, so an exit that would happen anyway is not delayed.
  setTimeout(() => process.exit(code), 2_000).unref();
});
