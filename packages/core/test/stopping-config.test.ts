import { describe, expect, it } from 'vitest';
import { ExperimentConfigSchema } from '../src/index.ts';

const base = {
  name: 'stop',
  seed: 1,
  arms: [
    { name: 'debate', protocol: 'debate' },
    { name: 'alone', protocol: 'judge-alone' },
  ],
};

function issues(stopping: unknown): string[] {
  const parsed = ExperimentConfigSchema.safeParse({ ...base, stopping });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the stopping rule in a config', () => {
  it('takes defaults, and leaves configs without one (and their hash) as they were', () => {
    const parsed = ExperimentConfigSchema.parse({ ...base, stopping: {} });
    expect(parsed.stopping).toEqual({ alpha: 0.05, minJudgments: 0, per: 'arm' });
    expect('stopping' in ExperimentConfigSchema.parse(base)).toBe(false);
  });

  it('names the field and the fix when it is wrong', () => {
    expect(issues({ arms: ['debate', 'consulting'] })).toEqual([
      'stopping.arms.1: no arm named "consulting"; the stopping rule can watch debate, alone',
    ]);
    expect(issues({ per: 'comparison', comparisons: [['debate', 'debate']] })).toEqual([
      'stopping.comparisons.0: a comparison needs two different arms, not "debate" twice',
    ]);
    expect(issues({ comparisons: [['debate', 'alone']] })).toEqual([
      'stopping.comparisons: comparisons apply with "per": "comparison"; drop them or set "per": "comparison"',
    ]);
    expect(issues({ minJudgments: 50, maxJudgments: 20 })).toEqual([
      'stopping.maxJudgments: maxJudgments (20) is below minJudgments (50)',
    ]);
    expect(issues({ alpha: 0.5 })[0]).toMatch(/^stopping\.alpha: /);
  });
});
