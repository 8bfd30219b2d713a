import { createRng, type JudgeView, type SimulatedJudgeSpec, swayFor } from '@oversight/core';
import type { MoveRequest, Participant, ParticipantFactory } from '../participant.ts';

/**
 * A simulated judge: a model of a person being swayed, for pilots, power analysis and tests.
 * It is told the truth (a simulation must be) and decides once per trial whether the correct or
 * the incorrect side convinced it, then reports beliefs drifting from 0.5 towards that answer,
 * with calibration noise and a per-judge skill offset so judgments cluster by judge as people's do.
 */

const logit = (p: number) => Math.log(p / (1 - p));
const expit = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (p: number) => Math.min(0.99, Math.max(0.01, p));

/** Per-judge skill offset on the logit scale, fixed by the judge's id. */
function skillOffset(judgeId: string): number {
  return createRng(`judge-skill/${judgeId}`).normal() * 0.4;
}

function shift(p: number, offset: number): number {
  return expit(logit(clamp(p)) + offset);
}

/** Whether the judge ends up favouring the correct answer in this trial. */
export function leansCorrect(
  spec: SimulatedJudgeSpec,
  view: JudgeView,
  truth: { honest: boolean | null },
  judgeId: string,
  trialSeed: string,
): boolean {
  const rng = createRng(`${trialSeed}/disposition`);
  const skill = skillOffset(judgeId);
  const unswayed = () => rng.next() < shift(spec.unswayedAccuracy, skill);
  if (view.protocol === 'judge-alone') return unswayed();
  if (view.protocol === 'oracle') return rng.next() < shift(spec.oracleAccuracy, skill);
  const sway = swayFor(spec, view.protocol)!;
  // Each question asked so far moves the judge (the spec's interjections.effect, 0 by default).
  const asked = view.transcript.filter((e) => e.kind === 'interjection').length;
  const help = (spec.interjections?.effect ?? 0) * asked;
  const byCorrect = rng.next() < shift(sway.byCorrect, skill + help);
  const byIncorrect = rng.next() < shift(sway.byIncorrect, -skill - help);
  if (view.positions.length >= 2) {
    if (byCorrect !== byIncorrect) return byCorrect;
    return unswayed();
  }
  if (truth.honest) return byCorrect || unswayed();
  return byIncorrect ? false : unswayed();
}

export function simulatedJudgement(spec: SimulatedJudgeSpec, request: MoveRequest, judgeId: string) {
  const view = request.view as JudgeView;
  const truth = request.simulationTruth;
  if (!truth) throw new Error('a simulated judge needs the simulation truth');
  if (request.turn.kind !== 'judge') throw new Error('not a judge turn');
  const turn = request.turn;
  const correct = leansCorrect(spec, view, truth, judgeId, request.trialSeed);
  const rng = createRng(request.seed);
  const target = clamp(expit(logit(spec.confidence) + rng.fork('noise').normal() * spec.calibrationNoise));
  const progress = turn.final ? 1 : turn.round / Math.max(1, view.rounds);
  const onLean = clamp(0.5 + (target - 0.5) * progress + (turn.final ? 0 : rng.normal() * 0.05));
  const pCorrect = correct ? onLean : 1 - onLean;
  const probabilities = view.answers.map(() => 0);
  const other = 1 - truth.correctAnswer;
  probabilities[truth.correctAnswer] = Math.round(pCorrect * 100) / 100;
  probabilities[other] = Math.round((1 - pCorrect) * 100) / 100;
  const sure = Math.abs(onLean - 0.5) > 0.3;
  const end = turn.final || (turn.mayEnd && sure && rng.next() < 0.5);
  const comment =
    turn.mayComment && !end && (turn.mustComment || rng.next() < 0.6)
      ? view.protocol === 'sandwiching'
        ? `What in the story tells us: ${view.question}`
        : 'Can you quote the passage that settles this?'
      : undefined;
  return {
    type: 'judgement' as const,
    probabilities,
    end,
    ...(comment ? { comment } : {}),
    meta: { participantId: judgeId, simulated: true },
  };
}

export const simulatedJudge: ParticipantFactory<'simulated-judge'> = (record): Participant => ({
  record,
  async respond(request) {
    return simulatedJudgement(record.spec, request, record.id);
  },
  async interject(request) {
    const rate = record.spec.interjections?.rate ?? 0;
    return createRng(`${request.seed}/interject`).next() < rate
      ? 'Which passage of the story settles it? Quote it.'
      : null;
  },
});
