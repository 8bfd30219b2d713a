// Offline judging through the commands a researcher types: a pilot runs; a second experiment's arm
// judges the pilot's finished debates again, two judges per transcript; `analyze pilot pilot-offline`
// pairs each offline judgment with the live one of the same transcript (McNemar) and reports how far
// the judges of a transcript agree.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AnalysisReport } from '@oversight/stats';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

describe('offline judges of finished debates', () => {
  it('are paired with the live judge of the same transcript, and their agreement reported', () => {
    const dir = tempDir('offline-agreement');
    const dataDir = path.join(dir, 'data');
    writeQuestions(dir, 12, 12);
    const judges = (count: number) => [{ count, participant: { kind: 'simulated-judge' } }];
    const pilot = writeConfig(
      dir,
      {
        name: 'pilot',
        seed: 5,
        dataset: { path: 'questions.jsonl' },
        judges: judges(6),
        arms: [{ name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1 }],
      },
      'pilot.json',
    );
    const offline = writeConfig(
      dir,
      {
        name: 'pilot-offline',
        seed: 6,
        dataset: { path: 'questions.jsonl' },
        judges: judges(8),
        arms: [
          {
            name: 'rejudged',
            protocol: 'debate',
            source: { experiment: 'pilot', mode: 'whole', judgesPerTranscript: 2 },
          },
        ],
      },
      'offline.json',
    );
    for (const file of [pilot, offline]) {
      const run = cli(['run', path.basename(file), '--data-dir', dataDir], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
    }
    const analyzed = cli(['analyze', 'pilot', 'pilot-offline', '--out', 'out', '--data-dir', dataDir], {
      cwd: dir,
    });
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'out/report.json'), 'utf8')) as AnalysisReport;
    expect(report.arms.find((a) => a.arm === 'rejudged')!.n).toBe(24);
    // Every pilot debate judged three times: once live, twice offline.
    expect(report.agreement!.transcripts).toBe(12);
    const paired = report.comparisons.find(
      (c) => [c.arm1, c.arm2].includes('debate') && [c.arm1, c.arm2].includes('rejudged'),
    )!;
    expect(paired.paired!.pairs).toBeGreaterThanOrEqual(12);
    expect(paired.quoted.test).toBe('mcnemar');
  }, 240_000);
});
