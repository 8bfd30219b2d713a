import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import {
  type ArguerRole,
  anyTimeInterjectionRefusal,
  arguerView,
  judgeView,
  type Move,
  nextTurn,
  parseCredence,
  parseStoredConfig,
  rewardStatusLine,
  type TrialState,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import {
  consentOf,
  driveContext,
  driveIfFree,
  type Identity,
  identityKey,
  joinablePools,
  joinExperiment,
  nextForPerson,
  type PeopleContext,
  participantRecords,
  submitMove,
} from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { participantFactories } from '../participants.ts';
import { LETTERS, renderArguerView, renderJudgeView, wrapForTerminal } from '../terminal-view.ts';

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

/**
 * The person's credence, parsed by core's one rule (70 and 70% are seventy percent; a lone 0.7 is
 * refused as ambiguous), echoed back, and confirmed when it is near certainty.
 */
async function askProbability(ask: Ask, answers: number): Promise<number[]> {
  const prompt =
    answers === 2
      ? 'Your credence that A is correct, in percent (e.g. 70): '
      : `Your credence in each answer, in percent, ${LETTERS.slice(0, answers).split('').join(' ')} (e.g. ${answers === 3 ? '50 30 20' : '40 30 20 10'}): `;
  for (;;) {
    const parsed = parseCredence(await ask(prompt), answers);
    if (!parsed.ok) {
      console.log(`Not recorded: ${parsed.error}.`);
      continue;
    }
    if (parsed.extreme && !/^y/i.test(await ask(`That is ${parsed.echo}: near certainty. Keep it? [y/N] `)))
      continue;
    console.log(`Credence: ${parsed.echo}.`);
    return parsed.probabilities;
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

/** The participant a terminal name stands for: joined before, joining now (with consent), or an error. */
async function personFor(ctx: PeopleContext, name: string, ask: Ask): Promise<string> {
  const identity: Identity = { platform: 'terminal', user: name };
  const joined = await ctx.db.participants.byIdentity(ctx.experimentId, identityKey(identity));
  if (joined && !joined.leftAt) return joined.id;
  // Only a terminal name: `--as` never acts for a participant id, which may be a Discord or Slack
  // person's seat (the terminal is the operator's machine; it must not answer for people elsewhere).
  const byId = await ctx.db.participants.get(ctx.experimentId, name);
  if (byId && byId.identity !== identityKey(identity))
    throw new UsageError(
      `"${name}" is the participant id of ${byId.kind === 'human' ? `a person who takes part ${byId.identity?.startsWith('terminal:') ? 'at the terminal under another name' : `on ${byId.identity?.split(':')[0] ?? 'another platform'}`}` : `a ${byId.kind} participant`}; --as takes your own terminal name, and the terminal acts only for people who joined there`,
    );
  if (joinablePools(ctx.config, identity).length === 0) {
    const people = (await ctx.db.participants.list(ctx.experimentId)).filter((p) =>
      p.identity?.startsWith('terminal:'),
    );
    const known = people.map((p) => p.identity!.slice('terminal:'.length));
    throw new UsageError(
      `"${name}" cannot take part in ${ctx.experimentId} at the terminal` +
        (known.length
          ? `; terminal names in it: ${known.join(', ')}`
          : '; it has no pool of terminal participants'),
    );
  }
  const consent = consentOf(ctx.config);
  let accepted = true;
  if (consent) {
    console.log(`\n${consent.text}\n`);
    accepted = /^y/i.test(await ask('Do you agree to take part? [y/N] '));
  }
  const result = await joinExperiment(ctx, identity, { accepted });
  if (result.status === 'refused') throw new UsageError(result.reason);
  console.log(`You joined ${ctx.experimentId} as ${result.participant.label} (${result.participant.id}).`);
  return result.participant.id;
}

function render(state: TrialState, role: string, question: Parameters<typeof judgeView>[1]): string {
  const text =
    role === 'judge'
      ? renderJudgeView(judgeView(state, question))
      : renderArguerView(arguerView(state, role as ArguerRole, question));
  return wrapForTerminal(text, process.stdout.columns);
}

/** How many trials this person has had and may still get now: "trial 2 of 9". */
async function progressOf(
  ctx: PeopleContext,
  participantId: string,
): Promise<{ done: number; total: number }> {
  const { db, experimentId } = ctx;
  const seats = await db.trials.seatsOf(experimentId, participantId);
  const owed = await db.trials.owedBy(participantId, experimentId);
  const person = await db.participants.get(experimentId, participantId);
  const judging = person?.pool ? ctx.config.judges.some((p) => p.name === person.pool) : true;
  const open = await db.trials.openSeats({
    experimentId,
    participantId,
    roles: judging ? ['judge'] : ['debater-a', 'debater-b', 'consultant', 'assistant'],
    arms: ctx.config.arms.map((a) => a.name),
    perArm: 1000,
  });
  // A judge gets each story once, so open seats on one story count once.
  const more = judging ? new Set(open.map((o) => o.storyId)).size : new Set(open.map((o) => o.trialId)).size;
  const finished = seats.length - owed.length;
  return { done: finished, total: seats.length + more };
}

export const judgeCommand: Command = {
  name: 'judge',
  usage: 'judge <experiment> --as <name>',
  summary: 'take your turns (as judge, or as a human arguer) in the trials waiting for you, at the terminal',
  options: {
    ...DATA_DIR_OPTION,
    as: {
      type: 'string',
      valueName: 'NAME',
      description: 'your name at the terminal (you join the experiment under a pseudonym on first use)',
    },
  },
  async run(input) {
    const [experimentId] = input.positionals;
    const me = stringOption(input, 'as');
    if (!experimentId || !me) throw new UsageError('usage: oversight judge <experiment> --as <name>');
    return withDatabase(stringOption(input, 'data-dir'), async (db: Database) => {
      const experiment = await db.experiments.get(experimentId);
      if (!experiment) throw new UsageError(`no experiment "${experimentId}" in ${db.location}`);
      const config = parseStoredConfig(experiment.config);
      const scope = { experimentId, config, participants: participantRecords(config) };
      const drive = driveContext(db, scope, participantFactories(db, experimentId, config));
      const ctx: PeopleContext = { db, drive, experimentId, config };
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const lines = rl[Symbol.asyncIterator]();
      // Ctrl-C while a person types: nothing of the turn in progress is recorded, everything before is.
      rl.on('SIGINT', () => {
        console.log(
          `\nStopped. Every move you confirmed is recorded; the one you were typing is not. Go on with  pnpm oversight judge ${experimentId} --as ${me}`,
        );
        rl.close();
        process.exit(130);
      });
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
      let reason = '';
      try {
        const participantId = await personFor(ctx, me, ask);
        for (;;) {
          const next = await nextForPerson(ctx, participantId);
          if (next.status === 'none') {
            reason = next.reason;
            break;
          }
          let state = next.state;
          const question = await drive.questions(state.created);
          const turn = nextTurn(state);
          if (!turn) continue;
          const progress = await progressOf(ctx, participantId);
          console.log(
            wrapForTerminal(
              `\nTrial ${progress.done + 1} of ${Math.max(progress.total, progress.done + 1)} for you. Ctrl-C stops; what you have answered is kept, and the same command goes on.`,
              process.stdout.columns,
            ),
          );
          console.log(`\n${render(state, next.role, question)}\n`);
          for (;;) {
            const move: Move =
              turn.kind === 'judge'
                ? await askMove(ask, turn, state.created.displayed.length)
                : { type: 'argument', role: next.role as ArguerRole, text: await askArgument(ask) };
            const position =
              next.role === 'judge'
                ? judgeView(state, question).position
                : arguerView(state, next.role as ArguerRole, question).position;
            const result = await submitMove(drive, {
              trialId: next.trialId,
              participantId,
              position,
              receipt: { key: `terminal:${randomUUID()}`, participantId, platform: 'terminal', ref: me },
              move,
            });
            state = result.state;
            if (result.status === 'accepted') break;
            console.log(`Not accepted: ${result.message}`);
            if (result.code !== 'invalid') break;
          }
          moves += 1;
          // Arms whose judge may ask at any time: the terminal offers it as the arguers start writing
          // (their turns run right here, so this is the moment there is to ask in).
          if (next.role === 'judge' && anyTimeInterjectionRefusal(state) === null) {
            const text = (
              await ask(
                'The arguers start writing. A question for them (answered in their next speeches), or Enter: ',
              )
            ).trim();
            if (text) {
              const asked = await submitMove(drive, {
                trialId: next.trialId,
                participantId,
                position: judgeView(state, question).position,
                receipt: { key: `terminal:${randomUUID()}`, participantId, platform: 'terminal', ref: me },
                move: { type: 'interjection', text },
              });
              console.log(
                asked.status === 'accepted' ? 'Sent to the arguers.' : `Not sent: ${asked.message}`,
              );
              state = asked.state;
            }
          }
          if (state.verdict)
            console.log(`\n${renderJudgeView(judgeView(state, question)).split('\n').at(-1)}`);
          // No service may be running: the simulated and model turns that follow run here, unless one holds the trial.
          await driveIfFree(db, drive, next.trialId);
        }
        // What their verdicts so far will pay: the line the chat apps and the web show in a status.
        if (config.payment) {
          const mine = (await db.judgments.list(experimentId)).filter((j) => j.judgeId === participantId);
          console.log(
            rewardStatusLine(
              mine.map((j) => j.reward),
              config.payment,
            ),
          );
        }
      } finally {
        rl.close();
      }
      console.log(moves === 0 ? `nothing for you now: ${reason}` : `recorded ${moves} moves; ${reason}`);
      return 0;
    });
  },
};
