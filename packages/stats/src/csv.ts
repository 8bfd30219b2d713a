/**
 * Judgments as CSV (pure string ↔ rows; reading and writing files is the caller's job).
 *
 * Columns are JUDGMENT_COLUMNS (judgment-columns.ts), in that order, with a header row. Nulls are
 * empty fields, booleans true/false, lists ';'-separated. Fields containing a comma, quote or
 * newline are quoted as in RFC 4180. Reading accepts the columns in any order, needs only the
 * required ones, and reads the old name `rounds` for `continues`.
 */

import { type JudgmentRow, PROTOCOLS, type Protocol } from './judgment.ts';
import { JUDGMENT_COLUMNS, JUDGMENT_CSV_COLUMNS, LEGACY_COLUMN_NAMES } from './judgment-columns.ts';
import { blankJudgmentRow, type JudgmentTable, JudgmentTableBuilder } from './judgment-table.ts';

export { JUDGMENT_CSV_COLUMNS };

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cell(v: ReturnType<(typeof JUDGMENT_COLUMNS)[number]['get']>): string {
  if (v === null) return '';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'object') return quote(v.join(';'));
  return String(v);
}

/** Serialise rows to CSV text, with the header row unless `header: false` (for later pages of a stream). */
export function formatJudgmentsCsv(rows: readonly JudgmentRow[], options: { header?: boolean } = {}): string {
  const parts: string[] = options.header === false ? [] : [`${JUDGMENT_CSV_COLUMNS.join(',')}\n`];
  const last = JUDGMENT_COLUMNS.length - 1;
  for (const r of rows) {
    let line = '';
    for (let c = 0; c <= last; c++) line += (c > 0 ? ',' : '') + cell(JUDGMENT_COLUMNS[c]!.get(r));
    parts.push(`${line}\n`);
  }
  return parts.join('');
}

