import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  applyMove,
  ExperimentConfigSchema,
  experimentParticipants,
  foldEvents,
  judgeView,
  nextTurn,
  OFFLINE_SOURCE,
  offlineSourceOf,
  planOfflineTrials,
  replayRound,
  type TrialEvent,
} from '../src/index.ts';
import { created, question, rules, story } from './fixtures.ts';

/** A finished consultancy with a live judge's question, judged again offline in both modes. */
function finishedConsultancy(): TrialEvent[] {
  const c = created(rules({ protocol: 'consultancy', rounds: 2 }));
  const state = foldEvents([c]);
  const log: TrialEvent[] = [c];
  const play = (move: Parameters<typeof applyMove>[1]) => {
    const r = applyMove(state, move, story);
    if (!r.ok) throw new Error(r.error);
    for (const e of r.events) {
      applyEvent(state, e);
      log.push(e);
    }
  };
  play({ type: 'argument', role: 'consultant', text: 'Round one.' });
  play({ type: 'judgement', probabilities: [0.6, 0.4], comment: 'Which line?', end: false });
  play({ type: 'argument', role: 'consultant', text: 'Round two answers it.' });
  play({ type: 'judgement', probabilities: [0.7, 0.3], end: true });
  return log;
}

function offlineConfig(mode: 'whole' | 'stepped') {
  return ExperimentConfigSchema.parse({
    name: 'off',
    seed: 'off',
    judges: [{ name: 'sim', count: 4 }],
    arms: [
      { name: 'again', protocol: 'consultancy', source: { experiment: 'e1', mode, judgesPerTranscript: 2 } },
    ],
  });
}

describe('offline judging', () => {
  it('replays the source round by round; whole: one verdict after every round; stepped: a belief after each', () => {
    const log = finishedConsultancy();
    const source = offlineSourceOf(log)!;
    expect(source.rounds).toBe(2);
    for (const mode of ['whole', 'stepped'] as const) {
      const config = offlineConfig(mode);
      const trials = planOfflineTrials(
        'off',
        config,
        config.arms[0]!,
        [source],
        experimentParticipants(config),
        'd',
        0,
      );
      expect(trials).toHaveLength(2);
      expect(new Set(trials.map((t) => t.created.judgeId)).size).toBe(2);
      const t = trials[0]!.created;
      expect(t).toMatchObject({ displayed: [0, 1], correctDisplayed: 0, offline: { trialId: 't1', mode } });
      expect(t.arguers.every((a) => a.participantId === OFFLINE_SOURCE)).toBe(true);
      const state = foldEvents([t]);
      for (const e of replayRound(log, 1)) applyEvent(state, e);
      if (mode === 'stepped') {
        expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 1, final: false, mayComment: false });
        applyEvent(state, { type: 'BeliefReported', round: 1, probabilities: [0.5, 0.5] });
      } else expect(nextTurn(state)).toMatchObject({ kind: 'speech', round: 2 });
      // Round 2 comes with the live judge's question, which the consultant answered in it.
      const round2 = replayRound(log, 2);
      expect(round2.map((e) => e.type)).toEqual(['JudgeInterjected', 'ArgumentSubmitted']);
      for (const e of round2) applyEvent(state, e);
      expect(nextTurn(state)).toMatchObject({ kind: 'judge', round: 2, final: true });
      const view = judgeView(state, question);
      const asked = view.transcript.find((e) => e.kind === 'interjection');
      expect(asked).toMatchObject({ text: 'Which line?', byLiveJudge: true });
      expect(view.transcript.filter((e) => e.kind === 'argument')).toHaveLength(2);
    }
  });

  it('refuses an offline arm of another protocol than its source trials', () => {
    const source = offlineSourceOf(finishedConsultancy())!;
    const config = ExperimentConfigSchema.parse({
      name: 'off',
      seed: 'off',
      judges: [{ name: 'sim', count: 4 }],
      arms: [{ name: 'again', protocol: 'debate', source: { experiment: 'e1' } }],
    });
    expect(() =>
      planOfflineTrials('off', config, config.arms[0]!, [source], experimentParticipants(config), 'd', 0),
    ).toThrow(/arm again is debate, but trial t1 of e1 is consultancy/);
  });
});
