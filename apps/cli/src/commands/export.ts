import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Database, JudgmentRow } from '@oversight/db';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';

/**
 * One row per judgment, ordered by trial id, with no wall-clock fields: the same config and seed
 * give a byte-identical file. JSONL rows also carry the full event log (the transcript).
 */
const COLUMNS = [
  'trialId',
  'experimentId',
  'arm',
  'protocol',
  'questionId',
  'storyId',
  'judgeId',
  'arguerHonest',
  'induction',
  'honestArguerId',
  'dishonestArguerId',
  'probCorrect',
  'correct',
  'rounds',
  'reward',
  'beliefs',
] as const satisfies ReadonlyArray<keyof JudgmentRow>;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
}

export async function exportJudgments(
  db: Database,
  experimentId: string,
  format: 'csv' | 'jsonl',
  out: Writable,
): Promise<number> {
  let count = 0;
  if (format === 'csv') await write(out, `${COLUMNS.join(',')}\n`);
  for await (const batch of db.judgments.stream(experimentId, 2000)) {
    const events = format === 'jsonl' ? await db.events.loadMany(batch.map((j) => j.trialId)) : null;
    let chunk = '';
    for (const row of batch) {
      if (format === 'csv') chunk += `${COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`;
      else {
        const transcript = (events?.get(row.trialId) ?? []).map((e) => ({ seq: e.seq, ...e.payload }));
        chunk += `${JSON.stringify({ ...Object.fromEntries(COLUMNS.map((c) => [c, row[c]])), events: transcript })}\n`;
      }
      count += 1;
    }
    await write(out, chunk);
  }
  return count;
}

export const exportCommand: Command = {
  name: 'export',
  usage: 'export <experiment> --format csv|jsonl [--out FILE]',
  summary: 'write one row per judgment (JSONL adds the full transcript); stdout unless --out',
  options: { ...DATA_DIR_OPTION, format: { type: 'string', default: 'csv' }, out: { type: 'string' } },
  async run(input) {
    const [experimentId] = input.positionals;
    if (!experimentId) throw new UsageError('export needs an experiment id (see  pnpm oversight status)');
    const format = stringOption(input, 'format');
    if (format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      if (!(await db.experiments.get(experimentId)))
        throw new UsageError(`no experiment "${experimentId}" in ${db.location}`);
      const outPath = stringOption(input, 'out');
      const out = outPath ? createWriteStream(resolveUserPath(outPath)) : process.stdout;
      const count = await exportJudgments(db, experimentId, format, out);
      if (outPath) {
        await new Promise<void>((resolve, reject) =>
          out.end((error?: Error | null) => (error ? reject(error) : resolve())),
        );
        console.error(`wrote ${count} judgments to ${outPath}`);
      }
      return 0;
    });
  },
};
