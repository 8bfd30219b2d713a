import { StoppingRuleSchema } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import type { ClusterCounts } from '../src/bootstrap.ts';
import { evaluateStoppingRule } from '../src/stopping.ts';

/** `judges` judges with `each` judgments, `wins` of them won per judge. */
function arm(judges: number, each: number, wins: number): ClusterCounts {
  return {
    clusters: Array.from({ length: judges }, (_, i) => `j${i}`),
    successes: new Float64Array(judges).fill(wins),
    trials: new Float64Array(judges).fill(each),
  };
}

describe('the stopping rule', () => {
  const counts = new Map([
    ['debate', arm(12, 3, 3)], // 36 of 36
    ['consultancy', arm(12, 3, 2)], // 24 of 36
    ['alone', arm(12, 3, 1)], // 12 of 36
  ]);
  const arms = ['debate', 'consultancy', 'alone'];

  it('per arm: stops the arms whose sequence excludes 50%, once they have minJudgments', () => {
    const rule = StoppingRuleSchema.parse({ alpha: 0.05 });
    const result = evaluateStoppingRule(rule, arms, counts);
    expect(result.stop.map((s) => s.arm)).toEqual(['debate']);
    expect(result.stop[0]!.reason).toMatch(
      /^stopping rule: the answer is known — debate: \d\.\d\d to 1\.00 after 36 judgments/,
    );
    expect(result.standings.map((s) => s.status.known)).toEqual(['above', null, null]);
    const later = evaluateStoppingRule(StoppingRuleSchema.parse({ minJudgments: 40 }), arms, counts);
    expect(later.stop).toEqual([]);
  });

  it('stops any watched arm at maxJudgments, known or not', () => {
    const rule = StoppingRuleSchema.parse({ maxJudgments: 36, arms: ['consultancy'] });
    const result = evaluateStoppingRule(rule, arms, counts);
    expect(result.stop).toEqual([
      { arm: 'consultancy', reason: 'stopping rule: consultancy reached its maximum of 36 judgments (36)' },
    ]);
  });

  it('per comparison: stops both arms of a pair whose difference is known', () => {
    const rule = StoppingRuleSchema.parse({ per: 'comparison', comparisons: [['debate', 'alone']] });
    const result = evaluateStoppingRule(rule, arms, counts);
    expect(result.stop.map((s) => s.arm)).toEqual(['debate', 'alone']);
    expect(result.stop[0]!.reason).toContain('debate − alone');
    expect(result.stop[0]!.reason).toContain('debate ahead at alpha = 0.05');
    // a pair that is not known stops nothing
    const close = evaluateStoppingRule(
      StoppingRuleSchema.parse({ per: 'comparison', comparisons: [['debate', 'consultancy']] }),
      arms,
      new Map([
        ['debate', arm(12, 2, 1)],
        ['consultancy', arm(12, 2, 1)],
      ]),
    );
    expect(close.stop).toEqual([]);
  });

  it('declares nothing before 10 judges, unless an arm is judged by one judge by design', () => {
    const few = new Map([['debate', arm(3, 20, 20)]]);
    const rule = StoppingRuleSchema.parse({});
    expect(evaluateStoppingRule(rule, ['debate'], few).stop).toEqual([]);
    const model = new Map([['debate', arm(1, 40, 40)]]);
    expect(evaluateStoppingRule(rule, ['debate'], model).stop).toEqual([]);
    expect(evaluateStoppingRule(rule, ['debate'], model, () => true).stop.map((s) => s.arm)).toEqual([
      'debate',
    ]);
  });
});
