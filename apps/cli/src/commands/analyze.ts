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

/**
 * Judgments of one or more experiments. Analysing several together (say, human judges and an AI
 * judge re-judging the same debates) compares their arms; arm names that clash get the experiment's id.
 */
async function loadAll(db: Database, experimentIds: readonly string[]): Promise<JudgmentRow[]> {
  const perExperiment = await Promise.all(experimentIds.map((id) => loadJudgments(db, id)));
  const armOwners = new Map<string, Set<string>>();
  for (const r of perExperiment.flat())
    armOwners.set(r.arm, (armOwners.get(r.arm) ?? new Set()).add(r.experimentId));
  return perExperiment
    .flat()
    .map((r) => ((armOwners.get(r.arm)?.size ?? 1) > 1 ? { ...r, arm: `${r.experimentId}/${r.arm}` } : r));
}

export async function analyzeStored(
  db: Database,
  experimentIds: readonly string[],
  seed: string,
  armOrder?: string[],
) {
  const rows = await loadAll(db, experimentIds);
  if (rows.length === 0) throw new UsageError(`${experimentIds.join(', ')}: no finished judgments yet`);
  // The bootstrap takes a numeric seed; derive it from the experiment's so reports are reproducible.
  return analyzeExperiment(rows as Parameters<typeof analyzeExperiment>[0], {
    seed: Number.parseInt(shortHash(seed).slice(0, 8), 16),
    ...(armOrder ? { armOrder } : {}),
  });
}

export const analyzeCommand: Command = {
  name: 'analyze',
  usage: 'analyze <experiment> [more experiments] [--out DIR]',
  summary:
    'win rates with intervals and tests per arm, protocol comparisons; writes report.html and report.json',
  options: { ...DATA_DIR_OPTION, out: { type: 'string' }, seed: { type: 'string' } },
  async run(input) {
    const experimentIds = input.positionals;
    const [first] = experimentIds;
    if (!first) throw new UsageError('analyze needs an experiment id (see  pnpm oversight status)');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const experiments = await Promise.all(experimentIds.map((id) => db.experiments.get(id)));
      const missing = experimentIds.filter((_, i) => !experiments[i]);
      if (missing.length > 0)
        throw new UsageError(`no experiment ${missing.map((m) => `"${m}"`).join(', ')} in ${db.location}`);
      const seed = stringOption(input, 'seed') ?? experiments[0]!.seed;
      const report = await analyzeStored(db, experimentIds, seed);
      console.log(formatReportText(report));
      for (const id of experimentIds) {
        const counts = await db.trials.countByStatus(id);
        const missing = Object.entries(counts).filter(([status, n]) => status !== 'finished' && n > 0);
        if (missing.length > 0) {
          // Unfinished trials are not judgments; say so, since dropping aborted trials can bias a comparison.
          const list = missing.map(([status, n]) => `${n} ${status}`).join(', ');
          console.log(
            `\nNote: ${id} also has ${list} trials, not counted above (see  pnpm oversight status ${id}).`,
          );
        }
      }
      const outDir = resolveUserPath(
        stringOption(input, 'out') ?? path.join('reports', experimentIds.join('+')),
      );
      await mkdir(outDir, { recursive: true });
      await writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(
        path.join(outDir, 'report.html'),
        renderReportHtml(report, { title: `Experiment ${experimentIds.join(' + ')}` }),
      );
      console.log(`\nreport: ${path.join(outDir, 'report.html')}  data: ${path.join(outDir, 'report.json')}`);
      return 0;
    });
  },
};
