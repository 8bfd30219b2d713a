import { serve } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { limitHeapGrowth } from '../memory.ts';
import { participantFactories } from '../participants.ts';

function positiveInteger(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n > 0))
    throw new UsageError(`--${option} must be a positive whole number, not "${value}"`);
  return n;
}

/**
 * The long-running service: drives every trial of these experiments that is not waiting on a person
 * (the model and simulated turns after a person's move). Run several on one PostgreSQL server to share
 * the work; stop with Ctrl-C or SIGTERM (in-flight turns finish, nothing is lost).
 */
export const serveCommand: Command = {
  name: 'serve',
  usage: 'serve <experiment...> [--concurrency N] [--lease-seconds S] [--until-idle]',
  summary:
    'drive the model and simulated turns of these experiments as people move (several may share a server)',
  options: {
    ...DATA_DIR_OPTION,
    concurrency: {
      type: 'string',
      valueName: 'N',
      description: 'trials this process drives at once',
      defaultText: '32',
    },
    'lease-seconds': {
      type: 'string',
      valueName: 'S',
      description:
        "how long a claimed trial stays this process's, unrenewed, before another may take it over",
      defaultText: '30',
    },
    'until-idle': {
      type: 'boolean',
      description: "stop once nothing is left to drive, instead of waiting for people's moves",
    },
  },
  async run(input) {
    limitHeapGrowth();
    const experimentIds = input.positionals;
    if (experimentIds.length === 0)
      throw new UsageError('serve needs at least one experiment: oversight serve <experiment>');
    const concurrency = positiveInteger(stringOption(input, 'concurrency'), 'concurrency');
    const leaseSeconds = positiveInteger(stringOption(input, 'lease-seconds'), 'lease-seconds');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const stop = new AbortController();
      const onSignal = () => {
        if (!stop.signal.aborted)
          console.error('stopping: the turns in progress finish first; run serve again to go on');
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const started = Date.now();
      try {
        const service = serve(db, {
          experimentIds,
          factories: (experimentId, config) => participantFactories(db, experimentId, config),
          ...(concurrency ? { concurrency } : {}),
          ...(leaseSeconds ? { leaseMs: leaseSeconds * 1000 } : {}),
          untilIdle: input.values['until-idle'] === true,
          signal: stop.signal,
          onReady: () =>
            console.error(`serving ${experimentIds.join(', ')} (database: ${db.location}); Ctrl-C to stop`),
          onWarning: (message) => console.error(`warning: ${message}`),
          onStopped: (experimentId, o) =>
            console.log(`${experimentId}: ${o.reason}; ${o.stopped} trials not started in ${o.arm} stopped`),
        });
        const summary = await service.done;
        const seconds = (Date.now() - started) / 1000;
        console.log(
          `served ${summary.driven} trial runs in ${seconds.toFixed(1)} s: ${summary.outcomes.finished} finished, ${summary.outcomes.waiting} now waiting on people, ${summary.outcomes.aborted} aborted` +
            (summary.interrupted
              ? `; ${summary.interrupted} stopped between two moves (stored so far; serve again to go on)`
              : ''),
        );
        return 0;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  },
};
