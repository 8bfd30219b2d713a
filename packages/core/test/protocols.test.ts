import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  applyMove,
  foldEvents,
  judgmentOf,
  type Move,
  nextTurn,
  RewardConfigSchema,
  type TrialState,
} from '../src/index.ts';
import { created, question, rules } from './fixtures.ts';

function play(state: TrialState, move: Move): TrialState {
  const result = applyMove(state, move, question.source);
  if (!result.ok) throw new Error(result.error);
  for (const event of result.events) applyEvent(state, event);
  return state;
}
const reward = RewardConfigSchema.parse({});

describe('debate', () => {
  it('alternates debaters, asks the judge between rounds and ends with a verdict', () => {
    const state = foldEvents([created(rules({ protocol: 'debate', rounds: 2 }))]);
    expect(nextTurn(state)).toMatchObject({ kind: 'speech', round: 1, roles: ['debater-a'] });
    play(state, {
      type: 'argument',
      role: 'debater-a',
      text: 'A says <quote>the logbook was intact</quote>.',
    });
    expect(nextTurn(state)).toMatchObject({ kind: 'speech', roles: ['debater-b'] });
    play(state, { type: 'argument', role: 'debater-b', text: 'B disagrees.' });
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 1, final: false, mayComment: false });
    play(state, { type: 'judgement', probabilities: [0.6, 0.4], end: false });
    play(state, { type: 'argument', role: 'debater-a', text: 'A again.' });
    play(state, { type: 'argument', role: 'debater-b', text: 'B again.' });
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 2, final: true });
    play(state, { type: 'judgement', probabilities: [0.8, 0.2], end: true });
    expect(nextTurn(state)).toBeNull();
    const judgment = judgmentOf(state, reward)!;
    expect(judgment).toMatchObject({ correct: true, probCorrect: 0.8, rounds: 1, beliefs: [0.6, 0.8] });
    expect(judgment.reward).toBeCloseTo(Math.log2(0.8) - 0.05, 12);
    expect(state.arguments[0]!.quotes[0]!.status).toBe('verified');
  });

  it('lets both debaters speak at once under simultaneous speeches', () => {
    const state = foldEvents([created(rules({ protocol: 'debate', rounds: 1, speeches: 'simultaneous' }))]);
    expect(nextTurn(state)).toMatchObject({ kind: 'speech', roles: ['debater-a', 'debater-b'] });
    play(state, { type: 'argument', role: 'debater-b', text: 'B first.' });
    expect(nextTurn(state)).toMatchObject({ kind: 'speech', roles: ['debater-a'] });
  });

  it('rejects moves out of turn, over the limits, or with bad probabilities, and says why', () => {
    const state = foldEvents([
      created(
        rules({ protocol: 'debate', rounds: 1, charLimit: 20, quoteLimit: 5, judgeMayEndEarly: false }),
      ),
    ]);
    const err = (move: Move) => {
      const r = applyMove(state, move, question.source);
      return r.ok ? 'ok' : r.error;
    };
    expect(err({ type: 'argument', role: 'debater-b', text: 'x' })).toMatch(/not debater-b's turn/);
    expect(err({ type: 'argument', role: 'debater-a', text: 'x'.repeat(21) })).toMatch(
      /21 characters; the limit is 20/,
    );
    expect(err({ type: 'argument', role: 'debater-a', text: '<quote>rocket</quote>' })).toMatch(
      /quote budget is 5/,
    );
    expect(err({ type: 'judgement', probabilities: [0.5, 0.5], end: true })).toMatch(/not the judge's turn/);
    play(state, { type: 'argument', role: 'debater-a', text: 'a' });
    play(state, { type: 'argument', role: 'debater-b', text: 'b' });
    expect(err({ type: 'judgement', probabilities: [0.7, 0.7], end: true })).toMatch(/sum to 1/);
    expect(err({ type: 'judgement', probabilities: [1], end: true })).toMatch(/expected 2 probabilities/);
    expect(err({ type: 'judgement', end: true })).toMatch(/probability for each answer/);
  });

  it('lets the judge end early only when the arm allows it', () => {
    const strict = foldEvents([created(rules({ protocol: 'debate', rounds: 3, judgeMayEndEarly: false }))]);
    play(strict, { type: 'argument', role: 'debater-a', text: 'a' });
    play(strict, { type: 'argument', role: 'debater-b', text: 'b' });
    const refused = applyMove(
      strict,
      { type: 'judgement', probabilities: [0.5, 0.5], end: true },
      question.source,
    );
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/does not let the judge end/) });
    const open = foldEvents([created(rules({ protocol: 'debate', rounds: 3 }))]);
    play(open, { type: 'argument', role: 'debater-a', text: 'a' });
    play(open, { type: 'argument', role: 'debater-b', text: 'b' });
    play(open, { type: 'judgement', probabilities: [0.9, 0.1], end: true });
    expect(open.verdict?.round).toBe(1);
    expect(judgmentOf(open, reward)!.rounds).toBe(0);
  });
});

