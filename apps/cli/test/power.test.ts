import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

describe('oversight power', () => {
  it('gives judgments needed for a win rate and for a difference between protocols', () => {
    const winRate = cli(['power', '--p1', '0.75']);
    expect(winRate.code, winRate.stderr).toBe(0);
    // Exact one-sided binomial test at alpha 0.05, power 0.8: 23 judgments, reject at 16 or more wins.
    expect(winRate.stdout).toMatch(/exact binomial test: 23 judgments \(win at least 16/);
    // a single arm with judgments clustered by judge: the design effect applies there too
    const clustered = cli(['power', '--p1', '0.75', '--cluster-size', '10', '--icc', '0.1']);
    expect(clustered.code, clustered.stderr).toBe(0);
    // normal approximation ((z.95·0.5 + z.8·√(0.75·0.25)) / 0.25)² = 22.54 judgments × design effect 1.9 = 42.8 → 43, from 5 judges
    expect(clustered.stdout).toMatch(/design effect 1\.90\): 43 judgments, from 5 judges/);
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
        { name: 'consultancy', protocol: 'consultancy', rounds: 1 },
        { name: 'alone', protocol: 'judge-alone' },
      ],
    });
    const result = cli(['power', '--simulate', path.basename(file), '--sims', '8'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/8 simulated experiments/);
    // Progress on stderr, also when it is not a terminal (a line per tenth).
    expect(result.stderr).toMatch(/simulating: 8\/8 experiments/);
    expect(result.stdout).toMatch(/debate: win rate > 50%, exact one-sided binomial test: power 100\.0%/);
    // every pair of the three arms, not only the first two
    for (const pair of ['debate vs consultancy', 'debate vs alone', 'consultancy vs alone'])
      expect(result.stdout).toContain(`${pair}: z-test`);
    // the clustered tests the report quotes, with how often they could not be run
    expect(result.stdout).toMatch(
      /debate: win rate > 50%, judge-clustered sandwich test \(t, judges − 1 df\): power/,
    );
    expect(result.stdout).toMatch(/debate vs alone: judge-clustered sandwich test of the difference: power/);
  });
});
