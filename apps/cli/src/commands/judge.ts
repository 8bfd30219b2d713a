import { createInterface } from 'node:readline/promises';
import {
  type ArguerRole,
  arguerView,
  ExperimentConfigSchema,
  foldEvents,
  judgeView,
  type Move,
  nextTurn,
  participantIdFor,
  rolesToMove,
} from '@oversight/core';
import { driveContext, driveTrial, participantRecords, submitMove } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { participantFactories } from '../participants.ts';
import { renderArguerView, renderJudgeView } from '../terminal-view.ts';

type Ask = (prompt: string) => Promise<string>;

/** An argument typed over several lines, ended by a line with a single dot. */
async function askArgument(ask: Ask): Promise<string> {
  console.log('Your argument; cite the story with <quote>…</quote>. End with a line containing only "."');
  const lines: string[] = [];
  for (;;) {
    const line = await ask(lines.length === 0 ? '> ' : '  ');
    if (line.trim() === '.') return lines.join('\n');
    lines.push(line);
  }
}

async function askProbability(ask: Ask, answers: number): Promise<number[]> {
  for (;;) {
    const raw = (await ask(`Probability (0-100) that A is correct: `)).trim();
    const p = Number(raw);
    if (raw !== '' && Number.isFinite(p) && p >= 0 && p <= 100) {
      if (answers === 2) return [p / 100, 1 - p / 100];
      return [p / 100, ...Array.from({ length: answers - 1 }, () => (1 - p / 100) / (answers - 1))];
    }
    console.log('Please type a number from 0 to 100.');
  }
}

/** Asks the person at the terminal for their move on this turn. */
async function askMove(
  ask: Ask,
  turn: Extract<ReturnType<typeof nextTurn>, { kind: 'judge' }>,
  answers: number,
): Promise<Move> {
  const probabilities = await askProbability(ask, answers);
  let end = turn.final;
  if (!end && turn.mayEnd) end = /^y/i.test(await ask('Lock this as your final verdict? [y/N] '));
  let comment: string | undefined;
  if (!end && turn.mayComment) {
    comment =
      (
        await ask(
          turn.mustComment
            ? 'Your message to the assistant: '
            : 'Question or comment for the arguers (Enter to skip): ',
        )
      ).trim() || undefined;
  }
  const rationale = end ? (await ask('Why? (optional, Enter to skip): ')).trim() : '';
  return {
    type: 'judgement',
    probabilities,
    end,
    ...(comment ? { comment } : {}),
    ...(rationale ? { rationale } : {}),
  };
}

export const judgeCommand: Command = {
  name: 'judge',
  usage: 'judge <experiment> --as <participant-id>',
  summary: 'take your turns (as judge, or as a human arguer) in the trials waiting for you, at the terminal',
  options: { ...DATA_DIR_OPTION, as: { type: 'string' } },
  async run(input) {
    const [experimentId] = input.positionals;
    const me = stringOption(input, 'as');
    if (!experimentId || !me)
      throw new UsageError('usage: oversight judge <experiment> --as <participant-id>');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const experiment = await db.experiments.get(experimentId);
      if (!experiment) throw new UsageError(`no experiment "${experimentId}" in ${db.location}`);
      const config = ExperimentConfigSchema.parse(experiment.config);
      const scope = { experimentId, config, participants: participantRecords(config) };
      const context = driveContext(db, scope, participantFactories(db, experimentId, config));
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const lines = rl[Symbol.asyncIterator]();
      // Read line by line so piped answers work as well as typed ones.
      const ask: Ask = async (prompt) => {
        process.stdout.write(prompt);
        const next = await lines.next();
        if (next.done)
          throw new UsageError(
            'input ended before the move was complete; nothing was recorded for this turn',
          );
        return next.value;
      };
      let moves = 0;
      const skipped = new Set<string>();
      try {
        for (;;) {
          const trial = (await db.trials.waitingFor(me, experimentId)).find((t) => !skipped.has(t.id));
          if (!trial) break;
          let state = foldEvents(await context.store.loadEvents(trial.id));
          const turn = nextTurn(state);
          const role = rolesToMove(state).find((r) => participantIdFor(state, r) === me);
          if (!turn || !role) {
            // Not this person's move after all: let the automatic participants move, and do not
            // come back to this trial in this session.
            skipped.add(trial.id);
            await driveTrial(trial.id, context);
            continue;
          }
          const question = await context.questions(state.created.questionId);
          console.log(
            `\n${turn.kind === 'judge' ? renderJudgeView(judgeView(state, question)) : renderArguerView(arguerView(state, role as ArguerRole, question))}\n`,
          );
          for (;;) {
            const move: Move =
              turn.kind === 'judge'
                ? await askMove(ask, turn, state.created.displayed.length)
                : { type: 'argument', role, text: await askArgument(ask) };
            const result = await submitMove(trial.id, me, move, context);
            state = result.state;
            if (result.ok) break;
            console.log(`Not accepted: ${result.error}`);
          }
          moves += 1;
          if (state.verdict)
            console.log(`\n${renderJudgeView(judgeView(state, question)).split('\n').at(-1)}`);
        }
      } finally {
        rl.close();
      }
      console.log(
        moves === 0
          ? `nothing waits for ${me} in ${experimentId}`
          : `recorded ${moves} moves; nothing more waits for ${me} now`,
      );
      return 0;
    });
  },
};
