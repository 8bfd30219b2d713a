import { EXIT } from './exit-codes.ts';
import { stopAllProgress } from './progress.ts';

export interface Interrupt {
  /** Aborted at the first Ctrl-C. */
  signal: AbortSignal;
  dispose(): void;
}

/**
 * Ctrl-C while trials run: the first stops new trials from starting and lets those in progress
 * finish their current move (every move is stored as it is made, so nothing is lost either way);
 * a second one exits at once. Both leave the terminal as it was.
 */
export function catchInterrupt(resumeHint: string): Interrupt {
  const controller = new AbortController();
  const onSignal = () => {
    stopAllProgress();
    if (!controller.signal.aborted) {
      process.stderr.write(
        '\nstopping: letting the trials in progress store their current move (Ctrl-C again to stop now)\n',
      );
      controller.abort();
      return;
    }
    process.stderr.write(`\nstopped now. Every move made so far is stored; ${resumeHint}\n`);
    process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
