import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  applyMove,
  checkClaim,
  chooseSeat,
  foldEvents,
  judgeView,
  type Move,
  nextTurn,
  type OpenSeat,
  owedMoves,
  qualificationStatus,
  seatOrder,
  type TrialEvent,
  type TrialState,
} from '../src/index.ts';
import { created, question, rules } from './fixtures.ts';

function play(state: TrialState, move: Move): TrialEvent[] {
  const result = applyMove(state, move, question.source);
  if (!result.ok) throw new Error(result.error);
  for (const event of result.events) applyEvent(state, event);
  return result.events;
}

const speech = (role: 'debater-a' | 'debater-b' | 'consultant'): Move => ({
  type: 'argument',
  role,
  text: `${role} says <quote>the logbook was intact</quote>.`,
});

describe('nothing is coerced', () => {
  it('refuses a final turn that does not end the trial, instead of turning it into a verdict', () => {
    const state = foldEvents([created(rules({ protocol: 'judge-alone' }))]);
    const result = applyMove(
      state,
      { type: 'judgement', probabilities: [0.6, 0.4], end: false },
      question.source,
    );
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/last turn: submit your final verdict/),
    });
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', final: true });
  });

  it('refuses a comment to the arguers sent with an early verdict in interactive debate', () => {
    const state = foldEvents([created(rules({ protocol: 'interactive-debate', rounds: 3 }))]);
    play(state, speech('debater-a'));
    play(state, speech('debater-b'));
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', mayEnd: true, mayComment: true, final: false });
    const result = applyMove(
      state,
      { type: 'judgement', probabilities: [0.9, 0.1], comment: 'Why the storm?', end: true },
      question.source,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/no question or comment/);
    expect(state.verdict).toBeNull();
    // The same comment with "continue" is kept, and both debaters see it.
    play(state, { type: 'judgement', probabilities: [0.9, 0.1], comment: 'Why the storm?', end: false });
    expect(state.interjections.map((i) => i.text)).toEqual(['Why the storm?']);
  });
});

describe('a move names the turn it answers', () => {
  it('refuses a stale position, another seat, a finished trial, and out-of-turn moves', () => {
    const state = foldEvents([created(rules({ protocol: 'consultancy', rounds: 2 }))]);
    const judge = { role: 'judge' as const, participantId: 'judge-1' };
    expect(checkClaim(state, { ...judge, position: 1 })).toMatchObject({ code: 'not-your-turn' });
    play(state, speech('consultant'));
    const firstJudgeTurn = judgeView(state, question).position;
    expect(checkClaim(state, { ...judge, position: firstJudgeTurn })).toBeNull();
    expect(
      checkClaim(state, { role: 'judge', participantId: 'someone', position: firstJudgeTurn }),
    ).toMatchObject({ code: 'not-your-seat' });
    play(state, { type: 'judgement', probabilities: [0.6, 0.4], comment: 'Where?', end: false });
    play(state, speech('consultant'));
    // A click on the round-1 screen arriving in round 2 is stale, with the new position to show.
    const refusal = checkClaim(state, { ...judge, position: firstJudgeTurn });
    expect(refusal).toMatchObject({ code: 'stale' });
    expect(judgeView(state, question).position).toBeGreaterThan(firstJudgeTurn);
    play(state, { type: 'judgement', probabilities: [0.7, 0.3], end: true });
    expect(checkClaim(state, { ...judge, position: firstJudgeTurn })).toMatchObject({ code: 'finished' });
  });

  it('keeps a debater’s position when the other debater speaks first under simultaneous speeches', () => {
    const state = foldEvents([created(rules({ protocol: 'debate', speeches: 'simultaneous', rounds: 2 }))]);
    const owed = owedMoves(state);
    expect(owed.map((o) => o.role)).toEqual(['debater-a', 'debater-b']);
    expect(owed.every((o) => o.sinceSeq === 1)).toBe(true);
    play(state, speech('debater-a'));
    expect(checkClaim(state, { role: 'debater-b', participantId: 'arguer', position: 1 })).toBeNull();
    expect(checkClaim(state, { role: 'debater-a', participantId: 'arguer', position: 1 })).toMatchObject({
      code: 'not-your-turn',
    });
  });

  it('holds seats from ParticipantAssigned events: unassigned until a person takes them, reassignable', () => {
    const base = created(rules({ protocol: 'judge-alone' }));
    const state = foldEvents([{ ...base, judgeId: null }]);
    expect(owedMoves(state)).toEqual([{ role: 'judge', participantId: null, sinceSeq: 1 }]);
    applyEvent(state, {
      type: 'ParticipantAssigned',
      role: 'judge',
      participantId: 'ada',
      reason: 'next',
      order: 0,
    });
    expect(owedMoves(state)).toEqual([{ role: 'judge', participantId: 'ada', sinceSeq: 1 }]);
    // The seat changing hands does not move the turn: the new holder answers position 1.
    applyEvent(state, {
      type: 'ParticipantAssigned',
      role: 'judge',
      participantId: 'bo',
      reason: 'reassigned',
      by: 'admin',
    });
    expect(checkClaim(state, { role: 'judge', participantId: 'ada', position: 1 })).toMatchObject({
      code: 'not-your-seat',
    });
    expect(checkClaim(state, { role: 'judge', participantId: 'bo', position: 1 })).toBeNull();
  });
});

