import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { didYouMean, InputError, parseInput, type Question, QuestionSchema } from '@oversight/core';
import { CsvError, parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';

/**
 * Question files. The generic format (experiments/datasets/README.md) is JSONL, one Question per
 * line, or CSV with the header `id,storyId,storyTitle,question,answers,correctIndex,source` and the
 * answers separated by " | ". A JSONL file may also hold `{"story": {"id", "title", "source"}}`
 * lines, so a long story is stored once and its questions leave out `source` (the bundled dataset
 * does this), and `{"about": {...}}` lines describing the file (attribution, licence), which are
 * kept out of the questions. Every bad line is an InputError naming file:line, the field and the fix.
 */

/** The bundled default dataset: the 342 questions of the NYU 2023 debates (CC-BY 4.0). */
export const BUNDLED_DATASET_PATH = fileURLToPath(
  new URL('../../../experiments/datasets/nyu-2023-quality.jsonl.gz', import.meta.url),
);

export async function loadBundledQuestions(): Promise<Question[]> {
  return loadQuestionFile(BUNDLED_DATASET_PATH);
}

/** Loads a .jsonl, .jsonl.gz or .csv question file. */
export async function loadQuestionFile(path: string): Promise<Question[]> {
  const format = /\.jsonl(\.gz)?$/i.test(path) ? 'jsonl' : /\.csv$/i.test(path) ? 'csv' : null;
  if (!format)
    throw new InputError(
      `${path}: unsupported question file; use .jsonl (one question per line) or .csv (see experiments/datasets/README.md)`,
      path,
    );
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(
      `${path}: cannot read the question file (${(error as NodeJS.ErrnoException).code ?? error})`,
      path,
    );
  }
  if (/\.gz$/i.test(path)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new InputError(`${path}: not a valid gzip file (${(error as Error).message})`, path);
    }
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  return format === 'jsonl' ? parseQuestionsJsonl(text, path) : parseQuestionsCsv(text, path);
}

const QUESTION_FIELDS = [
  'id',
  'storyId',
  'storyTitle',
  'question',
  'answers',
  'correctIndex',
  'source',
  'distractorIndex',
  'metadata',
] as const;

const StorySchema = z.strictObject({
  id: z.string().min(1),
  title: z.string().default(''),
  source: z.string().min(1),
});
type Story = z.infer<typeof StorySchema>;

