import { describe, expect, it } from 'vitest';
import {
  applyMove,
  type ExperimentConfig,
  ExperimentConfigSchema,
  foldEvents,
  judgeView,
  parseStoredConfig,
  participantText,
  planTrials,
  type Question,
  speechForPeople,
  type TrialEvent,
  type TrialState,
} from '../src/index.ts';
import { created, question, rules, story } from './fixtures.ts';

/**
 * What a judge could learn around the view: a round's speeches one by one (and so how long each
 * side took), which wrong answer an arm shows, and who is honest from a published config.
 */

/** The state after `role` speaks, folded from the whole log (the states before stay as they were). */
function speak(state: TrialState, role: 'debater-a' | 'debater-b' | 'consultant', text: string) {
  const result = applyMove(state, { type: 'argument', role, text }, story);
  if (!result.ok) throw new Error(result.error);
  const log = [...eventsOf(state), ...result.events];
  const next = foldEvents(log);
  logs.set(next, log);
  return next;
}

const logs = new WeakMap<TrialState, TrialEvent[]>();
function eventsOf(state: TrialState): TrialEvent[] {
  return logs.get(state) ?? [state.created];
}

describe("a round's speeches reach the judge together", () => {
  it('shows the judge nothing of a round until its last speech is in', () => {
    const c = created(rules({ protocol: 'debate', rounds: 2 }));
    const start = foldEvents([c]);
    const afterA = speak(start, 'debater-a', 'A speaks first.');
    // Debater A has spoken; Debater B has not: the judge's screen must not change at all (not the
    // transcript, not whose turn it is, not a position), or its timing would time A's speech.
    expect(judgeView(afterA, question)).toEqual(judgeView(start, question));
    const afterB = speak(afterA, 'debater-b', 'B answers.');
    const view = judgeView(afterB, question);
    expect(view.transcript.map((e) => e.speaker)).toEqual(['debater-a', 'debater-b']);
    expect(view.turn?.kind).toBe('judge');
  });

  it('still shows each debater the other’s speech at once under sequential speeches', () => {
    const c = created(rules({ protocol: 'debate', rounds: 2 }));
    const afterA = speak(foldEvents([c]), 'debater-a', 'A speaks first.');
    const result = applyMove(afterA, { type: 'argument', role: 'debater-b', text: 'B.' }, story);
    expect(result.ok).toBe(true);
  });

  it('names no trial id in the judge’s view', () => {
    const view = judgeView(foldEvents([created(rules({ protocol: 'consultancy' }))]), question);
    expect(JSON.stringify(view)).not.toContain('t1');
  });
});

describe('planning', () => {
  const fourAnswers: Question[] = Array.from({ length: 12 }, (_, i) => ({
    ...question,
    id: `q${i}`,
    storyId: `s${i}`,
    answers: ['right', 'wrong one', 'wrong two', 'wrong three'],
    correctIndex: 0,
  }));
  const config = (extra: Record<string, unknown> = {}): ExperimentConfig =>
    ExperimentConfigSchema.parse({
      name: 'e',
      seed: 'pilot-2026',
      judges: [{ name: 'j', count: 8 }],
      arms: [
        { name: 'debate', protocol: 'debate', trialsPerQuestion: 2 },
        { name: 'consultancy', protocol: 'consultancy', trialsPerQuestion: 2 },
      ],
      ...extra,
    });

  it('shows the same wrong answer of a question in every arm', () => {
    const trials = planTrials('e', config(), fourAnswers);
    for (const q of fourAnswers) {
      const shown = new Set(
        trials
          .filter((t) => t.created.questionId === q.id)
          .map((t) => t.created.displayed.filter((i) => i !== q.correctIndex)[0]),
      );
      expect(shown.size, `question ${q.id}`).toBe(1);
    }
  });

  it('keys where the correct answer is with the blinding key, so the config alone cannot rebuild it', () => {
    const published = planTrials('e', config(), fourAnswers);
    const keyed = planTrials('e', config(), fourAnswers, undefined, undefined, { blindingKey: 'k1' });
    const again = planTrials('e', config(), fourAnswers, undefined, undefined, { blindingKey: 'k1' });
    expect(again).toEqual(keyed);
    // Rebuilt from the config alone, the answer order agrees with the real one about half the time.
    const agree = keyed.filter(
      (t, i) => t.created.correctDisplayed === published[i]!.created.correctDisplayed,
    );
    expect(agree.length).toBeGreaterThan(keyed.length * 0.2);
    expect(agree.length).toBeLessThan(keyed.length * 0.8);
    // The design stays balanced under any key: per question, correct first in one debate trial of two,
    // and the consultant honest in one consultancy trial of two.
    for (const q of fourAnswers) {
      const mine = (arm: string) =>
        keyed.filter((t) => t.created.questionId === q.id && t.created.arm === arm);
      expect(mine('debate').filter((t) => t.created.correctDisplayed === 0)).toHaveLength(1);
      expect(mine('consultancy').filter((t) => t.created.arguers[0]!.honest)).toHaveLength(1);
    }
  });
});

describe('text people read', () => {
  it('drops terminal escapes and display-reordering controls, and the checker’s marks when typed', () => {
    expect(participantText('ok\u001b[2J\u202eB si tcerroc\u202c «fake» ✓ verified\r\nnext')).toBe(
      'ok[2JB si tcerroc "fake" v verified\nnext',
    );
    expect(participantText('مرحبا بالعالم 😀')).toBe('مرحبا بالعالم 😀');
  });

  it('marks only quotes the checker pairs', () => {
    expect(speechForPeople('a <quote>b</quote> c «d» <quote>e')).toBe('a «b» c "d" <quote>e');
  });
});

describe('retired settings', () => {
  it('refuses chat.slackChannel in a config, saying why, and reads a stored config that has it', () => {
    const input = {
      name: 'e',
      seed: 's',
      arms: [{ name: 'a', protocol: 'debate' }],
      chat: { slackChannel: 'C1' },
    };
    const result = ExperimentConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/reveal.*DM with the app/);
    expect(parseStoredConfig(input).chat?.slackChannel).toBeUndefined();
    expect(input.chat.slackChannel).toBe('C1');
  });
});
