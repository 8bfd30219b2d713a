import { EXIT } from './exit-codes.ts';
import { stopAllProgress } from './progress.ts';

export interface Interrupt {
  /** Aborted at the first Ctrl-C. */
  signal: AbortSignal;
  /** The signal that stopped it: a SIGTERM (a service manager stopping it) ends with exit 0. */
  readonly by: 'SIGINT' | 'SIGTERM' | null;
  dispose(): void;
}

/**
 * Ctrl-C while trials run: the first stops new trials from starting and lets those in progress
 * finish their current move (every move is stored as it is made, so nothing is lost either way);
 * a second one exits at once. Both leave the terminal as it was.
 */
export function catchInterrupt(resumeHint: string): Interrupt {
  const controller = new AbortController();
  let by: Interrupt['by'] = null;
  const onSignal = (name: NodeJS.Signals) => {
    stopAllProgress();
    if (!controller.signal.aborted) {
      by = name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
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
    get by() {
      return by;
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
