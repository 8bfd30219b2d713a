import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TrialEventSchema } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { loggedSpeeches, type LoggedSpeech as Speech } from '@oversight/llm/testing/training';
import { type ChatRequest, type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliAsync, oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * `oversight export --format sft|preference` as a user runs it, on a simulated experiment, an AI
 * experiment against the fake OpenAI-compatible server and a person arguing at the terminal.
 */

/** Every speech of the finished trials, read from the database directly (independently of the exporter). */
async function speechesIn(dataDir: string, experimentId: string): Promise<Speech[]> {
  const db = await openDatabase({ dataDir });
  try {
    const trials = await db.trials.list(experimentId, { status: ['finished'] });
    const stored = await db.events.loadMany(trials.map((t) => t.id));
    const logs = new Map(
      [...stored].map(([id, log]) => [id, log.map((e) => TrialEventSchema.parse(e.payload))] as const),
    );
    return loggedSpeeches(logs);
  } finally {
    await db.close();
  }
}

const key = (x: { trialId: string; seq: number }) => `${x.trialId}#${x.seq}`;
const readLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

interface Manifest {
  sha256: string;
  experiments: Array<{ id: string }>;
  split: { stories: Record<string, string> };
  counts: { rows: number; byKind: Record<string, number>; skipped: Record<string, number> };
  rows: Array<{
    line: number;
    sha256: string;
    split: string;
    storyId: string;
    source: Record<string, unknown>;
  }>;
  refused: unknown[];
}
const manifestOf = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;
const sourceKey = (row: Manifest['rows'][number]) => key(row.source as { trialId: string; seq: number });

function expectOneSplitPerStory(manifest: Manifest): void {
  const seen = new Map<string, string>();
  for (const row of manifest.rows) {
    expect(seen.get(row.storyId) ?? row.split).toBe(row.split);
    seen.set(row.storyId, row.split);
    expect(manifest.split.stories[row.storyId]).toBe(row.split);
  }
}

describe('training data from a simulated experiment', () => {
  const dir = tempDir('train-sim');
  const questions = path.basename(writeQuestions(dir, 12, 6));
  const config = {
    name: 'train-sim',
    seed: 'train-sim-seed',
    dataset: { path: questions },
    judges: [{ count: 40 }],
    arms: [
      { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 4, judgeMayEndEarly: false },
      {
        name: 'consultancy',
        protocol: 'consultancy',
        rounds: 2,
        trialsPerQuestion: 8,
        judgeMayEndEarly: false,
      },
    ],
  };
  const file = writeConfig(dir, config);
  const dataDir = path.join(dir, 'data');
  const data = ['--data-dir', dataDir];

  beforeAll(() => {
    const run = cli(['run', file, ...data], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
  });

  it('sft: the wrong side’s speeches that fooled the judge, one split per story, a hash per row', async () => {
    const done = cli(['export', 'train-sim', '--format', 'sft', '--out', 'sft.jsonl', ...data], { cwd: dir });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stderr).toMatch(
      /wrote \d+ sft rows .*train \d+, validation \d+, test \d+.* to sft\.jsonl; manifest sft\.manifest\.json/,
    );
    expect(done.stderr).toMatch(/simulated arguers or people, who were sent no prompt/);
    const lines = readLines(path.join(dir, 'sft.jsonl'));
    const manifest = manifestOf(path.join(dir, 'sft.manifest.json'));
    const expected = (await speechesIn(dataDir, 'train-sim')).filter((s) => !s.honest && s.belief > 0.5);
    expect(manifest.rows.map(sourceKey).sort()).toEqual(expected.map(key).sort());
    expect(lines).toHaveLength(expected.length);
    const texts = new Map(expected.map((s) => [key(s), s.event.text]));
    lines.forEach((line, i) => {
      const row = JSON.parse(line) as { messages: Array<{ role: string; content: string }> };
      expect(row.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(row.messages[2]!.content).toBe(texts.get(sourceKey(manifest.rows[i]!)));
      expect(manifest.rows[i]!.sha256).toBe(createHash('sha256').update(line).digest('hex'));
    });
    expect(manifest.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(path.join(dir, 'sft.jsonl')))
        .digest('hex'),
    );
    expectOneSplitPerStory(manifest);
  });

  it('preference pairs share their prompt; the same config run again exports the same bytes', async () => {
    const args = ['export', 'train-sim', '--format', 'preference', '--out', 'pairs.jsonl'];
    expect(cli([...args, ...data], { cwd: dir }).code).toBe(0);
    const lines = readLines(path.join(dir, 'pairs.jsonl'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const row = JSON.parse(line) as {
        prompt: unknown[];
        chosen: unknown[];
        rejected: unknown[];
        source: { kind: string };
      };
      expect(Object.keys(row)).toEqual(['prompt', 'chosen', 'rejected', 'source']);
      expect(row.source.kind).toBe('outcome');
    }
    // Prompts are compared through an sft export of every speech of the side.
    expect(
      cli(['export', 'train-sim', '--format', 'sft', '--min-belief', '0', '--out', 'all.jsonl', ...data], {
        cwd: dir,
      }).code,
    ).toBe(0);
    const all = manifestOf(path.join(dir, 'all.manifest.json'));
    const promptOf = new Map(
      readLines(path.join(dir, 'all.jsonl')).map((l, i) => [
        sourceKey(all.rows[i]!),
        JSON.stringify((JSON.parse(l) as { messages: unknown[] }).messages.slice(0, -1)),
      ]),
    );
    for (const line of lines) {
      const row = JSON.parse(line) as { prompt: unknown; source: { chosen: Speech; rejected: Speech } };
      expect(promptOf.get(key(row.source.chosen))).toBe(JSON.stringify(row.prompt));
      expect(promptOf.get(key(row.source.rejected))).toBe(JSON.stringify(row.prompt));
    }

    const again = path.join(dir, 'again');
    expect(cli(['run', file, '--data-dir', again], { cwd: dir }).code).toBe(0);
    const first = readFileSync(path.join(dir, 'pairs.jsonl'));
    const firstManifest = readFileSync(path.join(dir, 'pairs.manifest.json'));
    expect(cli([...args, '--data-dir', again], { cwd: dir }).code).toBe(0);
    expect(readFileSync(path.join(dir, 'pairs.jsonl')).equals(first)).toBe(true);
    expect(readFileSync(path.join(dir, 'pairs.manifest.json')).equals(firstManifest)).toBe(true);
  });

  it('refuses bad input with exit 2, a message naming the fix, and nothing written', async () => {
    const bad = async (args: string[], message: RegExp) => {
      const result = await oversight(['export', ...args, ...data]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    };
    const out = path.join(dir, 'never.jsonl');
    await bad(
      ['train-sin', '--format', 'sft', '--out', out],
      /no experiment "train-sin".*did you mean "train-sim"/,
    );
    await bad(
      ['train-sim', '--format', 'csv', '--side', 'honest'],
      /--side is for --format sft or preference, not csv/,
    );
    await bad(['train-sim', '--min-belief', '0.9'], /--min-belief is for --format sft or preference/);
    await bad(['train-sim', 'other', '--format', 'jsonl'], /one experiment at a time.*sft or preference/);
    await bad(['train-sim', '--format', 'sft'], /needs --out FILE\.jsonl/);
    await bad(
      ['train-sim', '--format', 'sft', '--out', out, '--side', 'liar'],
      /--side must be dishonest or honest/,
    );
    await bad(
      ['train-sim', '--format', 'sft', '--out', out, '--min-belief', '1.5'],
      /--min-belief must be a probability/,
    );
    await bad(
      ['train-sim', '--format', 'sft', '--out', out, '--split', 'tset'],
      /--split must be one of .*did you mean "test"/,
    );
    await bad(
      ['train-sim', '--format', 'preference', '--out', out, '--split-fractions', '0.5,0.5'],
      /three fractions/,
    );
    await bad(['train-sim', '--format', 'sft', '--out', out, '--aborted'], /--aborted writes csv or jsonl/);
    await bad(
      ['train-sim', '--format', 'sft', '--out', out, '--min-belief', '0.999'],
      /no training rows: .*at or below 0\.999 \(--min-belief\)/,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(path.join(dir, 'never.manifest.json'))).toBe(false);
  });
});

const hash32 = (text: string) => createHash('sha256').update(text).digest().readUInt32BE(0);
const text = (request: ChatRequest) =>
  request.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');

/** Speeches that vary with the API seed, judges whose probabilities vary with what they read. */
function varyingReply(request: ChatRequest) {
  const prompt = text(request);
  const seed = Number(request.seed ?? 0);
  if (request.response_format?.type === 'json_schema') {
    const p = 0.05 + 0.9 * ((hash32(prompt) % 1000) / 1000);
    return { rationale: 'weighed the quotes', probabilities: [p, 1 - p], end: false, comment: 'Which line?' };
  }
  const story = /<story>([\s\S]*?)<\/story>/.exec(prompt)?.[1] ?? '';
  const sentences = story.split(/(?<=\.)\s+/).filter((s) => s.trim().length > 12);
  return `Point ${seed % 991}. <quote>${sentences[seed % Math.max(1, sentences.length)]?.trim() ?? ''}</quote> So it is.`;
}

describe('training data from an AI experiment against the fake OpenAI server', () => {
  let server: FakeOpenAIServer;
  const dir = tempDir('train-ai');
  const questions = path.basename(writeQuestions(dir, 6, 6));
  const dataDir = path.join(dir, 'data');
  const data = ['--data-dir', dataDir];
  const sent = new Set<string>();
  const arguer = { kind: 'llm', endpoint: 'local', model: 'arguer', maxTokens: 200 };
  const config = (name: string, baseURL: string) => ({
    name,
    seed: `${name}-seed`,
    dataset: { path: questions },
    judges: [
      {
        name: 'ai',
        count: 24,
        participant: { kind: 'llm', endpoint: 'local', model: 'judge', temperature: 0 },
      },
    ],
    arms: [
      {
        name: 'consultancy-bon',
        protocol: 'consultancy',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 4,
        arguer: { ...arguer, induction: { method: 'best-of-n', n: 2 } },
      },
      {
        name: 'debate',
        protocol: 'debate',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 2,
        arguer,
      },
    ],
    llm: { endpoints: { local: { baseURL, maxConcurrent: 8 } } },
  });

  beforeAll(async () => {
    server = await startFakeOpenAI({ reply: varyingReply, maxRecordedRequests: 100_000 });
    for (const name of ['train-ai-a', 'train-ai-b']) {
      const run = await cliAsync(
        ['run', writeConfig(dir, config(name, server.url), `${name}.json`), ...data],
        { cwd: dir },
      );
      expect(run.code, run.stderr).toBe(0);
    }
    for (const request of server.requests) {
      const body = request.body as { messages?: unknown };
      if (body?.messages) sent.add(JSON.stringify(body.messages));
    }
  });
  afterAll(async () => {
    await server.close();
  });

  it('sft from two experiments: the prompts rebuilt hash as recorded and are what the server received', async () => {
    const result = await cliAsync(
      [
        'export',
        'train-ai-b',
        'train-ai-a',
        '--format',
        'sft',
        '--min-belief',
        '0',
        '--out',
        'sft.jsonl',
        ...data,
      ],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/left out|no prompt/);
    const manifest = manifestOf(path.join(dir, 'sft.manifest.json'));
    expect(manifest.experiments.map((e) => e.id)).toEqual(['train-ai-a', 'train-ai-b']);
    expect(manifest.refused).toEqual([]);
    const speeches = [
      ...(await speechesIn(dataDir, 'train-ai-a')),
      ...(await speechesIn(dataDir, 'train-ai-b')),
    ];
    const dishonest = new Map(speeches.filter((s) => !s.honest).map((s) => [key(s), s]));
    expect(manifest.rows.map(sourceKey).sort()).toEqual([...dishonest.keys()].sort());
    readLines(path.join(dir, 'sft.jsonl')).forEach((line, i) => {
      const messages = (JSON.parse(line) as { messages: Array<{ role: string; content: string }> }).messages;
      const prompt = messages.slice(0, -1);
      const speech = dishonest.get(sourceKey(manifest.rows[i]!))!;
      const digest = createHash('sha256');
      for (const m of prompt) digest.update(m.role).update('\0').update(m.content).update('\0');
      expect(digest.digest('hex').slice(0, 16)).toBe(speech.event.meta?.promptHash);
      expect(sent.has(JSON.stringify(prompt))).toBe(true);
      expect(messages.at(-1)!.content).toBe(speech.event.text);
    });
    expectOneSplitPerStory(manifest);

    // The outcome rule keeps only what fooled the judge.
    const fooled = await cliAsync(
      ['export', 'train-ai-a', '--format', 'sft', '--out', 'fooled.jsonl', ...data],
      { cwd: dir },
    );
    expect(fooled.code, fooled.stderr).toBe(0);
    expect(manifestOf(path.join(dir, 'fooled.manifest.json')).rows.map(sourceKey).sort()).toEqual(
      speeches
        .filter((s) => !s.honest && s.belief > 0.5 && s.trialId.startsWith('train-ai-a.'))
        .map(key)
        .sort(),
    );
  });

  it('preference: best-of-n candidates and outcome pairs, each pair on one prompt that was sent', async () => {
    const result = await cliAsync(
      ['export', 'train-ai-a', 'train-ai-b', '--format', 'preference', '--out', 'pairs.jsonl', ...data],
      { cwd: dir },
    );
    expect(result.code, result.stderr).toBe(0);
    const manifest = manifestOf(path.join(dir, 'pairs.manifest.json'));
    expect(manifest.counts.byKind['best-of-n']).toBeGreaterThan(0);
    const speeches = new Map(
      [...(await speechesIn(dataDir, 'train-ai-a')), ...(await speechesIn(dataDir, 'train-ai-b'))].map(
        (s) => [key(s), s],
      ),
    );
    for (const line of readLines(path.join(dir, 'pairs.jsonl'))) {
      const row = JSON.parse(line) as {
        prompt: unknown[];
        chosen: Array<{ content: string }>;
        rejected: Array<{ content: string }>;
        source: { kind: string; chosen: Speech & { score: number }; rejected: Speech & { score: number } };
      };
      expect(sent.has(JSON.stringify(row.prompt))).toBe(true);
      expect(row.source.chosen.score).toBeGreaterThan(row.source.rejected.score);
      const chosen = speeches.get(key(row.source.chosen))!;
      const rejected = speeches.get(key(row.source.rejected))!;
      if (row.source.kind === 'best-of-n') {
        expect(chosen).toBe(rejected);
        const texts = chosen.event.meta!.candidateSpeeches!.map((c) => c.text);
        expect(texts).toContain(row.chosen[0]!.content);
        expect(texts).toContain(row.rejected[0]!.content);
      } else {
        expect(chosen.event.meta?.promptHash).toBe(rejected.event.meta?.promptHash);
        expect(chosen.event.text).toBe(row.chosen[0]!.content);
      }
    }
    rmSync(path.join(dir, 'pairs.jsonl'));
  });
});

describe('a person’s speeches', () => {
  it('are left out unless the config allows them, and then appear under the pseudonym only', async () => {
    const dir = tempDir('train-person');
    const questions = path.basename(writeQuestions(dir, 2, 2));
    const config = {
      name: 'train-person',
      seed: 4,
      dataset: { path: questions },
      judges: [{ count: 4 }],
      arms: [
        {
          name: 'consultancy',
          protocol: 'consultancy',
          rounds: 1,
          trialsPerQuestion: 2,
          arguer: { kind: 'human', platform: 'terminal' },
        },
      ],
    };
    const file = writeConfig(dir, config);
    const data = ['--data-dir', path.join(dir, 'data')];
    expect(cli(['run', file, ...data], { cwd: dir }).code).toBe(0);
    const argued = cli(['judge', 'train-person', '--as', 'cyrilla', ...data], {
      cwd: dir,
      input: 'The story says <quote>the pilot repaired the beacon</quote>.\n.\n'.repeat(4),
    });
    expect(argued.code, argued.stderr).toBe(0);
    const pseudonym = /You joined \S+ as (\w+ \w+) \(arguers-1\)/.exec(argued.stdout)?.[1];
    expect(pseudonym).toBeDefined();

    const args = [
      'export',
      'train-person',
      '--format',
      'sft',
      '--min-belief',
      '0',
      '--out',
      'person.jsonl',
      ...data,
    ];
    const refused = cli(args, { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/by people .*"includeHumanText": true/);
    expect(existsSync(path.join(dir, 'person.jsonl'))).toBe(false);

    writeConfig(dir, { ...config, export: { includeHumanText: true } });
    expect(cli(['run', file, ...data], { cwd: dir }).code).toBe(0);
    const allowed = cli(args, { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    const manifest = manifestOf(path.join(dir, 'person.manifest.json'));
    expect(manifest.rows.length).toBeGreaterThan(0);
    for (const row of manifest.rows)
      expect(row.source.author).toEqual({ kind: 'person', participantId: 'arguers-1', pseudonym });
    const written =
      readFileSync(path.join(dir, 'person.jsonl'), 'utf8') +
      readFileSync(path.join(dir, 'person.manifest.json'), 'utf8');
    expect(written).not.toMatch(/cyrilla/);
    expect(written).toMatch(/the pilot repaired the beacon/);
  });
});
