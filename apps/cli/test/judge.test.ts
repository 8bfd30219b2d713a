import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

/** A person judges at the terminal: the run leaves trials waiting for people; `judge` gives them seats and records their verdicts. */
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

    expect(judged.stdout).toMatch(/You joined people as \w+ \w+ \(people-1\)/);
    expect(judged.stdout).toMatch(/recorded 4 moves/);
    const status = cli(['status', 'people', '--data-dir', dataDir], { cwd: dir });
    expect(status.stdout).toMatch(/4 trials: 4 finished/);
    expect(status.stdout).toMatch(/people: people-1 \(\w+ \w+, --as ada\)/);

    // bo may join too, but ada has judged every trial; someone not in the pool may not join at all.
    const bo = cli(['judge', 'people', '--as', 'bo', '--data-dir', dataDir], { cwd: dir });
    expect(bo.code, bo.stderr).toBe(0);
    expect(bo.stdout).toMatch(/nothing for you now/);
    const carol = cli(['judge', 'people', '--as', 'carol', '--data-dir', dataDir], { cwd: dir });
    expect(carol.code).toBe(2);
    expect(carol.stderr).toMatch(/"carol" cannot take part in people/);
  });

  it('lets a person argue: a human consultant types arguments, a simulated judge decides', () => {
    const dir = tempDir('arguer');
    const questions = path.basename(writeQuestions(dir, 2, 2));
    const file = writeConfig(dir, {
      name: 'human-consultant',
      seed: 4,
      dataset: { path: questions },
      judges: [{ count: 4 }],
      arms: [
        {
          name: 'consultancy',
          protocol: 'consultancy',
          rounds: 1,
          trialsPerQuestion: 2,
          charLimit: 300,
          arguer: { kind: 'human', platform: 'terminal' },
        },
      ],
    });
    const dataDir = path.join(dir, 'data');
    expect(cli(['run', file, '--data-dir', dataDir], { cwd: dir }).stdout).toMatch(/4 waiting/);
    const speech = `${'too long '.repeat(40)}\n.\nThe story says <quote>the pilot repaired the beacon</quote>.\n.\n`;
    const argued = cli(['judge', 'human-consultant', '--as', 'cy', '--data-dir', dataDir], {
      cwd: dir,
      input: speech.repeat(4),
    });
    expect(argued.code, argued.stderr).toBe(0);
    expect(argued.stdout).toMatch(/you are Consultant/);
    expect(argued.stdout).toMatch(/You defend [AB] \((the correct answer|a wrong answer)\)/);
    expect(argued.stdout).toMatch(/Not accepted: the argument has \d+ characters; the limit is 300/);
    const status = cli(['status', 'human-consultant', '--data-dir', dataDir], { cwd: dir });
    expect(status.stdout).toMatch(/4 trials: 4 finished/);
  });
});
