import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Database } from '@oversight/db';
import { formatJudgmentsCsv } from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';

/**
 * One row per judgment, ordered by trial id, with no wall-clock fields: the same config and seed
 * give a byte-identical file. CSV is the stats package's judgment format (so `parseJudgmentsCsv`
 * reads it back); JSONL rows also carry the experiment id and the full event log (the transcript).
 */
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
  for await (const batch of db.judgments.stream(experimentId, 2000)) {
    if (format === 'csv') {
      await write(
        out,
        formatJudgmentsCsv(batch as Parameters<typeof formatJudgmentsCsv>[0], { header: count === 0 }),
      );
    } else {
      const events = await db.events.loadMany(batch.map((j) => j.trialId));
      let chunk = '';
      for (const row of batch) {
        const transcript = (events.get(row.trialId) ?? []).map((e) => ({ seq: e.seq, ...e.payload }));
        chunk += `${JSON.stringify({ ...row, events: transcript })}\n`;
      }
      await write(out, chunk);
    }
    count += batch.length;
  }
  if (count === 0 && format === 'csv') await write(out, formatJudgmentsCsv([]));
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
