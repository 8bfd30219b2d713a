import { describe, expect, it } from 'vitest';
import { AssignmentError, ExperimentConfigSchema, planTrials, type Question } from '../src/index.ts';

const questions: Question[] = Array.from({ length: 12 }, (_, i) => ({
  id: `q${String(i).padStart(2, '0')}`,
  storyId: `story-${i % 3}`,
  storyTitle: '',
  question: `Question ${i}?`,
  answers: ['right', 'wrong', 'also wrong'],
  correctIndex: 0,
  source: 'text',
  metadata: {},
}));

const config = ExperimentConfigSchema.parse({
  name: 'balance',
  seed: 7,
  judges: [{ count: 40 }],
  arms: [
    { name: 'debate', protocol: 'debate', trialsPerQuestion: 2 },
    { name: 'consultancy', protocol: 'consultancy', trialsPerQuestion: 4 },
  ],
});

describe('assignment', () => {
  const trials = planTrials('exp', config, questions);

  it('balances honest/dishonest and answer order per question', () => {
    for (const q of questions) {
      const consult = trials.filter((t) => t.created.arm === 'consultancy' && t.created.questionId === q.id);
      expect(consult.filter((t) => t.created.arguers[0]!.honest)).toHaveLength(2);
      expect(consult.filter((t) => t.created.correctDisplayed === 0)).toHaveLength(2);
      const debate = trials.filter((t) => t.created.arm === 'debate' && t.created.questionId === q.id);
      expect(debate.map((t) => t.created.arguers.find((a) => a.honest)!.role).sort()).toEqual([
        'debater-a',
        'debater-b',
      ]);
    }
  });

  it('never shows a judge the same story twice and spreads the load', () => {
    const seen = new Set<string>();
    const load = new Map<string, number>();
    for (const t of trials) {
      const key = `${t.created.judgeId}/${t.created.storyId}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      load.set(t.created.judgeId!, (load.get(t.created.judgeId!) ?? 0) + 1);
    }
    const loads = [...load.values()];
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(2);
  });

  it('is a pure function of config and seed', () => {
    expect(planTrials('exp', config, [...questions].reverse())).toEqual(trials);
    const other = planTrials('exp', { ...config, seed: '8' }, questions);
    expect(other.map((t) => t.created.judgeId)).not.toEqual(trials.map((t) => t.created.judgeId));
  });

  it('explains when there are too few judges', () => {
    const tight = ExperimentConfigSchema.parse({ ...config, judges: [{ count: 5 }] });
    expect(() => planTrials('exp', tight, questions)).toThrow(AssignmentError);
    expect(() => planTrials('exp', tight, questions)).toThrow(/add judges/);
  });
});

describe('config defaults', () => {
  it('fills in every default, including those of the default judge pool', () => {
    const parsed = ExperimentConfigSchema.parse({
      name: 'x',
      seed: 1,
      arms: [{ name: 'a', protocol: 'debate' }],
    });
    expect(parsed.judges).toHaveLength(1);
    expect(parsed.judges[0]).toMatchObject({
      name: 'judges',
      count: 20,
      participant: { kind: 'simulated-judge', unswayedAccuracy: 0.55 },
    });
    expect(parsed.arms[0]).toMatchObject({
      rounds: 3,
      speeches: 'sequential',
      trialsPerQuestion: 2,
      arguer: { kind: 'simulated-arguer' },
    });
    expect(parsed.dataset).toEqual({ bundled: 'nyu-2023-quality' });
  });
});
