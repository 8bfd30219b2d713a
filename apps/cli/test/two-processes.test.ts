import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync, oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * Several commands on one embedded database at once, as people start them in several terminals: the
 * first shares the folder (a reader only for itself, briefly), the others join through it or wait
 * for it, and none fails with the driver's words.
 */
const DRIVER_TEXT = /Prisma|prisma\.|ENOENT|EPIPE|ECONNRESET|Connection terminated|\.s\.PGSQL|\n\s+at /;

describe('two processes on one embedded database', () => {
  const dir = tempDir('two');
  writeQuestions(dir, 16, 8);
  const dataDir = path.join(dir, 'data');
  const config = (name: string) =>
    writeConfig(
      dir,
      {
        name,
        seed: name,
        dataset: { path: 'questions.jsonl' },
        judges: [{ count: 24 }],
        arms: [{ name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 4 }],
      },
      `${name}.json`,
    );

  it('two runs of one config and a status at once: all succeed, every trial once', async () => {
    // A database with something in it, so status has something to read while the runs start.
    expect((await oversight(['run', config('first'), '--data-dir', dataDir])).code).toBe(0);
    const file = config('twice');
    const started = [
      cliAsync(['status', '--data-dir', dataDir], { cwd: dir }),
      cliAsync(['run', file, '--data-dir', dataDir], { cwd: dir }),
      cliAsync(['run', file, '--data-dir', dataDir], { cwd: dir }),
      cliAsync(['list', '--data-dir', dataDir], { cwd: dir }),
    ];
    const [status, run1, run2, list] = await Promise.all(started);
    for (const [name, result] of Object.entries({ status, run1, run2, list })) {
      expect(result!.code, `${name}: ${result!.stderr}`).toBe(0);
      expect(result!.stderr, name).not.toMatch(DRIVER_TEXT);
    }
    // Both runs end with the whole experiment done, each trial once.
    expect(run1!.stdout).toMatch('twice: 64 finished');
    expect(run2!.stdout).toMatch('twice: 64 finished');
    // Whoever came second said what it waited for, or went through the first.
    expect(`${run1!.stderr}${run2!.stderr}`).toMatch(/waiting for process \d+ \(|through process \d+/);
    const after = await oversight(['status', 'twice', '--data-dir', dataDir]);
    expect(after.stdout).toMatch('twice: 64 trials: 64 finished');
  });
});
