import { foldEvents, judgeView, judgmentOf, parseStoredConfig, TrialEventSchema } from '@oversight/core';
import type { Database } from '@oversight/db';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { renderRevealed } from '../revealed-view.ts';
import { didYouMean, listSome } from '../suggest.ts';
import { renderJudgeView } from '../terminal-view.ts';

function safeStoredConfig(stored: unknown) {
  try {
    return parseStoredConfig(stored);
  } catch {
    return null;
  }
}

/** A trial id that does not exist: say which experiment it seems to belong to, and its nearest trials. */
async function explainMissing(db: Database, trialId: string): Promise<never> {
  const experiments = (await db.experiments.list()).map((e) => e.id);
  // Trial ids start with their experiment's id: <experiment>.<arm>.<question>.<k>.
  const experiment = experiments
    .filter((id) => trialId.startsWith(`${id}.`))
    .sort((a, b) => b.length - a.length)[0];
  if (!experiment)
    throw new UsageError(
      `no trial "${trialId}" in ${db.location}; trial ids start with their experiment's id ` +
        `(experiments: ${listSome(experiments)}); pnpm oversight list <experiment> lists its trials`,
    );
  const near = await db.trials.list(experiment, {
    afterId: trialId.slice(0, trialId.lastIndexOf('.')),
    limit: 50,
  });
  throw new UsageError(
    `no trial "${trialId}" in experiment ${experiment}${didYouMean(
      trialId,
      near.map((t) => t.id),
    )}; ` + `pnpm oversight list ${experiment} lists its trials`,
  );
}

export const showCommand: Command = {
  name: 'show',
  usage: 'show <trial> [--judge-view] [--reveal]',
  summary:
    'a trial as its judge saw it, then everything the judge could not see (truth, assignments, quote matches)',
  options: {
    ...DATA_DIR_OPTION,
    'judge-view': { type: 'boolean', description: 'only what the judge saw, nothing revealed' },
    reveal: {
      type: 'boolean',
      description:
        'also the truth of a trial that is not finished (its judge has not given the verdict yet: keep it from them)',
    },
  },
  async run(input) {
    const [trialId, extra] = input.positionals;
    if (!trialId) throw new UsageError('show needs a trial id (pnpm oversight list <experiment> lists them)');
    if (extra) throw new UsageError(`show takes one trial at a time, not also "${extra}"`);
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      // A trial id, or the handle a chat app shows (an admin's status lists handles).
      const trial = (await db.trials.get(trialId)) ?? (await db.trials.byRef(trialId));
      if (!trial) return explainMissing(db, trialId);
      const state = foldEvents(
        (await db.events.load(trial.id)).map((e) => TrialEventSchema.parse(e.payload)),
      );
      const question = await db.questions.get(trial.dataset, trial.questionId);
      if (!question)
        throw new UsageError(
          `trial ${trialId} asks question "${trial.questionId}" of dataset "${trial.dataset}", which is not in ${db.location}; import the dataset again`,
        );
      // The screen at the judge's last move: the verdict and the truth come below, apart.
      console.log(renderJudgeView({ ...judgeView(state, question), revealed: null }, { reader: 'operator' }));
      if (input.values['judge-view'] === true) return 0;
      // The terminal is the operator's tool, and its screen may be seen by a judge: the truth of a trial
      // still waiting for its verdict is printed only when asked for.
      if (!state.verdict && !state.aborted && input.values.reveal !== true) {
        console.log(
          `\nThis trial is not finished: its judge has not given the verdict, so the truth (correct answer, who was honest, quote matches) is not printed. Add --reveal to print it anyway.`,
        );
        return 0;
      }
      const experiment = await db.experiments.get(trial.experimentId);
      const config = experiment ? safeStoredConfig(experiment.config) : null;
      const labels = new Map((await db.participants.list(trial.experimentId)).map((p) => [p.id, p.label]));
      const judgment = config ? judgmentOf(state, config.reward) : null;
      console.log(`\n${renderRevealed(state, question, judgment, labels)}`);
      return 0;
    });
  },
};
