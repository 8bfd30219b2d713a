import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, launcher, repoRoot, tempDir, writeConfig, writeQuestions } from './cli.ts';

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

    // The truth of a trial still waiting for its judge is not printed unless asked for.
    const waiting = cli(['show', 'people.consultancy.q001.0', '--data-dir', dataDir], { cwd: dir });
    expect(waiting.code, waiting.stderr).toBe(0);
    expect(waiting.stdout).toMatch(/not finished: .* Add --reveal/);
    expect(waiting.stdout).not.toMatch(/Revealed|correct answer: [AB]\./);
    const asked = cli(['show', 'people.consultancy.q001.0', '--reveal', '--data-dir', dataDir], { cwd: dir });
    expect(asked.stdout).toMatch(/correct answer: [AB]\./);

    const judged = cli(['judge', 'people', '--as', 'ada', '--data-dir', dataDir], {
      cwd: dir,
      input: 'lots\n80\nthe quotes were convincing\n'.repeat(4),
    });
    expect(judged.code, judged.stderr).toBe(0);
    expect(judged.stdout).toMatch(/Question: What did the pilot do/);
    expect(judged.stdout).toMatch(/Consultant:/);
    expect(judged.stdout).toMatch(/✓ verified/);
    expect(judged.stdout).toMatch(/Not recorded: "lots" is not a number/);
    expect(judged.stdout).toMatch(/Credence: A 80%, B 20%\./);
    expect(judged.stdout).toMatch(/Trial 1 of 4 for you/);
    expect(judged.stdout).toMatch(/Correct answer: [AB]/);
    // The judge's screen names no trial (its id follows from the plan).
    expect(judged.stdout).not.toMatch(/people\.consultancy\.q00/);

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
    // --as takes terminal names only, never a participant id (a Discord or Slack person's seat).
    const byId = cli(['judge', 'people', '--as', 'people-2', '--data-dir', dataDir], { cwd: dir });
    expect(byId.code).toBe(2);
    expect(byId.stderr).toMatch(
      /"people-2" is the participant id of a person .*--as takes your own terminal name/,
    );
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

  it('in a narrow terminal, wraps at words, refuses an ambiguous 0.7, confirms certainty, and stops cleanly on Ctrl-C', () => {
    const dir = tempDir('terminal');
    const questions = path.basename(writeQuestions(dir, 4, 4));
    const file = writeConfig(dir, {
      name: 'typing',
      seed: 5,
      dataset: { path: questions },
      judges: [{ name: 'people', participant: { kind: 'human', platform: 'terminal' } }],
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    });
    const dataDir = path.join(dir, 'data');
    expect(cli(['run', file, '--data-dir', dataDir], { cwd: dir }).code).toBe(0);
    const script = path.join(dir, 'script.json');
    writeFileSync(
      script,
      JSON.stringify([
        ['in percent', '0.7\r'],
        ['ambiguous', '100\r'],
        ['Keep it\\? \\[y/N\\]', 'n\r'],
        ['in percent', '70%\r'],
        ['Why\\?', 'the answers\r'],
        ['Trial 2 of 4', '\x03'],
      ]),
    );
    const run = spawnSync(
      'python3',
      [
        path.join(repoRoot, 'apps/cli/test/fixtures/terminal-session.py'),
        '40',
        script,
        process.execPath,
        launcher,
        'judge',
        'typing',
        '--as',
        'ada',
        '--data-dir',
        dataDir,
      ],
      {
        encoding: 'utf8',
        cwd: dir,
        env: { ...process.env, INIT_CWD: dir, DATABASE_URL: '' },
        timeout: 120_000,
      },
    );
    const session = JSON.parse(run.stdout) as { output: string; code: number; steps: number };
    const output = session.output.replace(/\r/g, '');
    expect(session.steps, output).toBe(6);
    expect(output).toMatch(/"0\.7" is ambiguous: for 70% type 70/);
    expect(output).toMatch(/That is A 100%, B 0%: near certainty/);
    expect(output).toMatch(/Credence: A 70%, B 30%/);
    expect(output).toMatch(/Stopped\. Every move you confirmed is recorded/);
    expect(session.code).toBe(130);
    // Lines of the trial screen fit the 40-column window, broken between words.
    const screen = output.slice(output.indexOf('Trial 1 of 4'), output.indexOf('in percent'));
    expect(
      screen.split('\n').filter((line) => line.length > 40),
      screen,
    ).toEqual([]);
    expect(screen).toMatch(/\nQuestion: What did the pilot do in\n/);
    const status = cli(['status', 'typing', '--data-dir', dataDir], { cwd: dir });
    expect(status.stdout).toMatch(/4 trials: 1 finished, 3 waiting/);
  });

  it('holds nothing up while a person thinks: a second judge and status work beside the first', async () => {
    const dir = tempDir('beside');
    const questions = path.basename(writeQuestions(dir, 4, 4));
    const file = writeConfig(dir, {
      name: 'beside',
      seed: 6,
      dataset: { path: questions },
      judges: [{ name: 'people', participant: { kind: 'human', platform: 'terminal' } }],
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 2 }],
    });
    const dataDir = path.join(dir, 'data');
    expect(cli(['run', file, '--data-dir', dataDir], { cwd: dir }).code).toBe(0);
    const thinking = spawn(
      process.execPath,
      [launcher, 'judge', 'beside', '--as', 'ada', '--data-dir', dataDir],
      {
        cwd: dir,
        env: { ...process.env, INIT_CWD: dir, DATABASE_URL: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let shown = '';
    thinking.stdout.on('data', (c: Buffer) => {
      shown += c;
    });
    for (let i = 0; i < 600 && !shown.includes('in percent'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(shown).toContain('in percent');
    // ada is at the prompt, holding the embedded database; bo judges and status reads meanwhile.
    const bo = cli(['judge', 'beside', '--as', 'bo', '--data-dir', dataDir], {
      cwd: dir,
      input: '60\n\n'.repeat(8),
    });
    expect(bo.code, bo.stderr).toBe(0);
    expect(bo.stdout).toMatch(/recorded 4 moves/);
    const status = cli(['status', 'beside', '--data-dir', dataDir], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/8 trials: 4 finished/);
    thinking.stdin.end('70\n\n');
    const code = await new Promise<number | null>((resolve) => thinking.once('exit', resolve));
    expect(code).toBe(2); // input ended after one verdict: nothing more recorded, said so
    expect(cli(['status', 'beside', '--data-dir', dataDir], { cwd: dir }).stdout).toMatch(
      /8 trials: 5 finished/,
    );
  });
});
