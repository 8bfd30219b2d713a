import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * Unknown names and empty inputs are errors that say what exists, not quiet successes; deleting
 * asks first. Also what a researcher uses to find a trial: list and show.
 */
describe('names, deletions and finding trials', () => {
  const dir = tempDir('names');
  writeQuestions(dir, 4, 4);
  const dataDir = path.join(dir, 'data');
  const at = (...args: string[]) => oversight([...args, '--data-dir', dataDir]);
  let server: FakeOpenAIServer;

  beforeAll(async () => {
    const file = writeConfig(dir, {
      name: 'pilot',
      seed: 7,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 8 }],
      arms: [
        { name: 'debate', protocol: 'debate', rounds: 2 },
        { name: 'consultancy', protocol: 'consultancy', rounds: 2 },
      ],
    });
    const run = await oversight(['run', file, '--data-dir', dataDir]);
    expect(run.code, run.stderr).toBe(0);
    server = await startFakeOpenAI({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it("list: the experiments with their arms and counts; and an experiment's trials", async () => {
    const listed = await at('list');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^pilot: 16 trials \(16 finished\), 16 judgments$/m);
    expect(listed.stdout).toMatch(/^ {2}debate +debate +8 trials$/m);
    expect(listed.stdout).toMatch(/^ {2}consultancy +consultancy +8 trials$/m);
    const trials = await at('list', 'pilot', '--limit', '3');
    expect(trials.stdout.match(/^pilot\.\S+ +finished +judges-\d+$/gm)).toHaveLength(3);
    expect(trials.stdout).toMatch(/more: oversight list pilot --after pilot\.\S+/);
  });

  it('show: the transcript as the judge saw it, then everything revealed', async () => {
    const shown = await at('show', 'pilot.consultancy.q001.0');
    expect(shown.code, shown.stderr).toBe(0);
    const [judgeSaw, revealed] = shown.stdout.split('── Revealed');
    expect(judgeSaw).toMatch(/Question: What did the pilot do/);
    expect(judgeSaw).toMatch(/\[round 1\] Consultant:/);
    // The operator reads it: the judge's beliefs, not "your" (show is not the judge's screen).
    expect(judgeSaw).toMatch(/the judge's belief: A \d+%, B \d+%/);
    expect(judgeSaw).not.toMatch(/Correct answer|correct answer|honest/);
    expect(revealed).toMatch(/correct answer: [AB]\. (repaired the beacon|mapped the reef)/);
    expect(revealed).toMatch(
      /Consultant: .* defended [AB] \((the correct answer: honest|a wrong answer: dishonest)\)/,
    );
    expect(revealed).toMatch(/verdict in round 2: A \d+%, B \d+%/);
    expect(revealed).toMatch(/outcome: (correct|wrong) \(p\(correct\) \d+%\), \d+ continues, reward -?\d/);
    const judgeOnly = await at('show', 'pilot.consultancy.q001.0', '--judge-view');
    expect(judgeOnly.stdout).toBe(judgeSaw!.replace(/\n+$/, '\n'));
    const typo = await at('show', 'pilot.consultancy.q001.7');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(
      /no trial "pilot\.consultancy\.q001\.7" in experiment pilot \(did you mean "pilot\.consultancy\.q001\.[01]"\?\)/,
    );
  });

  it('db drop-experiment: an unknown id is an error naming what exists; deleting needs --yes', async () => {
    const unknown = await at('db', 'drop-experiment', 'pilto');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /no experiment "pilto" in .* \(did you mean "pilot"\?\); the experiments are: pilot/,
    );
    const unconfirmed = await at('db', 'drop-experiment', 'pilot');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(
      /this would delete experiment "pilot" .*16 trials.*16 judgments.*run again with --yes \(nothing was deleted\)/,
    );
    expect((await at('list')).stdout).toMatch(/^pilot: 16 trials/m);
  });

  it('rejudge: a misspelt arm is an error, and nothing is created', async () => {
    const rejudged = await at(
      'rejudge',
      'pilot',
      '--model',
      'fake-judge',
      '--endpoint',
      server.url,
      '--arms',
      'debate,consultency',
    );
    expect(rejudged.code).toBe(2);
    expect(rejudged.stderr).toMatch(
      /--arms: experiment "pilot" has no arm "consultency" \(did you mean "consultancy"\?\); its arms are: /,
    );
    expect(server.stats().chatCompletions).toBe(0);
    expect((await at('list')).stdout).not.toMatch(/ai-judge/);
  });

  it('rejudge: when the judge fails on every trial, no empty experiment is left behind', async () => {
    server.configure({ faults: { rateBadContent: 1 } });
    try {
      const failed = await at(
        'rejudge',
        'pilot',
        '--model',
        'fake-judge',
        '--endpoint',
        server.url,
        '--arms',
        'debate',
      );
      expect(failed.code, failed.stderr).toBe(2);
      expect(failed.stderr).toMatch(/could not judge any of the 8 trials .*nothing was stored/);
      expect((await at('list')).stdout).not.toMatch(/ai-judge/);
    } finally {
      server.configure({ faults: undefined });
    }
    // Another model: the first one's unusable replies are in the model cache and would be replayed.
    const judged = await at(
      'rejudge',
      'pilot',
      '--model',
      'fake-judge-b',
      '--endpoint',
      server.url,
      '--arms',
      'debate',
    );
    expect(judged.code, judged.stderr).toBe(0);
    expect(judged.stderr).toMatch(/re-judging pilot: 8\/8 trials/);
    expect(judged.stdout).toMatch(/pilot\.ai-judge\.fake-judge-b: 8 new AI judgments/);
  });

  it('importing a file with no questions is an error, and creates nothing', async () => {
    const empty = path.join(dir, 'none.jsonl');
    writeFileSync(empty, '\n\n');
    const fresh = path.join(dir, 'fresh');
    const imported = await oversight(['import', empty, '--data-dir', fresh]);
    expect(imported.code).toBe(2);
    expect(imported.stderr).toMatch(/none\.jsonl: holds no questions, so nothing was imported/);
    const listed = await oversight(['list', '--data-dir', fresh]);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toMatch(/no database in .*fresh/);
  });

  it('deleting with --yes deletes', async () => {
    const dropped = await at('db', 'drop-experiment', 'pilot.ai-judge.fake-judge-b', '--yes');
    expect(dropped.code, dropped.stderr).toBe(0);
    expect((await at('list')).stdout).not.toMatch(/ai-judge/);
  });
});
