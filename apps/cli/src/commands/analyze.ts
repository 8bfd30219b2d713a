import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { shortHash } from '@oversight/core';
import type { Database, JudgmentRow } from '@oversight/db';
import { analyzeExperiment, formatReportText, renderReportHtml } from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';

export async function loadJudgments(db: Database, experimentId: string): Promise<JudgmentRow[]> {
  const rows: JudgmentRow[] = [];
  for await (const batch of db.judgments.stream(experimentId, 5000)) rows.push(...batch);
  return rows;
}

export async function analyzeStored(db: Database, experimentId: string, seed: string, armOrder?: string[]) {
  const rows = await loadJudgments(db, experimentId);
  if (rows.length === 0) throw new UsageError(`experiment "${experimentId}" has no finished judgments yet`);
  // The bootstrap takes a numeric seed; derive it from the experiment's so reports are reproducible.
  return analyzeExperiment(rows as Parameters<typeof analyzeExperiment>[0], {
    seed: Number.parseInt(shortHash(seed).slice(0, 8), 16),
    ...(armOrder ? { armOrder } : {}),
  });
}

export const analyzeCommand: Command = {
  name: 'analyze',
  usage: 'analyze <experiment> [--out DIR] [--seed S]',
  summary:
    'win rates with intervals and tests per arm, protocol comparisons; writes report.html and report.json',
  options: { ...DATA_DIR_OPTION, out: { type: 'string' }, seed: { type: 'string' } },
  async run(input) {
    const [experimentId] = input.positionals;
    if (!experimentId) throw new UsageError('analyze needs an experiment id (see  pnpm oversight status)');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const experiment = await db.experiments.get(experimentId);
      if (!experiment) throw new UsageError(`no experiment "${experimentId}" in ${db.location}`);
      const report = await analyzeStored(db, experimentId, stringOption(input, 'seed') ?? experiment.seed);
      console.log(formatReportText(report));
      const outDir = resolveUserPath(stringOption(input, 'out') ?? path.join('reports', experimentId));
      await mkdir(outDir, { recursive: true });
      await writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(
        path.join(outDir, 'report.html'),
        renderReportHtml(report, { title: `Experiment ${experimentId}` }),
      );
      console.log(`\nreport: ${path.join(outDir, 'report.html')}  data: ${path.join(outDir, 'report.json')}`);
      return 0;
    });
  },
};
