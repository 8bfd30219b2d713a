import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { formatJudgmentsCsv, parseJudgmentsCsv } from '../src/csv.ts';
import type { JudgmentRow } from '../src/judgment.ts';
import { JUDGMENT_COLUMNS } from '../src/judgment-columns.ts';
import { formatJudgmentsParquet } from '../src/parquet.ts';
import { loadFixture } from './fixtures.ts';

const nyu = loadFixture<JudgmentRow[]>('nyu-human-judgments.json');
// (optional fields that are null read back as absent, which means the same)
const full: JudgmentRow = {
  ...nyu[0]!,
  experimentId: 'nyu-2023',
  judgeKind: 'person',
  honestArguerKind: 'model',
  honestArguerModel: 'gpt-4',
  dishonestArguerKind: 'simulated',
  displayed: [1, 0],
  correctDisplayed: 0,
  rationale: 'B quoted the story, "twice"; A did not.\nSo: A.',
  moveTimes: ['2024-01-02T03:04:05.000Z', '2024-01-02T03:05:00.000Z'],
};

describe('judgment exports', () => {
  it('CSV names the continues column for what it holds and carries provenance', () => {
    const csv = formatJudgmentsCsv([full]);
    const header = csv.split('\n')[0]!.split(',');
    expect(header).toContain('continues');
    expect(header).not.toContain('rounds');
    for (const c of ['experimentId', 'judgeKind', 'displayed', 'rationale', 'moveTimes'])
      expect(header).toContain(c);
    expect(parseJudgmentsCsv(csv)).toEqual([full]);
  });

  it('CSV still reads files that called the column rounds', () => {
    const old = formatJudgmentsCsv(nyu.slice(0, 2)).replace(',continues,', ',rounds,');
    expect(parseJudgmentsCsv(old).map((r) => r.rounds)).toEqual(nyu.slice(0, 2).map((r) => r.rounds));
  });

  it('Parquet holds the same columns, typed, and reads back with an independent reader', async () => {
    const rows = [full, ...nyu.slice(0, 30)];
    const file = formatJudgmentsParquet(rows, { metadata: { experiment: 'nyu-2023' } });
    const meta = parquetMetadata(file);
    const leaf = (name: string) => meta.schema.find((e) => e.name === name)!;
    expect(leaf('probCorrect').type).toBe('DOUBLE');
    expect(leaf('continues').type).toBe('INT32');
    expect(leaf('correct').type).toBe('BOOLEAN');
    expect(leaf('trialId').converted_type).toBe('UTF8');
    expect(leaf('beliefs').converted_type).toBe('LIST');
    // Move times are timestamps (UTC milliseconds), not text: pandas reads datetime64 from them.
    const moveTime = meta.schema[meta.schema.findIndex((e) => e.name === 'moveTimes') + 2]!;
    expect([moveTime.type, moveTime.converted_type]).toEqual(['INT64', 'TIMESTAMP_MILLIS']);
    expect(meta.key_value_metadata?.find((k) => k.key === 'experiment')?.value).toBe('nyu-2023');
    const back = await parquetReadObjects({ file });
    expect(back).toHaveLength(rows.length);
    expect(Object.keys(back[0]!)).toEqual(JUDGMENT_COLUMNS.map((c) => c.name));
    expect(back[0]).toMatchObject({
      trialId: full.trialId,
      judgeKind: 'person',
      honestArguerModel: 'gpt-4',
      displayed: [1, 0],
      rationale: full.rationale,
      moveTimes: full.moveTimes!.map((t) => new Date(t)),
      continues: full.rounds,
      beliefs: full.beliefs,
      correct: full.correct,
      probCorrect: full.probCorrect,
    });
    expect(back[1]!.judgeKind).toBeNull();
    expect(back[1]!.arguerHonest).toBe(nyu[0]!.arguerHonest);
  });
});
