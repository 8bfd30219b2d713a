import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ArgumentSubmitted, TrialEvent } from '@oversight/core';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_PROMPTS_DIR, MemoryLlmStore, promptHash } from '../src/index.ts';
import { experiment, questions, runExperiment } from './helpers.ts';
import { exportRows, key, loggedSpeeches, memoryExperiment, varyingReply } from './training-helpers.ts';

/**
 * Training data from an AI experiment run against the fake OpenAI-compatible server: the speeches
 * the outcome rule selects, prompts rebuilt equal to the requests the server received, preference
 * pairs that share their prompt, splits by story, and the same bytes from the same inputs.
 */

const dir = mkdtempSync(path.join(tmpdir(), 'oversight-training-'));
// An arm's own prompts folder, relative to the config's folder: the rebuild must find it there.
mkdirSync(path.join(dir, 'liar-prompts'));
writeFileSync(
  path.join(dir, 'liar-prompts', 'debater.md'),
  readFileSync(path.join(BUNDLED_PROMPTS_DIR, 'debater.md'), 'utf8').replace(
    '=== user ===',
    'Speak plainly and with confidence.\n=== user ===',
  ),
);

const arguer = { kind: 'llm', model: 'arguer-model', maxTokens: 200 } as const;
const config = (baseURL: string) =>
  experiment({
    name: 'train-ai',
    judges: [{ name: 'ai', count: 16, participant: { kind: 'llm', model: 'judge-model', temperature: 0 } }],
    arms: [
      {
        // Eight trials per question: each (answer order, honesty) twice, so prompts repeat across trials.
        name: 'consultancy-bon',
        protocol: 'consultancy',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 8,
        arguer: { ...arguer, induction: { method: 'best-of-n', n: 3, judgeModel: 'scorer-model' } },
      },
      {
        name: 'debate-simultaneous',
        protocol: 'debate',
        speeches: 'simultaneous',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 2,
        arguer,
      },
      {
        name: 'debate-refine',
        protocol: 'debate',
        rounds: 1,
        trialsPerQuestion: 2,
        arguer: { ...arguer, induction: { method: 'critique-refine', rounds: 1 } },
      },
      {
        name: 'debate-liar',
        protocol: 'debate',
        rounds: 2,
        judgeMayEndEarly: false,
        trialsPerQuestion: 2,
        arguer,
        dishonestArguer: { ...arguer, model: 'liar-model', prompts: 'liar-prompts' },
      },
    ],
    llm: { endpoints: { default: { baseURL } } },
  });

let server: FakeOpenAIServer;
let run: Awaited<ReturnType<typeof runExperiment>>;
let cfg: ReturnType<typeof config>;
const sent = new Set<string>();

beforeAll(async () => {
  server = await startFakeOpenAI({ reply: varyingReply, maxRecordedRequests: 100_000 });
  cfg = config(server.url);
  run = await runExperiment(cfg, { store: new MemoryLlmStore(), baseDir: dir });
  for (const request of server.requests) {
    const body = request.body as { messages?: unknown };
    if (body?.messages) sent.add(JSON.stringify(body.messages));
  }
}, 120_000);
afterAll(async () => {
  await server.close();
});

const source = () => ({ logs: run.logs(), questions });
const training = () => memoryExperiment('train-ai', cfg, source());

