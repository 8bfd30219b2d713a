import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type AnalysisReport, parseJudgmentsCsv } from '@oversight/stats';
import { startFakeOpenAI } from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import { cli, cliAsync, repoRoot, tempDir } from './cli.ts';
import { shownCommands, words } from './doc-commands.ts';

/**
 * The NYU 2023 reanalysis end to end: import the released debates through the real importer,
 * analyse them with the same code as any experiment, and get the published figures
 * (Michael et al. 2023: human debate 84.4%, human consultancy 74.0%, z = 2.03, p = 0.043).
 */
const data = process.env.OVERSIGHT_NYU_DATA ?? path.resolve(repoRoot, '../shared/data/nyu-debate-2023');

describe.skipIf(!existsSync(data))('NYU 2023 reanalysis', () => {
  const dir = tempDir('nyu');
  const dataDir = path.join(dir, 'data');
  let importedText = '';
  let analysedText = '';

  it('reproduces the published figures', () => {
    const imported = cli(['import', data, '--data-dir', dataDir], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    importedText = imported.stdout;
    const analysed = cli(['analyze', 'nyu-2023', '--out', 'report', '--data-dir', dataDir], { cwd: dir });
    expect(analysed.code, analysed.stderr).toBe(0);
    analysedText = analysed.stdout;
    const text = analysed.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(
      'In human-debate (judges: people; debaters: people), correct-answer debaters won 130 of 154 judgments (84.4%, 95% CI 77.9–89.3%)',
    );
    expect(text).toContain('ai-debate (judges: people; debaters: model gpt-4)');
    expect(text).toContain('No participant was simulated.');

    const report = JSON.parse(readFileSync(path.join(dir, 'report/report.json'), 'utf8')) as AnalysisReport;
    const arm = (name: string) => report.arms.find((a) => a.arm === name)!;
    expect([arm('human-debate').wins, arm('human-debate').n]).toEqual([130, 154]);
    expect([arm('human-consultancy').wins, arm('human-consultancy').n]).toEqual([71, 96]);
    expect([arm('ai-debate').wins, arm('ai-debate').n]).toEqual([68, 87]);
    expect([arm('ai-consultancy').wins, arm('ai-consultancy').n]).toEqual([61, 76]);
    expect(arm('human-debate').rate).toBeCloseTo(0.844, 3);
    expect(arm('human-consultancy').rate).toBeCloseTo(0.74, 3);

    const split = report.honesty.find((h) => h.arm === 'human-consultancy')!;
    expect([split.honest.correct, split.honest.n]).toEqual([42, 48]);
    expect([split.dishonest.correct, split.dishonest.n]).toEqual([29, 48]);

    const comparison = report.comparisons.find(
      (c) => [c.arm1, c.arm2].sort().join() === 'human-consultancy,human-debate',
    )!;
    expect(Math.abs(comparison.propTest.z)).toBeCloseTo(2.03, 2);
    expect(comparison.propTest.pValue).toBeCloseTo(0.043, 3);
    expect(existsSync(path.join(dir, 'report/report.html'))).toBe(true);

    // every clustered p-value names its model, and the models are stated in full
    expect(comparison.glmm!.model).toBe('judge-all-arms');
    expect(comparison.glmm!.pValue).toBeCloseTo(0.059, 3);
    const judgeModel = report.models.find((m) => m.id === 'judge-all-arms')!;
    expect(judgeModel.arms).toHaveLength(4);
    expect(judgeModel.singular).toBe(false);
    expect(comparison.crossedGlmm!.model).toBe('crossed-all-arms');
    expect(
      report.models.find((m) => m.id === 'crossed-all-arms')!.randomEffects.map((r) => r.factor),
    ).toEqual(['judge', 'question']);
    // the judge-clustered interval of the headline comparison is decided beyond Monte Carlo error
    const judgeBoot = comparison.bootstrap.find((b) => b.cluster === 'judge')!;
    expect(judgeBoot.relation).toBe('includes');
    // each end's Monte Carlo error is within the target: 0.1 points, or 1% of the interval's width
    const width = judgeBoot.interval.upper! - judgeBoot.interval.lower!;
    expect(Math.max(judgeBoot.mcse.lower!, judgeBoot.mcse.upper!)).toBeLessThanOrEqual(
      Math.max(0.001, 0.01 * width),
    );
    expect(report.verdicts.join(' ')).toContain('so the difference is not robust to clustering by judge');
    // confidence ECE with an interval in every setting (the paper: 0.11 debate, 0.17 consultancy)
    expect(arm('human-debate').calibration.ece).toBeCloseTo(0.1175, 3);
    expect(arm('human-consultancy').calibration.ece).toBeCloseTo(0.1577, 3);
    for (const a of report.arms)
      expect(a.calibration.eceBootstrap!.interval.lower!).toBeLessThan(a.calibration.ece);
  });

  it('exports the judgments with the judge as a person, the model arguers named, and rationales', () => {
    const res = cli(['export', 'nyu-2023', '--data-dir', dataDir], { cwd: dir });
    expect(res.code, res.stderr).toBe(0);
    const rows = parseJudgmentsCsv(res.stdout);
    expect(rows).toHaveLength(413);
    expect(rows.every((r) => r.judgeKind === 'person' && r.experimentId === 'nyu-2023')).toBe(true);
    const ai = rows.filter((r) => r.arm.startsWith('ai-'));
    expect(ai.every((r) => [r.honestArguerModel, r.dishonestArguerModel].includes('gpt-4'))).toBe(true);
    expect(rows.filter((r) => (r.rationale ?? '').length > 0).length).toBeGreaterThan(300);
  });

  it("keeps the verdict sentences when the seed changes (the issue's --seed s4 among them)", () => {
    const verdicts = ['s4'].map((seed) => {
      const res = cli(
        ['analyze', 'nyu-2023', '--seed', seed, '--out', `seed-${seed}`, '--data-dir', dataDir],
        {
          cwd: dir,
        },
      );
      expect(res.code, res.stderr).toBe(0);
      return (JSON.parse(readFileSync(path.join(dir, `seed-${seed}/report.json`), 'utf8')) as AnalysisReport)
        .verdicts;
    });
    const first = JSON.parse(readFileSync(path.join(dir, 'report/report.json'), 'utf8')) as AnalysisReport;
    expect(verdicts[0]).toEqual(first.verdicts);
  });

  it('runs the commands its README shows, the AI judge against the fake server; the figures quoted are printed', async () => {
    const server = await startFakeOpenAI({});
    const ran: string[] = [];
    try {
      for (const { command, where } of shownCommands(
        path.join(repoRoot, 'experiments/nyu-2023-reanalysis/README.md'),
      )) {
        // The data folder as the README's reader has it, and the AI judge's API on this machine.
        const args = words(command)
          .slice(1)
          .map((w) =>
            w === '../shared/data/nyu-debate-2023'
              ? data
              : w === 'https://api.openai.com/v1'
                ? server.url
                : w,
          );
        expect(words(command)[0], where).toBe('oversight');
        const result = await cliAsync([...args, '--data-dir', dataDir], { cwd: dir });
        expect(result.code, `${where}: ${command}\n${result.stderr}`).toBe(0);
        ran.push(`${args.join(' ')}\n${result.stdout}`);
      }
      // The AI judge reads the transcript but never the story or the truth (the GET asks for its models).
      const requests = server.requests.filter((r) => r.method === 'POST').map((r) => JSON.stringify(r.body));
      expect(requests.length).toBeGreaterThanOrEqual(250);
      expect(requests.every((body) => !body.includes('<story>'))).toBe(true);
    } finally {
      await server.close();
    }
    const output = (start: string) => ran.find((r) => r.startsWith(start))!;
    expect(output('import')).toMatch('"nyu-2023": 0 new trials'); // imported above already: idempotent
    expect(output('rejudge')).toMatch(/250 new AI judgments \(250 judged/);
    expect(existsSync(path.join(dir, 'nyu-2023.parquet'))).toBe(true);

    // The report of the README's last command (human and AI judges on the same debates).
    const reportFile = / data: (\S+report\.json)/.exec(
      output('analyze nyu-2023 nyu-2023.ai-judge.gpt-4o'),
    )![1]!;
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as AnalysisReport;
    const rejudged = report.arms.find((a) => a.arm === 'human-debate+ai-judge')!;
    expect(rejudged.n).toBe(154);
    // The debaters keep their kind in the new experiment: people, as in the source; the judge is the model.
    expect(Object.keys(rejudged.participants.arguers)).toEqual(['person']);
    expect(Object.keys(rejudged.participants.judges)).toEqual(['model gpt-4o']);
    expect(report.participants.headline).not.toMatch(/not known|not recorded/);
    expect(
      report.comparisons.some((c) => c.arm1 === 'human-debate' && c.arm2 === 'human-debate+ai-judge'),
    ).toBe(true);
    const paired = report.comparisons.find(
      (c) => c.arm1 === 'human-debate' && c.arm2 === 'human-debate+ai-judge',
    )!;
    // the same 154 debates, judged by people and by the model: paired, compared by McNemar
    expect(paired.paired!.pairs).toBe(154);
    expect(paired.quoted.test).toBe('mcnemar');
    // agreement over every transcript judged twice: the 154 debates and the 96 consultancies
    expect(report.agreement!.transcripts).toBe(250);
    expect(report.verdicts.join(' ')).toContain(
      'Arms human-debate and human-debate+ai-judge judged the same 154 transcripts',
    );
  });

  it('the figures the README and the reanalysis README quote are the ones the tool prints', () => {
    const readme = flat(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
    const reanalysis = flat(
      readFileSync(path.join(repoRoot, 'experiments/nyu-2023-reanalysis/README.md'), 'utf8'),
    );
    const printed = flat(analysedText);
    const both = (quoted: string, tool: string | RegExp) => {
      expect(readme, 'README.md').toContain(quoted);
      expect(printed).toMatch(tool);
    };
    both('human debate 130/154 (84.4%)', 'won 130 of 154 judgments (84.4%');
    both('human consultancy 71/96 (74.0%)', 'in 71 of 96 judgments (74.0%');
    both('two-proportion z = 2.03, p = 0.043', 'two-proportion z = 2.03, p = 0.043');
    both(
      'judge random-intercept GLMM fitted on all four arms p = 0.059',
      'judge random-intercept GLMM on all 4 arms p = 0.059',
    );
    both('judge + question GLMM on all four arms p = 0.062', 'judge + question GLMM on all 4 arms p = 0.062');
    // The calibration table: ECE and its judge-clustered interval per arm.
    both(
      'human debate 0.117 (judge-clustered 95% CI 0.076–0.174)',
      /human-debate +[\d.]+ +0\.117 +0\.076–0\.174/,
    );
    both('human consultancy 0.158 (0.073–0.291)', /human-consultancy +[\d.]+ +0\.158 +0\.073–0\.291/);
    expect(reanalysis).toContain('| human debate | 154 | 0.117 | 0.076–0.174 |');
    // The offline judgments of the paper's rooms.
    expect(readme).toContain("The offline judgments of the paper's rooms (118 of the 247 in the release)");
    expect(flat(importedText)).toContain('"nyu-2023-offline": 118 new trials');
  });
});

/** Text with its line breaks and runs of spaces as single spaces, for quoting across wrapped lines. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}
