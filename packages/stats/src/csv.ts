/**
 * Judgments as CSV (pure string ↔ rows; reading and writing files is the caller's job).
 *
 * Columns, in this order, with a header row:
 *   trialId,arm,protocol,questionId,storyId,judgeId,arguerHonest,induction,honestArguerId,
 *   dishonestArguerId,probCorrect,correct,rounds,reward,beliefs
 * Nulls are empty fields, booleans are true/false, beliefs are ';'-separated probabilities.
 * Fields containing a comma, quote or newline are quoted as in RFC 4180.
 */
import { type JudgmentRow, PROTOCOLS, type Protocol } from './judgment.ts';

export const JUDGMENT_CSV_COLUMNS = [
  'trialId',
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
] as const;

function quote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Serialise rows to CSV text, with the header row unless `header: false` (for later pages of a stream). */
export function formatJudgmentsCsv(rows: readonly JudgmentRow[], options: { header?: boolean } = {}): string {
  const parts: string[] = options.header === false ? [] : [`${JUDGMENT_CSV_COLUMNS.join(',')}\n`];
  for (const r of rows) {
    parts.push(
      `${quote(r.trialId)},${quote(r.arm)},${r.protocol},${quote(r.questionId)},${quote(r.storyId)},${quote(r.judgeId)},${
        r.arguerHonest === null ? '' : r.arguerHonest
      },${r.induction === null ? '' : quote(r.induction)},${r.honestArguerId === null ? '' : quote(r.honestArguerId)},${
        r.dishonestArguerId === null ? '' : quote(r.dishonestArguerId)
      },${r.probCorrect},${r.correct},${r.rounds},${r.reward},${r.beliefs.join(';')}\n`,
    );
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
 * Parse CSV text made by formatJudgmentsCsv (or any CSV with these columns in any order).
 * Throws with the line number, column and a hint on malformed input.
 */
export function parseJudgmentsCsv(text: string, source = 'CSV'): JudgmentRow[] {
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
  if (header === null) return [];
  const names = header.split(',').map((h) => h.trim());
  const col: Record<string, number> = {};
  names.forEach((n, i) => {
    col[n] = i;
  });
  for (const c of JUDGMENT_CSV_COLUMNS) {
    if (col[c] === undefined)
      throw new Error(
        `${source}: missing column '${c}' in the header; expected ${JUDGMENT_CSV_COLUMNS.join(',')}`,
      );
  }
  const idx = JUDGMENT_CSV_COLUMNS.map((c) => col[c]!);
  const [
    cTrial,
    cArm,
    cProtocol,
    cQuestion,
    cStory,
    cJudge,
    cHonest,
    cInduction,
    cHonestId,
    cDishonestId,
    cProb,
    cCorrect,
    cRounds,
    cReward,
    cBeliefs,
  ] = idx as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const rows: JudgmentRow[] = [];
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
    const rounds = Number(f[cRounds]);
    if (!Number.isInteger(rounds) || rounds < 0) fail('rounds', f[cRounds]!, 'a non-negative integer');
    const beliefText = f[cBeliefs]!;
    const beliefs = beliefText === '' ? [] : beliefText.split(';').map(Number);
    const induction = f[cInduction]!;
    const honestId = f[cHonestId]!;
    const dishonestId = f[cDishonestId]!;
    rows.push({
      trialId: f[cTrial]!,
      arm: intern(f[cArm]!),
      protocol: intern(protocol) as Protocol,
      questionId: intern(f[cQuestion]!),
      storyId: intern(f[cStory]!),
      judgeId: intern(f[cJudge]!),
      arguerHonest: honest === '' ? null : bool(honest, 'arguerHonest'),
      induction: induction === '' ? null : intern(induction),
      honestArguerId: honestId === '' ? null : intern(honestId),
      dishonestArguerId: dishonestId === '' ? null : intern(dishonestId),
      probCorrect: prob,
      correct: bool(f[cCorrect]!, 'correct'),
      rounds,
      reward: Number(f[cReward]),
      beliefs,
    });
  }
  return rows;
}
