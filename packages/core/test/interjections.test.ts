import { describe, expect, it } from 'vitest';
import {
  anyTimeInterjectionRefusal,
  applyEvent,
  applyMove,
  arguerView,
  checkInterjectionClaim,
  ExperimentConfigSchema,
  foldEvents,
  judgeView,
  judgmentOf,
  type Move,
  nextTurn,
  type TrialState,
} from '../src/index.ts';
import { created, question, rules, story } from './fixtures.ts';

/**
 * A judge who may ask at any time: the question is an event at the end of what they had seen; the
 * round being written never sees it, the next round's speeches (both sides') do; a limit, a stale
 * screen, the last round and the judge's own turn refuse it; the reward may charge for it.
 */

function play(state: TrialState, move: Move): TrialState {
  const result = applyMove(state, move, story);
  if (!result.ok) throw new Error(result.error);
  for (const e of result.events) applyEvent(state, e);
  return state;
}

const speak = (role: 'debater-a' | 'debater-b' | 'consultant', text = `${role} speaks.`): Move => ({
  type: 'argument',
  role,
  text,
});
const ask = (text = 'Which chapter?'): Move => ({ type: 'interjection', text });
const judge = (end = false): Move => ({ type: 'judgement', probabilities: [0.6, 0.4], end });

function anyTime(extra: Record<string, unknown> = {}) {
  const c = created(rules({ protocol: 'debate', rounds: 3, interjections: 'any-time', ...extra }));
  return foldEvents([{ ...c, judgeId: 'judge-1' }]);
}

describe('questions at any time', () => {
  it('reach both debaters with the next round, never the round being written', () => {
    const state = anyTime();
    play(state, speak('debater-a'));
    const seen = judgeView(state, question).position;
    play(state, ask('Where is the logbook?'));
    expect(state.interjections.at(-1)).toMatchObject({
      round: 1,
      atAnyTime: true,
      text: 'Where is the logbook?',
    });
    // Debater B is still writing round 1: the question is not on their screen (nor was it on A's).
    const b1 = arguerView(state, 'debater-b', question);
    expect(b1.transcript.some((e) => e.kind === 'interjection')).toBe(false);
    // The judge sees their own question at once; the end of what they have seen moved past it.
    expect(judgeView(state, question).transcript.map((e) => e.kind)).toEqual(['interjection']);
    expect(judgeView(state, question).position).toBeGreaterThan(seen);
    play(state, speak('debater-b'));
    for (const role of ['debater-a', 'debater-b'] as const)
      expect(arguerView(state, role, question).transcript.filter((e) => e.kind === 'interjection')).toEqual([
        expect.objectContaining({ round: 1, text: 'Where is the logbook?' }),
      ]);
  });

  it('is refused where nobody could answer it, on the judge’s own turn, past the limit, and between-rounds arms', () => {
    const between = foldEvents([{ ...created(rules({ protocol: 'debate', rounds: 3 })), judgeId: 'j' }]);
    expect(anyTimeInterjectionRefusal(between)).toMatch(/only at their turns/);
    const state = anyTime({ maxInterjections: 1, beliefsEachRound: true });
    play(state, ask());
    expect(applyMove(state, ask(), story)).toEqual({
      ok: false,
      error: expect.stringMatching(/the most this arm allows/),
    });
    play(state, speak('debater-a'));
    play(state, speak('debater-b'));
    // The limit covers comments at the judge's turns too.
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', mayComment: false });
    const own = anyTime();
    play(own, speak('debater-a'));
    play(own, speak('debater-b'));
    expect(applyMove(own, ask(), story)).toEqual({ ok: false, error: expect.stringMatching(/your turn/) });
    const last = anyTime({ rounds: 1 });
    expect(applyMove(last, ask(), story)).toEqual({
      ok: false,
      error: expect.stringMatching(/last speeches/),
    });
    expect(applyMove(anyTime(), ask('   '), story)).toEqual({ ok: false, error: 'the question is empty' });
  });

  it('lets a plain debate’s judge comment at their turns too, within the limit', () => {
    const state = anyTime({ maxInterjections: 2 });
    play(state, speak('debater-a'));
    play(state, speak('debater-b'));
    expect(nextTurn(state)).toMatchObject({ kind: 'judge', mayComment: true });
  });

  it('refuses a question typed before a round reached the judge (stale), and one from someone else', () => {
    const state = anyTime();
    const seen = judgeView(state, question).position;
    play(state, speak('debater-a'));
    // A's speech is withheld from the judge: their screen has not moved, the question is fresh.
    expect(checkInterjectionClaim(state, { participantId: 'judge-1', position: seen })).toBeNull();
    play(state, speak('debater-b'));
    play(state, judge());
    play(state, speak('debater-a'));
    expect(checkInterjectionClaim(state, { participantId: 'judge-1', position: seen })).toMatchObject({
      code: 'stale',
    });
    const now = judgeView(state, question).position;
    expect(checkInterjectionClaim(state, { participantId: 'judge-1', position: now })).toBeNull();
    expect(checkInterjectionClaim(state, { participantId: 'someone', position: now })).toMatchObject({
      code: 'not-your-seat',
    });
  });

  it('charges the arm’s interjectionPenalty in the reward, by the one rule', () => {
    const state = anyTime({ interjectionPenalty: 0.1, rounds: 2 });
    play(state, ask());
    play(state, speak('debater-a'));
    play(state, speak('debater-b'));
    play(state, judge());
    play(state, speak('debater-a'));
    play(state, speak('debater-b'));
    play(state, judge(true));
    const reward = ExperimentConfigSchema.parse({
      name: 'x',
      seed: 1,
      arms: [{ name: 'a', protocol: 'debate' }],
    }).reward;
    const judged = judgmentOf(state, reward)!;
    // log2(0.6) − 0.05 (one continue) − 0.1 (one question)
    expect(judged.reward).toBeCloseTo(Math.log2(0.6) - 0.05 - 0.1, 12);
  });

  it('is refused in a config for protocols other than debate and consultancy', () => {
    const result = ExperimentConfigSchema.safeParse({
      name: 'x',
      seed: 1,
      arms: [{ name: 'a', protocol: 'sandwiching', interjections: 'any-time' }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/sandwiching takes no interjection settings/);
  });
});
