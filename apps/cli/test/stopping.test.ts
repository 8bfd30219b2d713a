// The anytime-valid status lines and the config's stopping rule, through the commands a researcher
// types: `run` honours the rule (it drives trials as `serve` does), `status` shows one line per arm.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

describe('anytime-valid status and the stopping rule', () => {
  it('run stops the arm whose answer is known; status says where each arm stands and why trials stopped', () => {
    const dir = tempDir('stopping');
    const dataDir = path.join(dir, 'data');
    writeQuestions(dir, 60, 60);
    const file = writeConfig(dir, {
      name: 'watched',
      seed: 3,
      dataset: { path: 'questions.jsonl' },
      judges: [
        {
          count: 24,
          participant: { kind: 'simulated-judge', oracleAccuracy: 0.97, unswayedAccuracy: 0.5 },
        },
      ],
      arms: [
        { name: 'oracle', protocol: 'oracle', trialsPerQuestion: 1 },
        { name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 },
      ],
      stopping: { alpha: 0.05, minJudgments: 10 },
    });
    // two trials at a time (simulated experiments otherwise run hundreds at once, all started before any ends)
    const run = cli(['run', path.basename(file), '--concurrency', '2', '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /watched: stopping rule: the answer is known — oracle: .* trials not started in oracle stopped/,
    );
    const status = cli(['status', 'watched', '--data-dir', dataDir], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    const out = status.stdout;
    expect(out).toContain(
      'win rate of the correct answer, anytime-valid 95% sequences (valid however often you look); stopping rule: per arm, alpha 0.05:',
    );
    expect(out).toMatch(
      / {4}oracle: \d\.\d\d to \d\.\d\d after \d+ judgments; the answer is known at alpha = 0\.05 \(above 50%\)/,
    );
    expect(out).toMatch(
      / {4}alone: 0\.\d\d to 0\.\d\d after 60 judgments; not known yet at alpha = 0\.05 \(the sequence still includes 50%\)/,
    );
    expect(out).toMatch(
      /oracle: \d+ trials not started were stopped by the stopping rule: the answer is known — oracle/,
    );
    // not offered for retry: the stops are the rule's, not failures
    expect(out).not.toContain('try them again');
  });
});