/** Split one CSV record that contains quotes (slow path). */
function splitQuoted(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  let field = '';
  let inQuotes = false;
  while (i < line.length) {
    const c = line[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
    i++;
  }
  out.push(field);
  return out;
}

const PROTOCOL_SET = new Set<string>(PROTOCOLS);

/**
 * Parse CSV text made by formatJudgmentsCsv (or any CSV with the required columns in any order).
 * Throws with the line number, column and a hint on malformed input.
 */
export function parseJudgmentsCsv(text: string, source = 'CSV'): JudgmentRow[] {
  const rows: JudgmentRow[] = [];
  readJudgmentsCsv(text, source, (row) => rows.push(row), false);
  return rows;
}

/**
 * parseJudgmentsCsv straight into columns (judgment-table.ts), with no object per judgment: what
 * analyzeExperiment reads, in a fraction of the memory (a million rows are ~400 MB of objects, the
 * table ~70 MB). The same checks and errors; the provenance columns the analysis does not use
 * (experiment, answer order, rationale, move times) are skipped.
 */
export function parseJudgmentsCsvTable(text: string, source = 'CSV'): JudgmentTable {
  const builder = new JudgmentTableBuilder(Math.max(1024, Math.floor(text.length / 160)));
  readJudgmentsCsv(text, source, (row) => builder.add(row), true);
  return builder.finish();
}

/**
 * Read the records, checking each, and hand each to `emit` as a row. With `reuse`, one row object
 * is filled again for every record (the caller copies what it needs) and only the columns the
 * analysis reads are kept.
 */
function readJudgmentsCsv(
  text: string,
  source: string,
  emit: (row: JudgmentRow) => void,
  reuse: boolean,
): void {
  let pos = 0;
  const nextLine = (): string | null => {
    if (pos >= text.length) return null;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    // a quoted field may contain newlines: extend until quotes balance
    if (line.includes('"')) {
      while ((line.split('"').length - 1) % 2 === 1 && end < text.length) {
        const more = text.indexOf('\n', end + 1);
        end = more < 0 ? text.length : more;
        line = text.slice(pos, end);
      }
    }
    pos = end + 1;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  const header = nextLine();
  if (header === null) return;
  const names = header.split(',').map((h) => {
    const name = h.trim();
    return LEGACY_COLUMN_NAMES[name] ?? name;
  });
  const col = new Map<string, number>();
  names.forEach((n, i) => {
    col.set(n, i);
  });
  for (const c of JUDGMENT_COLUMNS) {
    if (c.required && !col.has(c.name))
      throw new Error(
        `${source}: missing column '${c.name}' (${c.description}) in the header; the required columns are ${JUDGMENT_COLUMNS.filter(
          (x) => x.required,
        )
          .map((x) => x.name)
          .join(',')}`,
      );
  }
  const at = (name: string) => col.get(name) ?? -1;
  const cTrial = at('trialId');
  const cArm = at('arm');
  const cProtocol = at('protocol');
  const cQuestion = at('questionId');
  const cStory = at('storyId');
  const cJudge = at('judgeId');
  const cHonest = at('arguerHonest');
  const cInduction = at('induction');
  const cHonestId = at('honestArguerId');
  const cDishonestId = at('dishonestArguerId');
  const cProb = at('probCorrect');
  const cCorrect = at('correct');
  const cContinues = at('continues');
  const cReward = at('reward');
  const cBeliefs = at('beliefs');
  const optional = JUDGMENT_COLUMNS.filter((c) => !c.required && col.has(c.name)).map((c) => ({
    name: c.name,
    type: c.type,
    index: col.get(c.name)!,
    // with `reuse`, only checked: the table keeps the participant kinds and models alone
    keep: !reuse || TABLE_COLUMNS.has(c.name),
  }));
  // the one row object filled again for every record when `reuse` (every field present, so one shape)
  const scratch: JudgmentRow = blankJudgmentRow();
  // Ids repeat across rows (arms, judges, questions, arguers): keeping one copy of each saves
  // memory and, above all, garbage-collection time on large files.
  const pool = new Map<string, string>();
  const intern = (v: string): string => {
    const hit = pool.get(v);
    if (hit !== undefined) return hit;
    pool.set(v, v);
    return v;
  };
  let lineNo = 1;
  const fail = (field: string, value: string, hint: string): never => {
    throw new Error(`${source} line ${lineNo}: bad ${field} '${value}': ${hint}`);
  };
  const bool = (v: string, field: string): boolean => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    return fail(field, v, 'use true or false');
  };
  const nullable = (v: string): string | null => (v === '' ? null : intern(v));
  for (let line = nextLine(); line !== null; line = nextLine()) {
    lineNo++;
    if (line.length === 0) continue;
    const f = line.includes('"') ? splitQuoted(line) : line.split(',');
    if (f.length !== names.length)
      fail('record', line.slice(0, 60), `expected ${names.length} fields, found ${f.length}`);
    const protocol = f[cProtocol]!;
    if (!PROTOCOL_SET.has(protocol)) fail('protocol', protocol, `use one of ${PROTOCOLS.join(', ')}`);
    const honest = f[cHonest]!;
    const prob = Number(f[cProb]);
    if (!(prob >= 0 && prob <= 1)) fail('probCorrect', f[cProb]!, 'a probability in [0, 1]');
    const continues = Number(f[cContinues]);
    if (!Number.isInteger(continues) || continues < 0)
      fail('continues', f[cContinues]!, 'a non-negative integer (rounds the judge chose to continue)');
    const beliefText = f[cBeliefs]!;
    let row: JudgmentRow;
    if (reuse) {
      row = scratch;
      row.trialId = f[cTrial]!;
      row.arm = f[cArm]!;
      row.protocol = protocol as Protocol;
      row.questionId = f[cQuestion]!;
      row.storyId = f[cStory]!;
      row.judgeId = f[cJudge]!;
      row.arguerHonest = honest === '' ? null : bool(honest, 'arguerHonest');
      row.induction = f[cInduction] === '' ? null : f[cInduction]!;
      row.honestArguerId = f[cHonestId] === '' ? null : f[cHonestId]!;
      row.dishonestArguerId = f[cDishonestId] === '' ? null : f[cDishonestId]!;
      row.probCorrect = prob;
      row.correct = bool(f[cCorrect]!, 'correct');
      row.rounds = continues;
      row.reward = Number(f[cReward]);
      row.beliefs.length = 0;
      if (beliefText !== '') for (const b of beliefText.split(';')) row.beliefs.push(Number(b));
      // absent unless the record has them (as parseJudgmentsCsv leaves them out)
      row.judgeKind = null;
      row.judgeModel = null;
      row.honestArguerKind = null;
      row.honestArguerModel = null;
      row.dishonestArguerKind = null;
      row.dishonestArguerModel = null;
    } else {
      row = {
        trialId: f[cTrial]!,
        arm: intern(f[cArm]!),
        protocol: intern(protocol) as Protocol,
        questionId: intern(f[cQuestion]!),
        storyId: intern(f[cStory]!),
        judgeId: intern(f[cJudge]!),
        arguerHonest: honest === '' ? null : bool(honest, 'arguerHonest'),
        induction: nullable(f[cInduction]!),
        honestArguerId: nullable(f[cHonestId]!),
        dishonestArguerId: nullable(f[cDishonestId]!),
        probCorrect: prob,
        correct: bool(f[cCorrect]!, 'correct'),
        rounds: continues,
        reward: Number(f[cReward]),
        beliefs: beliefText === '' ? [] : beliefText.split(';').map(Number),
      };
    }
    for (const o of optional) {
      const v = f[o.index]!;
      const target = row as unknown as Record<string, unknown>;
      // an empty optional field is absent, as in a row that never had it
      if (v === '') continue;
      if (!o.keep) {
        if (o.type === 'int' && !Number.isInteger(Number(v))) fail(o.name, v, 'an integer');
        continue;
      }
      if (o.type === 'string') target[o.name] = o.name === 'rationale' ? v : intern(v);
      else if (o.type === 'int') {
        const n = Number(v);
        if (!Number.isInteger(n)) fail(o.name, v, 'an integer');
        target[o.name] = n;
      } else if (o.type === 'ints') target[o.name] = v.split(';').map(Number);
      else if (o.type === 'strings' || o.type === 'timestamps') target[o.name] = v.split(';');
    }
    emit(row);
  }
}

/** The optional columns the table keeps (participant kinds and models). */
const TABLE_COLUMNS = new Set([
  'judgeKind',
  'judgeModel',
  'honestArguerKind',
  'honestArguerModel',
  'dishonestArguerKind',
  'dishonestArguerModel',
]);
