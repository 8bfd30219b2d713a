/**
 * Judgments as an Apache Parquet file (bytes; writing them to disk is the caller's job), with the
 * same columns as the CSV (JUDGMENT_COLUMNS) but typed: strings, booleans, 32-bit integers, doubles,
 * and lists of them, so pandas (pyarrow), R (arrow) and DuckDB read them without guessing.
 *
 * Written with hyparquet-writer: pure JavaScript, one small dependency (its reader, hyparquet),
 * Snappy compression built in. A hand-written writer would have to get Thrift metadata, Dremel
 * repetition levels and page encodings right; parquet-wasm would add a WebAssembly Arrow build
 * (MBs) for the same result, and parquetjs forks pull in a dozen dependencies.
 */
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer';
import type { JudgmentRow } from './judgment.ts';
import { type ColumnType, JUDGMENT_COLUMNS } from './judgment-columns.ts';

/** Parquet schema of each column type: the physical type and, for strings, the UTF-8 annotation. */
const ELEMENT: Record<
  ColumnType,
  {
    type: 'BYTE_ARRAY' | 'BOOLEAN' | 'DOUBLE' | 'INT32' | 'INT64';
    utf8: boolean;
    list: boolean;
    timestamp?: true;
  }
> = {
  string: { type: 'BYTE_ARRAY', utf8: true, list: false },
  boolean: { type: 'BOOLEAN', utf8: false, list: false },
  double: { type: 'DOUBLE', utf8: false, list: false },
  int: { type: 'INT32', utf8: false, list: false },
  doubles: { type: 'DOUBLE', utf8: false, list: true },
  ints: { type: 'INT32', utf8: false, list: true },
  strings: { type: 'BYTE_ARRAY', utf8: true, list: true },
  // Times as times, so pandas, R and DuckDB read datetimes rather than text to parse.
  timestamps: { type: 'INT64', utf8: false, list: true, timestamp: true },
};

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

/** The standard three-level LIST layout (`<name> (LIST) / list / element`) that every reader knows. */
function schemaOf(): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: JUDGMENT_COLUMNS.length }];
  for (const c of JUDGMENT_COLUMNS) {
    const e = ELEMENT[c.type];
    const leaf = {
      type: e.type,
      ...(e.utf8 ? { converted_type: 'UTF8' as const } : {}),
      ...(e.timestamp ? { converted_type: 'TIMESTAMP_MILLIS' as const } : {}),
    };
    if (!e.list) {
      out.push({
        name: c.name,
        repetition_type: c.required && c.type !== 'string' && c.type !== 'boolean' ? 'REQUIRED' : 'OPTIONAL',
        ...leaf,
      });
    } else {
      out.push({ name: c.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      out.push({ name: 'element', repetition_type: 'REQUIRED', ...leaf });
    }
  }
  return out;
}

/** Serialise rows to a Parquet file, one row group per 100,000 judgments. */
export function formatJudgmentsParquet(
  rows: readonly JudgmentRow[],
  options: { metadata?: Record<string, string> } = {},
): ArrayBuffer {
  const columnData: ColumnSource[] = JUDGMENT_COLUMNS.map((c) => ({
    name: c.name,
    data: rows.map((r) => {
      const v = c.get(r);
      if (ELEMENT[c.type].timestamp && Array.isArray(v)) return v.map((t) => new Date(String(t)));
      return Array.isArray(v) ? [...v] : v;
    }),
  }));
  return parquetWriteBuffer({
    columnData,
    schema: schemaOf(),
    rowGroupSize: 100_000,
    createdBy: '@oversight/stats formatJudgmentsParquet',
    kvMetadata: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}
