import path from 'node:path';
import { type PaymentRule, rewardStatusLine } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

/** At the terminal too, a person judging a paid experiment sees their running reward and what it pays. */
describe('oversight judge in a paid experiment', () => {
  it('ends with the running reward and the bonus it will pay, the line every platform shows', async () => {
    const dir = tempDir('judge-pay');
    const questions = path.basename(writeQuestions(dir, 2, 2));
    const payment: PaymentRule = {
      platform: 'none',
      currency: 'EUR',
      base: 0.5,
      ratePerPoint: 0.4,
      floor: 0,
      cap: 3,
    };
    const file = writeConfig(dir, {
      name: 'paid-terminal',
      seed: 4,
      dataset: { path: questions },
      judges: [{ name: 'people', ids: ['ada'], participant: { kind: 'human', platform: 'terminal' } }],
      arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 1 }],
      reward: { constant: 1 },
      payment,
    });
    const dataDir = path.join(dir, 'data');
    const run = cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const judged = cli(['judge', 'paid-terminal', '--as', 'ada', '--data-dir', dataDir], {
      cwd: dir,
      input: '70\nthe quotes\n'.repeat(2),
    });
    expect(judged.code, judged.stderr).toBe(0);
    const db = await openDatabase({ dataDir });
    const rewards = (await db.judgments.list('paid-terminal')).map((j) => j.reward);
    await db.close();
    expect(rewards).toHaveLength(2);
    const line = rewardStatusLine(rewards, payment);
    expect(line).toMatch(
      /^Reward so far -?\d+\.\d\d over 2 verdicts .*; it pays €\d+\.\d\d \(€0\.50 plus €0\.40 per point/,
    );
    expect(judged.stdout).toContain(line);
  });
});
