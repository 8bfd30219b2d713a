import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import { loadBundledQuestions, loadQuestionFile } from '../src/datasets.ts';

const examples = fileURLToPath(new URL('../../../experiments/datasets/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'oversight-datasets-'));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const good = {
  id: 'q1',
  storyId: 's1',
  storyTitle: 'A story',
  question: 'What happened?',
  answers: ['this', 'that'],
  correctIndex: 0,
  source: 'This happened, not that.',
};
const line = (overrides: Record<string, unknown>, drop: string[] = []) => {
  const q: Record<string, unknown> = { ...good, ...overrides };
  for (const key of drop) delete q[key];
  return JSON.stringify(q);
};

async function failure(path: string): Promise<InputError> {
  const error = await loadQuestionFile(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('the bundled NYU 2023 dataset', () => {
  it('loads 342 questions with sources, two answers and valid indices', async () => {
    const questions = await loadBundledQuestions();
    expect(questions).toHaveLength(342);
    expect(new Set(questions.map((q) => q.id)).size).toBe(342);
    expect(new Set(questions.map((q) => q.storyId)).size).toBe(96);
    for (const q of questions) {
      expect(q.source.length).toBeGreaterThan(1000);
      expect(q.answers).toHaveLength(2);
      expect(q.correctIndex).toBeGreaterThanOrEqual(0);
      expect(q.correctIndex).toBeLessThan(q.answers.length);
      expect(q.question).toBe(q.question.trim());
      expect(q.metadata).toMatchObject({ dataset: 'nyu-2023', license: 'CC-BY-4.0' });
      expect((q.metadata.nyuRooms as string[]).length).toBeGreaterThan(0);
      // Detokenised prose, not Penn Treebank tokens.
      expect(q.source).not.toMatch(/``|''|-LRB-|-RSB-| n't\b| 's\b| ,/);
    }
  });
});

describe('the example question files', () => {
  it('load the same three questions from JSONL and CSV', async () => {
    const jsonl = await loadQuestionFile(join(examples, 'example-questions.jsonl'));
    const csv = await loadQuestionFile(join(examples, 'example-questions.csv'));
    expect(jsonl).toHaveLength(3);
    // The same content exactly (optional fields too), so importing both under one name is not refused.
    expect(csv).toEqual(jsonl);
    expect(jsonl[2]).toMatchObject({
      answers: ['A folded letter', 'A second key', 'A dead moth'],
      correctIndex: 1,
    });
  });

  it('takes a story line once for the questions that leave out source', async () => {
    const { source: _s, storyTitle: _t, ...bare } = good;
    const path = file('stories.jsonl', [
      JSON.stringify({ about: { license: 'CC0' } }),
      JSON.stringify(bare),
      JSON.stringify({ story: { id: 's1', title: 'A story', source: good.source } }),
    ]);
    expect(await loadQuestionFile(path)).toEqual([{ ...good, metadata: {} }]);
  });
});

describe('bad question files', () => {
  it('name file:line and the field for an unknown or mistyped field', async () => {
    const path = file('wrong-field.jsonl', [line({}), line({ id: 'q2', answer: ['a', 'b'] }, ['answers'])]);
    const error = await failure(path);
    expect(error.message).toContain(`${path}:2`);
    expect(error.message).toContain('"answer"');
    expect(error.where).toBe(`${path}:2`);

    const typed = file('wrong-type.jsonl', [line({ answers: 'this | that' })]);
    const message = (await failure(typed)).message;
    expect(message).toContain(`${typed}:1`);
    expect(message).toMatch(/answers: .*array/);
  });

  it('name file:line and correctIndex when it is out of range', async () => {
    const path = file('range.jsonl', [line({}), '', line({ id: 'q3', correctIndex: 2 })]);
    const { message } = await failure(path);
    expect(message).toContain(`${path}:3`);
    expect(message).toMatch(/correctIndex: correctIndex 2 is out of range: the question has 2 answers/);
  });

  it('say a line is malformed JSON, with its number', async () => {
    const path = file('malformed.jsonl', [line({}), '{"id": "q2", "storyId": ', line({ id: 'q3' })]);
    const { message } = await failure(path);
    expect(message).toContain(`${path}:2`);
    expect(message).toContain('malformed JSON on line 2');
  });

  it('refuse duplicate ids, naming both lines', async () => {
    const path = file('dupes.jsonl', [line({}), line({ question: 'Again?' })]);
    const { message } = await failure(path);
    expect(message).toContain(`${path}:2`);
    expect(message).toContain(`id: "q1" is used twice (first at ${path}:1)`);
  });

  it('ask for source or a story line when source is missing', async () => {
    const path = file('nosource.jsonl', [line({}, ['source'])]);
    const { message } = await failure(path);
    expect(message).toMatch(/:1: invalid input\n {2}- source: missing/);
  });

  it('in CSV: semicolons for commas, or answers without " | ", get a hint that says what to change', async () => {
    const semicolons = file('semicolons.csv', [
      'id;storyId;storyTitle;question;answers;correctIndex;source',
      'q1;s1;A story;What happened?;this | that;0;text',
    ]);
    expect((await failure(semicolons)).message).toMatch(
      /semicolons\.csv:1: the fields are separated by ";", not commas; save the file as CSV with commas/,
    );
    const header = 'id,storyId,storyTitle,question,answers,correctIndex,source';
    const bars = file('bars.csv', [header, 'q1,s1,A story,What happened?,this|that,0,text']);
    expect((await failure(bars)).message).toMatch(
      /bars\.csv:2: invalid input\n {2}- answers: "this\|that" gives 1 answer \(it seems to use "\|"\); a question needs at least two, separated by " \| "/,
    );
    const typo = file('typo.csv', ['id,storyId,storyTitle,question,answer,correctIndex,source']);
    expect((await failure(typo)).message).toMatch(/missing column "answers" \(did you mean "answer"\?\)/);
  });

  it('in CSV: name the line a row starts on, after a multi-line story', async () => {
    const header = 'id,storyId,storyTitle,question,answers,correctIndex,source';
    const path = file('range.csv', [
      header,
      'q1,s1,A story,What happened?,this | that,0,"line one',
      'line two, with a comma"',
      'q2,s1,A story,What else?,this | that,5,short',
    ]);
    const { message } = await failure(path);
    expect(message).toContain(`${path}:4`);
    expect(message).toContain('correctIndex');

    const typed = file('typed.csv', [header, 'q1,s1,A story,What?,this | that,first,text']);
    expect((await failure(typed)).message).toMatch(/typed\.csv:2: invalid input\n {2}- correctIndex: /);

    const broken = file('broken.csv', [header, 'q1,s1,A story,"What?,this | that,0,text']);
    expect((await failure(broken)).message).toMatch(/broken\.csv:2: malformed CSV on line 2/);

    const badHeader = file('header.csv', [
      'id,storyId,question,answer,correctIndex,source',
      'q1,s1,Q,a | b,0,x',
    ]);
    const headerError = (await failure(badHeader)).message;
    expect(headerError).toContain(
      `${badHeader}:1: missing columns "storyTitle", "answers" (did you mean "answer"?)`,
    );
  });

  it('refuse other file types', async () => {
    const path = file('questions.json', ['[]']);
    expect((await failure(path)).message).toContain('use .jsonl');
  });
});
