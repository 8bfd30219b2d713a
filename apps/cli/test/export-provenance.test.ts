import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AnalysisReport, parseJudgmentsCsv } from '@oversight/stats';
import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * What a researcher reads after a run: exports say who judged and argued (a simulation here), the
 * answer order shown, the rationale and when each move was made; reports say it too, and land in
 * the data folder, not among the repository's tracked files.
 */
describe('exports and reports say where each judgment came from', () => {
  const dir = tempDir('export');
  const dataDir = path.join(dir, 'data');
  const questions = path.basename(writeQuestions(dir, 12, 3));
  const file = writeConfig(dir, {
    name: 'labelled',
    seed: 'labelled-1',
    dataset: { path: questions },
    judges: [{ count: 16 }],
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 2 },
      { name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: 2 },
    ],
  });

  it('CSV and Parquet carry experiment, participant kinds, answer order, rationale and move times', async () => {
    const run = cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const csv = cli(['export', 'labelled', '--format', 'csv', '--data-dir', dataDir], { cwd: dir });
    expect(csv.code, csv.stderr).toBe(0);
    const header = csv.stdout.split('\n')[0]!.split(',');
    expect(header).toContain('continues');
    expect(header).not.toContain('rounds');
    const rows = parseJudgmentsCsv(csv.stdout);
    expect(rows).toHaveLength(48);
    for (const r of rows) {
      expect(r.experimentId).toBe('labelled');
      expect(r.judgeKind).toBe('simulated');
      expect(r.protocol === 'debate' ? [r.honestArguerKind, r.dishonestArguerKind] : ['simulated']).toEqual(
        r.protocol === 'debate' ? ['simulated', 'simulated'] : ['simulated'],
      );
      expect([...r.displayed!].sort()).toEqual([0, 1]);
      expect(r.correctDisplayed).toBeGreaterThanOrEqual(0);
      expect(r.moveTimes!.length).toBeGreaterThan(r.rounds);
      expect(r.moveTimes!.every((t) => !Number.isNaN(Date.parse(t)))).toBe(true);
    }
    // simulated judges give no reason; the column is there (the NYU test checks people's rationales)
    expect(header).toContain('rationale');

    // One name per field in every format: JSONL says continues too, with the transcript beside it.
    const jsonl = cli(['export', 'labelled', '--format', 'jsonl', '--data-dir', dataDir], { cwd: dir });
    const first = JSON.parse(jsonl.stdout.split('\n')[0]!) as Record<string, unknown>;
    expect(Object.keys(first)).toContain('continues');
    expect(Object.keys(first)).not.toContain('rounds');
    expect(first.continues).toBe(rows.find((r) => r.trialId === first.trialId)!.rounds);

    const noTimes = cli(['export', 'labelled', '--no-times', '--data-dir', dataDir], { cwd: dir });
    expect(parseJudgmentsCsv(noTimes.stdout).every((r) => r.moveTimes === undefined)).toBe(true);

    const pq = cli(
      ['export', 'labelled', '--format', 'parquet', '--out', 'j.parquet', '--data-dir', dataDir],
      {
        cwd: dir,
      },
    );
    expect(pq.code, pq.stderr).toBe(0);
    const bytes = readFileSync(path.join(dir, 'j.parquet'));
    const back = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    });
    expect(back).toHaveLength(48);
    expect(back[0]).toMatchObject({
      experimentId: 'labelled',
      judgeKind: 'simulated',
      trialId: rows[0]!.trialId,
    });
    expect(typeof back[0]!.continues).toBe('number');
    expect(back[0]!.moveTimes[0]).toBeInstanceOf(Date);

    const noOut = cli(['export', 'labelled', '--format', 'parquet', '--data-dir', dataDir], { cwd: dir });
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out FILE\.parquet/);
  }, 120_000);

  it('analyze labels the simulation and writes its report under the data folder by default', () => {
    const res = cli(['analyze', 'labelled', '--data-dir', dataDir], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('SIMULATED participants');
    const reportDir = path.join(dataDir, 'reports', 'labelled');
    expect(res.stdout).toContain(path.join(reportDir, 'report.html'));
    expect(existsSync(path.join(dir, 'reports'))).toBe(false);
    const report = JSON.parse(readFileSync(path.join(reportDir, 'report.json'), 'utf8')) as AnalysisReport;
    expect(report.participants.anySimulated).toBe(true);
    for (const arm of report.arms) expect(arm.participants.judges).toEqual({ simulated: arm.n });
    expect(report.verdicts[0]).toMatch(/^In \S+ \(judges: simulated; (debaters|consultants): simulated\)/);
    const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
    expect(html).toContain('SIMULATED participants');
  }, 60_000);
});