describe('interactive debate and consultancy', () => {
  it('records the judge interjection, which both debaters then see', () => {
    const state = foldEvents([created(rules({ protocol: 'interactive-debate', rounds: 2 }))]);
    play(state, { type: 'argument', role: 'debater-a', text: 'a' });
    play(state, { type: 'argument', role: 'debater-b', text: 'b' });
    play(state, {
      type: 'judgement',
      probabilities: [0.5, 0.5],
      comment: 'Where is the storm mentioned?',
      end: false,
    });
    expect(state.interjections).toHaveLength(1);
    expect(state.beliefs).toHaveLength(1);
  });

  it('plain debate refuses judge comments', () => {
    const state = foldEvents([created(rules({ protocol: 'debate', rounds: 2 }))]);
    play(state, { type: 'argument', role: 'debater-a', text: 'a' });
    play(state, { type: 'argument', role: 'debater-b', text: 'b' });
    const r = applyMove(
      state,
      { type: 'judgement', probabilities: [0.5, 0.5], comment: 'hi', end: false },
      question.source,
    );
    expect(r.ok).toBe(false);
  });

  it('consultancy: one consultant, questioned each round', () => {
    const state = foldEvents([created(rules({ protocol: 'consultancy', rounds: 2 }), 1)]);
    expect(nextTurn(state)).toMatchObject({ kind: 'speech', roles: ['consultant'] });
    play(state, { type: 'argument', role: 'consultant', text: 'trust me' });
    play(state, { type: 'judgement', probabilities: [0.3, 0.7], comment: 'Why?', end: false });
    play(state, { type: 'argument', role: 'consultant', text: 'because' });
    play(state, { type: 'judgement', probabilities: [0.2, 0.8], end: true });
    const j = judgmentOf(state, reward)!;
    expect(j.arguerHonest).toBe(false);
    expect(j.correct).toBe(true);
  });
});

describe('sandwiching and baselines', () => {
  it('sandwiching: the person writes first, the assistant replies, up to the turn limit', () => {
    const state = foldEvents([created(rules({ protocol: 'sandwiching', rounds: 1 }))]);
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 1, final: false, mustComment: true });
    expect(
      applyMove(state, { type: 'judgement', probabilities: [0.5, 0.5], end: false }, question.source).ok,
    ).toBe(false);
    play(state, { type: 'judgement', probabilities: [0.5, 0.5], comment: 'What happened?', end: false });
    expect(nextTurn(state)).toMatchObject({ kind: 'speech', roles: ['assistant'] });
    play(state, { type: 'argument', role: 'assistant', text: 'The storm.' });
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 2, final: true });
    play(state, { type: 'judgement', probabilities: [0.9, 0.1], end: true });
    expect(judgmentOf(state, reward)!.arguerHonest).toBe(true);
  });

  it.each(['judge-alone', 'oracle'] as const)('%s: a single verdict', (protocol) => {
    const state = foldEvents([created(rules({ protocol }))]);
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 1, final: true });
    play(state, { type: 'judgement', probabilities: [0.4, 0.6], end: true });
    expect(judgmentOf(state, reward)).toMatchObject({ correct: false, rounds: 0, arguerHonest: null });
  });

  it('an abort ends the trial without a judgment', () => {
    const state = foldEvents([created(rules({ protocol: 'debate' }))]);
    play(state, { type: 'abort', reason: 'model unavailable', role: 'debater-a' });
    expect(nextTurn(state)).toBeNull();
    expect(judgmentOf(state, reward)).toBeNull();
  });
});
