import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

/** A person judges at the terminal: the run leaves trials waiting for them; `judge` records their verdicts. */
describe('oversight judge', () => {
  it('shows the waiting trials and records the verdicts typed at the prompt', () => {
    const dir = tempDir('judge');
    const questions = path.basename(writeQuestions(dir, 4, 4));
    const file = writeConfig(dir, {
      name: 'people',
      seed: 3,
      dataset: { path: questions },
      judges: [{ name: 'people', ids: ['ada', 'bo'], participant: { kind: 'human', platform: 'terminal' } }],
      arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 1 }],
    });
    const dataDir = path.join(dir, 'data');
    const run = cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/4 waiting/);

    const judged = cli(['judge', 'people', '--as', 'ada', '--data-dir', dataDir], {
      cwd: dir,
      input: 'lots\n80\nthe quotes were convincing\n'.repeat(4),
    });
    expect(judged.code, judged.stderr).toBe(0);
    expect(judged.stdout).toMatch(/Question: What did the pilot do/);
    expect(judged.stdout).toMatch(/Consultant:/);
    expect(judged.stdout).toMatch(/✓ verified/);
    expect(judged.stdout).toMatch(/Please type a number from 0 to 100/);
    expect(judged.stdout).toMatch(/Correct answer: [AB]/);

    const status = cli(['status', 'people', '--data-dir', dataDir], { cwd: dir });
    expect(status.stdout).toMatch(/4 trials: 2 finished, 2 waiting/);
  });
});
