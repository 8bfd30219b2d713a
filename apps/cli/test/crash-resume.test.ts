import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase } from '@oversight/db';
import { describe, expect, it } from 'vitest';
import { cli, cliChild, tempDir, writeConfig, writeQuestions } from './cli.ts';

const config = (questions: string) => ({
  name: 'crash',
  seed: 'kill-9',
  dataset: { path: questions },
  judges: [{ count: 30 }],
  arms: [
    { name: 'debate', protocol: 'debate', rounds: 3, judgeMayEndEarly: false, trialsPerQuestion: 2 },
    {
      name: 'consultancy',
      protocol: 'consultancy',
      rounds: 3,
      judgeMayEndEarly: false,
      trialsPerQuestion: 2,
    },
  ],
  concurrency: 8,
});
const PLANNED = 40 * 4;

/** `oversight run` killed with SIGKILL part-way, then started again, finishes with every event once. */
describe('crash and resume', () => {
  it('resumes after SIGKILL with exactly the planned trials and byte-identical exports', async () => {
    const dir = tempDir('crash');
    const questions = path.basename(writeQuestions(dir, 40, 8));
    const file = writeConfig(dir, config(questions));
    const dataDir = path.join(dir, 'killed');

    const child = cliChild(['run', file, '--data-dir', dataDir], { cwd: dir });
    let stderr = '';
    const killedAt = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const progress = /crash: (\d+)\/\d+ trials/.exec(stderr);
        if (progress && child.exitCode === null) {
          child.kill('SIGKILL');
          resolve(progress[1]!);
        }
      });
      child.on('exit', (code) =>
        reject(new Error(`run finished before it could be killed (code ${code}): ${stderr}`)),
      );
    });
    await new Promise((resolve) => child.once('close', resolve));
    expect(Number(killedAt)).toBeLessThan(PLANNED);

    const resumed = cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(`crash: ${PLANNED} finished`);

    const db = await openDatabase({ dataDir });
    try {
      const trials = await db.trials.list('crash');
      expect(trials).toHaveLength(PLANNED);
      const logs = await db.events.loadMany(trials.map((t) => t.id));
      for (const trial of trials) {
        const events = logs.get(trial.id)!;
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
        expect(events.filter((e) => e.payload.type === 'TrialCreated')).toHaveLength(1);
        expect(events.filter((e) => e.payload.type === 'VerdictSubmitted')).toHaveLength(1);
        expect(trial.nextSeq).toBe(events.length);
      }
      expect(await db.judgments.count('crash')).toBe(PLANNED);
    } finally {
      await db.close();
    }

    // A run that was never interrupted, in another database, gives the same bytes.
    const cleanDir = path.join(dir, 'clean');
    expect(cli(['run', file, '--data-dir', cleanDir], { cwd: dir }).code).toBe(0);
    for (const format of ['csv', 'jsonl']) {
      const a = cli(
        [
          'export',
          'crash',
          '--format',
          format,
          '--no-times',
          '--out',
          `killed.${format}`,
          '--data-dir',
          dataDir,
        ],
        { cwd: dir },
      );
      const b = cli(
        [
          'export',
          'crash',
          '--format',
          format,
          '--no-times',
          '--out',
          `clean.${format}`,
          '--data-dir',
          cleanDir,
        ],
        { cwd: dir },
      );
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const killed = readFileSync(path.join(dir, `killed.${format}`));
      expect(killed.length).toBeGreaterThan(1000);
      expect(killed.equals(readFileSync(path.join(dir, `clean.${format}`)))).toBe(true);
    }
  }, 240_000);
});
