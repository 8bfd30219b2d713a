import path from 'node:path';
import { designWarnings, type ExperimentConfigInput } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

const base: ExperimentConfigInput = {
  name: 'warned',
  seed: 1,
  dataset: { path: 'questions.jsonl' },
  judges: [{ count: 40 }],
  arms: [{ name: 'debate', protocol: 'debate' }],
};

/** A design that runs but is not what it seems is warned about, not run in silence. */
describe('design warnings', () => {
  it('odd trialsPerQuestion, a limit larger than the dataset, settings the protocol ignores', () => {
    const warnings = designWarnings(
      {
        ...base,
        questions: { limit: 50 },
        arguers: [{ name: 'helpers', participant: { kind: 'human' } }],
        arms: [
          { name: 'debate', protocol: 'debate', trialsPerQuestion: 3 },
          { name: 'consultancy', protocol: 'consultancy', trialsPerQuestion: 1, speeches: 'simultaneous' },
          { name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1, rounds: 3, charLimit: 800 },
          { name: 'sandwich', protocol: 'sandwiching', judgeMayEndEarly: false, arguerPools: ['helpers'] },
        ],
      },
      8,
    );
    const fields = warnings.map((w) => w.field);
    expect(fields).toEqual([
      'questions.limit',
      'arms[0].trialsPerQuestion',
      'arms[1].trialsPerQuestion',
      'arms[1].speeches',
      'arms[2].rounds',
      'arms[2].charLimit',
      'arms[3].judgeMayEndEarly',
      'arms[3].arguerPools',
    ]);
    expect(warnings[0]!.message).toMatch(/50 is more than the 8 questions in the dataset, so all 8 are used/);
    expect(warnings[1]!.message).toMatch(
      /3 is odd, so the design is unbalanced: each debater defends the correct answer/,
    );
    expect(warnings[2]!.message).toMatch(
      /the arguer is honest in more trials .*a multiple of four also balances/,
    );
    expect(warnings[4]!.message).toMatch(/ignored: judge-alone has no arguers/);
    // A baseline with one trial per question, and defaults nobody wrote, are fine.
    expect(
      designWarnings(
        { ...base, arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }] },
        8,
      ),
    ).toEqual([]);
    expect(designWarnings({ ...base, questions: { ids: ['a', 'b'], limit: 3 } }, 8)[0]!.message).toMatch(
      /3 is more than the 2 questions listed in questions\.ids/,
    );
  });

  it('a config that lets people judge a story again that they saw in another experiment', () => {
    const people = { name: 'people', participant: { kind: 'human' as const, platform: 'discord' as const } };
    const arms = [{ name: 'alone', protocol: 'judge-alone' as const, trialsPerQuestion: 2 }];
    const warned = designWarnings({ ...base, judges: [people], arms, eachStoryOnce: 'per-experiment' }, 8);
    expect(warned).toEqual([
      {
        field: 'eachStoryOnce',
        message: expect.stringMatching(
          /^"per-experiment" lets a person judge a story they judged or argued in another experiment on the same dataset, .*not blind; remove it unless this is a planned re-test/,
        ),
      },
    ]);
    // Only people remember stories; the default (and saying it) is silent.
    expect(designWarnings({ ...base, arms, eachStoryOnce: 'per-experiment' }, 8)[0]!.message).toMatch(
      /^ignored: no arm is judged by people/,
    );
    expect(designWarnings({ ...base, judges: [people], arms, eachStoryOnce: 'per-dataset' }, 8)).toEqual([]);
    expect(designWarnings({ ...base, judges: [people], arms }, 8)).toEqual([]);
  });

  it('run prints them and goes ahead', async () => {
    const dir = tempDir('warnings');
    writeQuestions(dir, 4);
    const file = writeConfig(dir, {
      ...base,
      questions: { limit: 10 },
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 1 }],
    });
    const run = await oversight(['run', file, '--data-dir', path.join(dir, 'data')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: .*config\.json: questions\.limit: 10 is more than the 4 questions/);
    expect(run.stderr).toMatch(/warning: .*config\.json: arms\[0\]\.trialsPerQuestion: 1 is odd/);
    expect(run.stdout).toMatch(/warned: 4 finished/);
  });
});