describe('training data from an AI experiment', () => {
  it('ran the cases that make rebuilding hard: retries, simultaneous speeches, every induction', () => {
    const speeches = loggedSpeeches(run.logs()).filter((s) => !s.honest);
    const arms = new Set(speeches.map((s) => s.arm));
    expect([...arms].sort()).toEqual([
      'consultancy-bon',
      'debate-liar',
      'debate-refine',
      'debate-simultaneous',
    ]);
    expect(speeches.some((s) => s.event.meta?.previousError)).toBe(true);
    expect(speeches.some((s) => s.event.meta?.candidateSpeeches?.length === 3)).toBe(true);
    expect(speeches.some((s) => s.event.meta?.speechPromptHash)).toBe(true);
    expect([...run.outcomes.values()].every((o) => o === 'finished')).toBe(true);
  });

  it('sft: exactly the wrong side’s speeches in trials whose judge ended above the threshold', async () => {
    const { lines, manifest } = await exportRows([training()], { format: 'sft', baseDir: dir });
    const expected = loggedSpeeches(run.logs()).filter((s) => !s.honest && s.belief > 0.5);
    const left = loggedSpeeches(run.logs()).filter((s) => !s.honest && s.belief <= 0.5);
    expect(expected.length).toBeGreaterThan(5);
    expect(left.length).toBeGreaterThan(5);
    const sources = manifest.rows.map(
      (r) => r.source as { trialId: string; seq: number; judgeBelief: number },
    );
    expect(sources.map(key).sort()).toEqual(expected.map(key).sort());
    expect(manifest.refused).toEqual([]);
    expect(manifest.counts.skipped.belowThreshold).toBe(left.length);
    const byKey = new Map(expected.map((s) => [key(s), s]));
    lines.forEach((line, i) => {
      const row = JSON.parse(line) as { messages: Array<{ role: string; content: string }> };
      expect(Object.keys(row)).toEqual(['messages']);
      const speech = byKey.get(key(sources[i]!))!;
      expect(row.messages.at(-1)).toEqual({ role: 'assistant', content: speech.event.text });
      expect(row.messages.slice(0, -1).map((m) => m.role)).toEqual(['system', 'user']);
    });
  });

  it('the prompts rebuilt are the prompts that were sent: the recorded hash matches, and the server received them', async () => {
    const { lines, manifest } = await exportRows([training()], { format: 'sft', minBelief: 0, baseDir: dir });
    const dishonest = loggedSpeeches(run.logs()).filter((s) => !s.honest);
    expect(manifest.rows).toHaveLength(dishonest.length);
    const events = new Map(dishonest.map((s) => [key(s), s.event]));
    lines.forEach((line, i) => {
      const prompt = (
        JSON.parse(line) as { messages: Array<{ role: 'system' | 'user'; content: string }> }
      ).messages.slice(0, -1);
      const event = events.get(key(manifest.rows[i]!.source as { trialId: string; seq: number }))!;
      expect(promptHash(prompt)).toBe(event.meta?.speechPromptHash ?? event.meta?.promptHash);
      expect(sent.has(JSON.stringify(prompt))).toBe(true);
      expect((manifest.rows[i]!.source as { prompt: string }).prompt).toBe('matched');
    });
    // The wrong-side model in debate-liar wrote from its own prompts folder.
    expect(lines.some((l) => l.includes('Speak plainly and with confidence.'))).toBe(true);

    const honest = await exportRows([training()], {
      format: 'sft',
      side: 'honest',
      minBelief: 0,
      baseDir: dir,
    });
    expect(honest.manifest.rows).toHaveLength(loggedSpeeches(run.logs()).filter((s) => s.honest).length);
    expect(honest.manifest.refused).toEqual([]);
  });

  it('refuses, with the reason, a prompt it cannot rebuild exactly', async () => {
    // The arm's prompts folder not where the config said (the export run from elsewhere).
    const elsewhere = await exportRows([training()], { format: 'sft', minBelief: 0, baseDir: tmpdir() });
    const liar = loggedSpeeches(run.logs()).filter((s) => !s.honest && s.arm === 'debate-liar');
    expect(elsewhere.manifest.refused.map(key).sort()).toEqual(liar.map(key).sort());
    expect(elsewhere.manifest.refused[0]!.reason).toMatch(/liar-prompts.*--config-dir/);
    expect(elsewhere.lines.some((l) => l.includes('Speak plainly'))).toBe(false);

    // Logs written before retries kept their reason, or before critique-refine kept its first prompt's hash.
    const retried = loggedSpeeches(run.logs()).find((s) => !s.honest && s.event.meta?.previousError)!;
    const refined = loggedSpeeches(run.logs()).find((s) => !s.honest && s.event.meta?.speechPromptHash)!;
    const logs = new Map<string, TrialEvent[]>([...run.logs()].map(([id, log]) => [id, [...log]]));
    const strip = (s: typeof retried, field: 'previousError' | 'speechPromptHash') => {
      const log = logs.get(s.trialId)!;
      const event = log[s.seq] as ArgumentSubmitted;
      const { [field]: _gone, ...meta } = event.meta!;
      log[s.seq] = { ...event, meta };
    };
    strip(retried, 'previousError');
    strip(refined, 'speechPromptHash');
    const old = await exportRows([memoryExperiment('train-ai', cfg, { logs, questions })], {
      format: 'sft',
      minBelief: 0,
      baseDir: dir,
    });
    const reasons = new Map(old.manifest.refused.map((r) => [key(r), r.reason]));
    expect(reasons.get(key(retried))).toMatch(/retry/);
    expect(reasons.get(key(refined))).toMatch(/critique-refine/);
    expect(old.manifest.rows.map((r) => key(r.source as { trialId: string; seq: number }))).not.toContain(
      key(retried),
    );
  });

  it('preference: pairs from best-of-n candidates and from trials that fooled and did not, each sharing its prompt', async () => {
    const { lines, manifest } = await exportRows([training()], { format: 'preference', baseDir: dir });
    const prompts = new Map<string, string>();
    const sft = await exportRows([training()], { format: 'sft', minBelief: 0, baseDir: dir });
    sft.lines.forEach((line, i) => {
      const messages = (JSON.parse(line) as { messages: unknown[] }).messages.slice(0, -1);
      prompts.set(
        key(sft.manifest.rows[i]!.source as { trialId: string; seq: number }),
        JSON.stringify(messages),
      );
    });
    const events = new Map(loggedSpeeches(run.logs()).map((s) => [key(s), s.event]));
    const kinds = { 'best-of-n': 0, outcome: 0 };
    for (const line of lines) {
      const row = JSON.parse(line) as {
        prompt: unknown[];
        chosen: Array<{ role: string; content: string }>;
        rejected: Array<{ role: string; content: string }>;
        source: {
          kind: 'best-of-n' | 'outcome';
          chosen: { trialId: string; seq: number; candidate: number | null; score: number };
          rejected: { trialId: string; seq: number; candidate: number | null; score: number };
        };
      };
      expect(Object.keys(row)).toEqual(['prompt', 'chosen', 'rejected', 'source']);
      kinds[row.source.kind] += 1;
      const { chosen, rejected } = row.source;
      // Both answers were written from this very prompt.
      expect(prompts.get(key(chosen))).toBe(JSON.stringify(row.prompt));
      expect(prompts.get(key(rejected))).toBe(JSON.stringify(row.prompt));
      expect(row.chosen[0]!.content).not.toBe(row.rejected[0]!.content);
      expect(chosen.score).toBeGreaterThan(rejected.score);
      if (row.source.kind === 'best-of-n') {
        expect(key(chosen)).toBe(key(rejected));
        const candidates = events.get(key(chosen))!.meta!.candidateSpeeches!;
        expect(candidates[chosen.candidate!]).toEqual({ text: row.chosen[0]!.content, score: chosen.score });
        expect(candidates[rejected.candidate!]).toEqual({
          text: row.rejected[0]!.content,
          score: rejected.score,
        });
      } else {
        expect(chosen.trialId).not.toBe(rejected.trialId);
        expect(chosen.score).toBeGreaterThan(0.5);
        expect(rejected.score).toBeLessThanOrEqual(0.5);
        expect(events.get(key(chosen))!.text).toBe(row.chosen[0]!.content);
      }
    }
    expect(kinds['best-of-n']).toBeGreaterThan(0);
    expect(kinds.outcome).toBeGreaterThan(0);
    expect(manifest.counts.byKind).toEqual(kinds);
  });

  it('splits by story: no story in two splits, --split writes one, and the manifest hashes every row', async () => {
    const { lines, manifest } = await exportRows([training()], { format: 'sft', minBelief: 0, baseDir: dir });
    const splitOf = new Map<string, string>();
    for (const row of manifest.rows) {
      expect(splitOf.get(row.storyId) ?? row.split).toBe(row.split);
      splitOf.set(row.storyId, row.split);
      expect(manifest.split.stories[row.storyId]).toBe(row.split);
      expect(manifest.split.questions[(row.source as { questionId: string }).questionId]).toBe(row.split);
    }
    expect(new Set(splitOf.values()).size).toBeGreaterThan(1);
    lines.forEach((line, i) => {
      expect(manifest.rows[i]!.sha256).toBe(createHash('sha256').update(line).digest('hex'));
    });
    const test = await exportRows([training()], { format: 'sft', minBelief: 0, baseDir: dir, only: 'test' });
    expect(test.manifest.rows.every((r) => r.split === 'test')).toBe(true);
    expect(test.manifest.rows.length + test.manifest.counts.skipped.otherSplit).toBe(lines.length);
    expect(test.manifest.split.stories).toEqual(manifest.split.stories);
  });

  it('the same inputs give the same bytes, down to a second run of the experiment', async () => {
    const first = await exportRows([training()], { format: 'preference', baseDir: dir });
    const again = await exportRows([training()], { format: 'preference', baseDir: dir });
    expect(again.text).toBe(first.text);
    expect(JSON.stringify(again.manifest)).toBe(JSON.stringify(first.manifest));
    const rerun = await runExperiment(cfg, { store: new MemoryLlmStore(), baseDir: dir });
    const fromRerun = await exportRows(
      [memoryExperiment('train-ai', cfg, { logs: rerun.logs(), questions })],
      {
        format: 'preference',
        baseDir: dir,
      },
    );
    expect(fromRerun.text).toBe(first.text);
    expect(JSON.stringify(fromRerun.manifest)).toBe(JSON.stringify(first.manifest));
  }, 120_000);
});
