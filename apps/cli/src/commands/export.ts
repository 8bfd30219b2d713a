import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Database } from '@oversight/db';
import { abortedTrials } from '@oversight/runner';
import {
  formatJudgmentsCsv,
  formatJudgmentsParquet,
  type JudgmentRow,
  LEGACY_COLUMN_NAMES,
} from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import { limitHeapGrowth } from '../memory.ts';
import { count } from '../words.ts';
import { type labelledJudgments, labelRows, participantLabels } from './analyze.ts';
import {
  exportTraining,
  refuseTrainingOptions,
  TRAINING_FORMATS,
  TRAINING_OPTIONS,
  trainingRequest,
} from './export-training.ts';

/**
 * One row per judgment, ordered by trial id, in the stats package's judgment columns (so
 * `parseJudgmentsCsv` reads a CSV back): the experiment, who the judge and arguers were (simulated,
 * model — which — or person), the answer order the judge saw, the rationale and the time each move
 * was recorded. Those times are the only wall-clock field: two runs of one config differ in them
 * alone, and `--no-times` leaves them out for a byte-for-byte comparison of two runs. JSONL rows
 * add the full event log (the transcript); Parquet holds the same columns typed.
 */
const JUDGMENT_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
const FORMATS = [...JUDGMENT_FORMATS, ...TRAINING_FORMATS] as const;
type Format = (typeof FORMATS)[number];

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
}

/** The judgments of a page with what their event logs say (answer order, rationale, move times). */
async function withLogs(
  db: Database,
  experimentId: string,
  batch: Parameters<typeof labelledJudgments>[2],
  times: boolean,
  label: Awaited<ReturnType<typeof participantLabels>>,
) {
  const rows = labelRows(batch, label);
  const events = await db.events.loadMany(rows.map((r) => r.trialId));
  return rows.map((row) => {
    const log = events.get(row.trialId) ?? [];
    const created = log.find((e) => e.payload.type === 'TrialCreated')?.payload;
    const verdict = log.find((e) => e.payload.type === 'VerdictSubmitted')?.payload;
    const displayed = created?.displayed;
    const enriched: JudgmentRow = {
      ...row,
      experimentId,
      displayed: Array.isArray(displayed) ? displayed.map(Number) : null,
      correctDisplayed: typeof created?.correctDisplayed === 'number' ? created.correctDisplayed : null,
      rationale: typeof verdict?.rationale === 'string' ? verdict.rationale : null,
      moveTimes: times ? log.filter((e) => e.seq > 0).map((e) => e.recordedAt.toISOString()) : null,
    };
    return { row: enriched, log: times ? log : log.map(({ recordedAt: _at, ...e }) => e) };
  });
}

/** Every judgment of the experiment with its provenance, for formats written in one piece (Parquet). */
export async function collectJudgments(
  db: Database,
  experimentId: string,
  times = true,
): Promise<JudgmentRow[]> {
  const all: JudgmentRow[] = [];
  const label = await participantLabels(db, experimentId);
  for await (const batch of db.judgments.stream(experimentId, 2000))
    all.push(...(await withLogs(db, experimentId, batch, times, label)).map((p) => p.row));
  return all;
}

/** Streams CSV or JSONL page by page, so millions of judgments need little memory. */
export async function exportJudgments(
  db: Database,
  experimentId: string,
  format: 'csv' | 'jsonl',
  out: Writable,
  times = true,
): Promise<number> {
  let count = 0;
  // Who each participant was is read once, not for every page.
  const label = await participantLabels(db, experimentId);
  for await (const batch of db.judgments.stream(experimentId, 2000)) {
    const page = await withLogs(db, experimentId, batch, times, label);
    if (format === 'csv')
      await write(
        out,
        formatJudgmentsCsv(
          page.map((p) => p.row),
          { header: count === 0 },
        ),
      );
    else {
      let chunk = '';
      for (const { row, log } of page)
        chunk += `${JSON.stringify({ ...exportedNames(row), events: log.map(({ payload, ...e }) => ({ ...e, ...payload })) })}\n`;
      await write(out, chunk);
    }
    count += batch.length;
  }
  if (count === 0 && format === 'csv') await write(out, formatJudgmentsCsv([]));
  return count;
}

/**
 * A judgment under the names its columns have in CSV and Parquet (`continues`, not the record's
 * `rounds`), in the same place, so one field has one name in every format.
 */
function exportedNames(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [LEGACY_COLUMN_NAMES[k] ?? k, v]));
}

const ABORTED_COLUMNS = ['experimentId', 'trialId', 'arm', 'reason', 'by', 'retriedAs'] as const;