function unknownFields(record: Record<string, unknown>, where: string): void {
  const unknown = Object.keys(record).filter((k) => !(QUESTION_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new InputError(
      `${where}: invalid input\n  - unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"${didYouMean(k, QUESTION_FIELDS)}`).join(', ')}; ` +
        `a question has the fields ${QUESTION_FIELDS.join(', ')}`,
      where,
    );
}

class QuestionCollector {
  readonly questions: Question[] = [];
  private readonly lines = new Map<string, string>();

  add(record: Record<string, unknown>, where: string, stories: ReadonlyMap<string, Story>): void {
    unknownFields(record, where);
    const story = typeof record.storyId === 'string' ? stories.get(record.storyId) : undefined;
    const filled = {
      ...record,
      ...(record.source === undefined && story ? { source: story.source } : {}),
      ...(record.storyTitle === undefined && story ? { storyTitle: story.title } : {}),
    };
    if (filled.source === undefined)
      throw new InputError(
        `${where}: invalid input\n  - source: missing: add "source" (the story text), or a line ` +
          `{"story": {"id": ${JSON.stringify(record.storyId ?? '…')}, "title": "…", "source": "…"}}`,
        where,
      );
    const question = parseInput(QuestionSchema, filled, where);
    const first = this.lines.get(question.id);
    if (first !== undefined)
      throw new InputError(
        `${where}: invalid input\n  - id: "${question.id}" is used twice (first at ${first}); question ids must be unique`,
        where,
      );
    this.lines.set(question.id, where);
    this.questions.push(question);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseQuestionsJsonl(text: string, file: string): Question[] {
  const records: Array<{ where: string; value: Record<string, unknown> }> = [];
  const stories = new Map<string, Story>();
  const storyLines = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(
        `${where}: malformed JSON on line ${i + 1} (${(error as Error).message}); each line must be one JSON object`,
        where,
      );
    }
    if (!isObject(value))
      throw new InputError(
        `${where}: line ${i + 1} is not a JSON object; each line must be one question`,
        where,
      );
    if ('about' in value) continue;
    if ('story' in value) {
      const story = parseInput(StorySchema, value.story, `${where} (story)`);
      const first = storyLines.get(story.id);
      if (first !== undefined && stories.get(story.id)?.source !== story.source)
        throw new InputError(
          `${where}: story "${story.id}" is defined twice with different text (first at ${first})`,
          where,
        );
      stories.set(story.id, story);
      storyLines.set(story.id, where);
      continue;
    }
    records.push({ where, value });
  }
  const collector = new QuestionCollector();
  for (const { where, value } of records) collector.add(value, where, stories);
  return collector.questions;
}

const CSV_REQUIRED = [
  'id',
  'storyId',
  'storyTitle',
  'question',
  'answers',
  'correctIndex',
  'source',
] as const;
const CSV_OPTIONAL = ['distractorIndex', 'metadata'] as const;
export const ANSWER_SEPARATOR = ' | ';

export function parseQuestionsCsv(text: string, file: string): Question[] {
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parseCsv(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as Array<{
      record: string[];
      info: { lines: number };
    }>;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      const where = line ? `${file}:${line}` : file;
      throw new InputError(
        `${where}: malformed CSV${line ? ` on line ${line}` : ''} (${error.message}); quote fields that hold commas, ` +
          'quotes or line breaks with "…" and double any " inside them',
        where,
      );
    }
    throw error;
  }
  const [header, ...body] = rows;
  if (!header) return [];
  const columns = header.record.map((c) => c.trim());
  const where1 = `${file}:1`;
  const expected = `the header must be ${CSV_REQUIRED.join(',')} (optionally also ${CSV_OPTIONAL.join(', ')})`;
  const missing = CSV_REQUIRED.filter((c) => !columns.includes(c));
  // Spreadsheets in many locales save "CSV" with semicolons (or tabs): the header is then one column.
  const other = columns.length === 1 ? [';', '\t'].find((sep) => columns[0]!.includes(sep)) : undefined;
  if (missing.length > 0 && other)
    throw new InputError(
      `${where1}: the fields are separated by ${other === ';' ? '";"' : 'tabs'}, not commas; save the file as CSV with commas ` +
        `(in a spreadsheet: the comma as field delimiter), or as JSONL; ${expected}`,
      where1,
    );
  if (missing.length > 0)
    throw new InputError(
      `${where1}: missing column${missing.length === 1 ? '' : 's'} ${missing.map((c) => `"${c}"${didYouMean(c, columns)}`).join(', ')}; ${expected}`,
      where1,
    );
  const unknown = columns.filter(
    (c) => !([...CSV_REQUIRED, ...CSV_OPTIONAL] as readonly string[]).includes(c),
  );
  if (unknown.length > 0)
    throw new InputError(
      `${where1}: unknown column(s) ${unknown.map((c) => `"${c}"`).join(', ')}; ${expected}`,
      where1,
    );

  const collector = new QuestionCollector();
  let previousEnd = header.info.lines;
  for (const { record, info } of body) {
    // A record may span several lines (a quoted story with line breaks): name the line it starts on.
    const line = previousEnd + 1;
    previousEnd = info.lines;
    const where = `${file}:${line}`;
    if (record.length !== columns.length)
      throw new InputError(
        `${where}: the row has ${record.length} fields but the header has ${columns.length}; ` +
          'quote fields that contain commas',
        where,
      );
    const cell = Object.fromEntries(columns.map((c, i) => [c, record[i] ?? '']));
    const integer = (v: string) => (/^\s*-?\d+\s*$/.test(v) ? Number(v) : v);
    const answers = (cell.answers ?? '')
      .split(ANSWER_SEPARATOR)
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (answers.length < 2) throw answersHint(cell.answers ?? '', answers.length, where);
    const value: Record<string, unknown> = {
      id: cell.id,
      storyId: cell.storyId,
      storyTitle: cell.storyTitle,
      question: cell.question,
      answers,
      correctIndex: integer(cell.correctIndex ?? ''),
      source: cell.source,
    };
    if (cell.distractorIndex !== undefined && cell.distractorIndex.trim() !== '')
      value.distractorIndex = integer(cell.distractorIndex);
    if (cell.metadata !== undefined && cell.metadata.trim() !== '') {
      try {
        value.metadata = JSON.parse(cell.metadata);
      } catch {
        throw new InputError(
          `${where}: invalid input\n  - metadata: not valid JSON; give a JSON object or leave it empty`,
          where,
        );
      }
    }
    collector.add(value, where, new Map());
  }
  return collector.questions;
}

/** A CSV answers cell that gives fewer than two answers: most often another separator than " | ". */
function answersHint(text: string, found: number, where: string): InputError {
  const used = ['|', ';', '/', ','].find((sep) => text.includes(sep));
  const seems = used ? ` (it seems to use "${used}")` : '';
  return new InputError(
    `${where}: invalid input\n  - answers: "${text.length > 80 ? `${text.slice(0, 79)}…` : text}" gives ${found} answer${found === 1 ? '' : 's'}${seems}; ` +
      `a question needs at least two, separated by "${ANSWER_SEPARATOR}" (a space, a bar, a space), e.g. "a lighthouse | a harbour"`,
    where,
  );
}