describe('transcripts follow the log', () => {
  it('shows a judge question logged before the consultant’s answer in that order, whatever the round numbers', () => {
    // As imported from NYU 2023: the judge's question carries the round of the answer that follows it.
    const state = foldEvents([
      created(rules({ protocol: 'consultancy', rounds: 3 })),
      { type: 'ArgumentSubmitted', round: 1, role: 'consultant', text: 'opening', quotes: [] },
      { type: 'BeliefReported', round: 1, probabilities: [0.5, 0.5] },
      { type: 'JudgeInterjected', round: 2, text: 'what about the storm?' },
      { type: 'ArgumentSubmitted', round: 2, role: 'consultant', text: 'the storm never came', quotes: [] },
    ]);
    expect(judgeView(state, question).transcript.map((e) => e.text || e.kind)).toEqual([
      'opening',
      'belief',
      'what about the storm?',
      'the storm never came',
    ]);
  });
});

describe('seating people', () => {
  const seat = (
    trialId: string,
    arm: string,
    storyId: string,
    role: OpenSeat['role'] = 'judge',
    ordinal = 0,
  ) => ({
    trialId,
    arm,
    role,
    storyId,
    ordinal,
  });
  const empty = { stories: new Set<string>(), trials: new Set<string>(), perArm: {}, total: 0 };

  it('never gives a judge a story they have seen, nor two seats in one trial', () => {
    const seats = [seat('t1', 'debate', 's1'), seat('t2', 'debate', 's2', 'debater-a')];
    const history = { ...empty, stories: new Set(['s1', 's2']), trials: new Set(['t2']), total: 2 };
    expect(chooseSeat(seats, history, 'seed', 'ada')).toBeNull();
    // An arguer may argue a story again (it is a judge who must not have read it).
    expect(chooseSeat([seat('t3', 'debate', 's1', 'debater-b')], history, 'seed', 'ada')?.trialId).toBe('t3');
  });

  it('gives people asking at once different seats to try first, every seat once, chooseSeat first', () => {
    const seats = Array.from({ length: 200 }, (_, i) => seat(`t${i}`, 'debate', `s${i}`, 'judge', i));
    const people = Array.from({ length: 50 }, (_, i) => `person-${i}`);
    const firsts = people.map((p) => {
      const order = seatOrder(seats, empty, 'exp-seed', p);
      expect(new Set(order.map((s) => s.trialId)).size).toBe(200);
      expect(order[0]).toEqual(chooseSeat(seats, empty, 'exp-seed', p));
      // Reproducible from the seed.
      expect(seatOrder(seats, empty, 'exp-seed', p)).toEqual(order);
      return order[0]!.trialId;
    });
    // 50 people over 200 seats: drawn at random, most start apart (all on one seat was the race).
    expect(new Set(firsts).size).toBeGreaterThan(35);
  });

  it('meets arms in a seeded random, balanced order per person', () => {
    const arms = ['debate', 'consultancy', 'judge-alone'];
    const seats = arms.flatMap((arm) =>
      Array.from({ length: 20 }, (_, i) => seat(`${arm}-${i}`, arm, `${arm}-s${i}`, 'judge', i)),
    );
    const firstArms = new Set<string>();
    for (const person of ['ada', 'bo', 'cy', 'di', 'ed', 'fay']) {
      const history = {
        stories: new Set<string>(),
        trials: new Set<string>(),
        perArm: {} as Record<string, number>,
        total: 0,
      };
      const order: string[] = [];
      for (let k = 0; k < 9; k++) {
        const chosen = chooseSeat(seats, history, 'exp-seed', person)!;
        order.push(chosen.arm);
        history.stories.add(chosen.storyId);
        history.trials.add(chosen.trialId);
        history.perArm[chosen.arm] = (history.perArm[chosen.arm] ?? 0) + 1;
        history.total += 1;
      }
      // Balanced: after every block of three, one of each arm.
      for (let b = 0; b < 3; b++) expect(new Set(order.slice(b * 3, b * 3 + 3)).size).toBe(3);
      firstArms.add(order[0]!);
      // Reproducible from the seed.
      expect(chooseSeat(seats, { ...empty }, 'exp-seed', person)?.arm).toBe(order[0]);
    }
    // Random: people do not all start with the same arm.
    expect(firstArms.size).toBeGreaterThan(1);
  });

  it('qualifies, keeps practising or fails by the rule', () => {
    const rule = { arm: 'practice', trials: 3, minCorrect: 2 };
    expect(qualificationStatus(rule, [true, true], 0).state).toBe('qualified');
    expect(qualificationStatus(rule, [true, false], 0)).toMatchObject({ state: 'practising', seatsLeft: 1 });
    expect(qualificationStatus(rule, [false], 1)).toMatchObject({ state: 'practising', seatsLeft: 1 });
    expect(qualificationStatus(rule, [false, false], 0).state).toBe('failed');
  });
});