function csvField(value: string | null): string {
  const text = value ?? '';
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The stopped trials, with why: CSV columns, or JSONL with the trial's log. */
async function exportAborted(
  db: Database,
  experimentId: string,
  format: 'csv' | 'jsonl',
  out: Writable,
  times: boolean,
): Promise<number> {
  const aborted = await abortedTrials(db, experimentId);
  if (format === 'csv') {
    let text = `${ABORTED_COLUMNS.join(',')}\n`;
    for (const t of aborted)
      text += `${[experimentId, t.trialId, t.arm, t.reason, t.by, t.retriedAs].map(csvField).join(',')}\n`;
    await write(out, text);
    return aborted.length;
  }
  for (let i = 0; i < aborted.length; i += 500) {
    const batch = aborted.slice(i, i + 500);
    const logs = await db.events.loadMany(batch.map((t) => t.trialId));
    let chunk = '';
    for (const t of batch) {
      const events = (logs.get(t.trialId) ?? []).map(({ payload, recordedAt, ...e }) => ({
        ...e,
        ...payload,
        ...(times ? { recordedAt } : {}),
      }));
      chunk += `${JSON.stringify({ experimentId, ...t, events })}\n`;
    }
    await write(out, chunk);
  }
  return aborted.length;
}

export const exportCommand: Command = {
  name: 'export',
  usage:
    'export <experiment...> --format csv|jsonl|parquet|sft|preference [--out FILE] [--side dishonest|honest]',
  summary:
    'write one row per judgment (who judged and argued, answer order, rationale, move times; JSONL adds the transcript); stdout unless --out (Parquet needs --out). sft and preference: training data for an arguer from the speeches that fooled (or convinced) the judges, split by story, with a manifest beside it (docs/training-data.md)',
  options: {
    ...DATA_DIR_OPTION,
    format: {
      type: 'string',
      default: 'csv',
      valueName: FORMATS.join('|'),
      description:
        'file format: judgments (csv, jsonl, parquet) or training data (sft: chat rows {"messages": [...]}; preference: {"prompt", "chosen", "rejected", "source"} pairs)',
    },
    out: { type: 'string', valueName: 'FILE', description: 'write here instead of stdout', output: 'file' },
    'no-times': {
      type: 'boolean',
      description: 'leave out when each move was recorded (so two runs of one config export the same bytes)',
    },
    aborted: {
      type: 'boolean',
      description:
        'write the stopped trials instead: why each stopped, who stopped it, its new attempt (csv or jsonl)',
    },
    ...TRAINING_OPTIONS,
  },
  async run(input) {
    limitHeapGrowth();
    const [experimentId, second] = input.positionals;
    if (!experimentId) throw new UsageError('export needs an experiment id (see  oversight status)');
    const format = stringOption(input, 'format');
    if (!FORMATS.includes(format as Format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
    if (format === 'sft' || format === 'preference') {
      const request = trainingRequest(input, format);
      return withDatabase(stringOption(input, 'data-dir'), (db) => exportTraining(db, request));
    }
    refuseTrainingOptions(input, format!);
    if (second !== undefined)
      throw new UsageError(
        `--format ${format} exports one experiment at a time (also given "${second}"); several go together only with --format sft or preference`,
      );
    const outPath = stringOption(input, 'out');
    const times = input.values['no-times'] !== true;
    if (format === 'parquet' && !outPath)
      throw new UsageError('--format parquet writes a binary file: give it a name with --out FILE.parquet');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      if (!(await db.experiments.get(experimentId)))
        throw new UsageError(`no experiment "${experimentId}" in ${db.location}`);
      if (input.values.aborted === true) {
        if (format === 'parquet') throw new UsageError('--aborted writes csv or jsonl');
        const out = outPath ? createWriteStream(resolveUserPath(outPath)) : process.stdout;
        const count = await exportAborted(db, experimentId, format as 'csv' | 'jsonl', out, times);
        if (outPath) {
          await new Promise<void>((resolve, reject) =>
            out.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
          console.error(`wrote ${count} stopped trials to ${outPath}`);
        }
        return 0;
      }
      if (format === 'parquet') {
        // Parquet's footer indexes the whole file, so it is written in one piece.
        const rows = await collectJudgments(db, experimentId, times);
        await writeFile(
          resolveUserPath(outPath!),
          new Uint8Array(formatJudgmentsParquet(rows, { metadata: { experimentId } })),
        );
        console.error(`wrote ${count(rows.length, 'judgment')} to ${outPath}`);
        return 0;
      }
      const out = outPath ? createWriteStream(resolveUserPath(outPath)) : process.stdout;
      const written = await exportJudgments(db, experimentId, format as 'csv' | 'jsonl', out, times);
      if (outPath) {
        await new Promise<void>((resolve, reject) =>
          out.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        console.error(`wrote ${count(written, 'judgment')} to ${outPath}`);
      }
      return 0;
    });
  },
};
