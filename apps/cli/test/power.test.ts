import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

describe('oversight power', () => {
  it('gives judgments needed for a win rate and for a difference between protocols', () => {
    const winRate = cli(['power', '--p1', '0.75']);
    expect(winRate.code, winRate.stderr).toBe(0);
    // Exact one-sided binomial test at alpha 0.05, power 0.8: 23 judgments, reject at 16 or more wins.
    expect(winRate.stdout).toMatch(/exact binomial test: 23 judgments \(win at least 16/);
    const difference = cli(['power', '--p1', '0.84', '--p2', '0.74']);
    // Per group: ((z.975·sqrt(2·p̄q̄) + z.8·sqrt(p1q1 + p2q2)) / (p1 − p2))² = 259.24, rounded up.
    expect(difference.stdout).toMatch(/260 judgments per protocol, 520 in all/);
  });

  it('estimates power by simulating the experiment with its simulated participants', () => {
    const dir = tempDir('power');
    writeQuestions(dir, 12, 6);
    const file = writeConfig(dir, {
      name: 'power',
      seed: 9,
      dataset: { path: 'questions.jsonl' },
      judges: [
        {
          count: 12,
          participant: { kind: 'simulated-judge', sway: { debate: { byCorrect: 0.95, byIncorrect: 0.05 } } },
        },
      ],
      arms: [
        { name: 'debate', protocol: 'debate', rounds: 1 },
        { name: 'alone', protocol: 'judge-alone' },
      ],
    });
    const result = cli(['power', '--simulate', path.basename(file), '--sims', '8'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/8 simulated experiments/);
    // Progress on stderr, also when it is not a terminal (a line per tenth).
    expect(result.stderr).toMatch(/simulating: 8\/8 experiments/);
    expect(result.stdout).toMatch(/debate: correct-answer win rate > 50% .*power 100\.0%/);
    expect(result.stdout).toMatch(/debate vs alone \(two-proportion z-test\): power/);
  });
});
