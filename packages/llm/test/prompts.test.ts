import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quotedLength, visibleLength } from '@oversight/core';
import { type ChatRequest, type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLED_PROMPTS_DIR, MemoryLlmStore, PromptLibrary } from '../src/index.ts';
import { experiment, promptOf, runExperiment } from './helpers.ts';

let server: FakeOpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('prompt files', () => {
  it('a spec’s prompts folder overrides the bundled templates file by file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'prompts-'));
    writeFileSync(
      path.join(dir, 'judge.md'),
      '=== system ===\nCUSTOM JUDGE for {{answerCount}} answers.\n=== user ===\n{{question}}\n{{answers}}\n{{transcript}}\n',
    );
    server = await startFakeOpenAI();
    const config = experiment({
      questions: { ids: ['q1'] },
      judges: [{ name: 'ai', count: 2, participant: { kind: 'llm', model: 'judge-model', prompts: dir } }],
      arms: [
        {
          name: 'd',
          protocol: 'debate',
          rounds: 1,
          arguer: { kind: 'llm', model: 'arguer-model', prompts: dir },
        },
      ],
      llm: { endpoints: { default: { baseURL: server.url } } },
    });
    await runExperiment(config, { store: new MemoryLlmStore() });
    const prompts = server.requests.map((r) => r.body as ChatRequest);
    const judge = prompts.filter((b) => b.response_format);
    const arguers = prompts.filter((b) => !b.response_format);
    expect(judge.length).toBeGreaterThan(0);
    for (const b of judge) expect(b.messages[0]!.content).toBe('CUSTOM JUDGE for 2 answers.');
    // No debater.md in the folder: the bundled one is used.
    for (const b of arguers) expect(promptOf(b)).toContain('You are Debater');
  });

  it('every bundled template renders with the variables the code provides', () => {
    const library = new PromptLibrary();
    expect(BUNDLED_PROMPTS_DIR).toMatch(/prompts\/?$/);
    const arguer = {
      speaker: 'Debater A',
      storyTitle: 'T',
      story: 'S',
      question: 'Q',
      answers: 'A) x\nB) y',
      round: 1,
      rounds: 3,
      assignedLetter: 'A',
      assignedAnswer: 'x',
      opponentLetter: 'B',
      opponentAnswer: 'y',
      transcript: '',
      charLimit: 1500,
      quoteLimit: '500',
      previousError: '',
      dishonest: true,
      interactive: false,
      debate: true,
      consultancy: false,
      sandwiching: false,
      firstSpeech: true,
      lastRound: false,
      latestQuestion: '',
      draft: 'D',
      critique: 'C',
    };
    for (const file of [
      'debater.md',
      'consultant.md',
      'assistant-honest.md',
      'assistant-misleading.md',
      'critique.md',
      'refine.md',
    ]) {
      const messages = library.render(file, arguer);
      expect(
        messages.map((m) => m.role),
        file,
      ).toEqual(['system', 'user']);
      expect(messages.map((m) => m.content).join('\n'), file).not.toMatch(/\{\{|\}\}/);
    }
  });
});

describe('limits on speeches', () => {
  it('cuts a model’s speech to the arm’s character limit and quote budget', async () => {
    const long = `${'This is a long sentence about the story. '.repeat(10)}<quote>The rocket stood on the plain for forty days before anyone dared to approach it.</quote> ${'More words follow here. '.repeat(10)}`;
    server = await startFakeOpenAI({
      reply: (request) => (request.response_format ? { rationale: 'r', probabilities: [0.5, 0.5] } : long),
    });
    const config = experiment({
      questions: { ids: ['q1'] },
      judges: [{ name: 'ai', count: 2, participant: { kind: 'llm', model: 'judge-model' } }],
      arms: [
        {
          name: 'd',
          protocol: 'debate',
          rounds: 1,
          charLimit: 300,
          quoteLimit: 40,
          arguer: { kind: 'llm', model: 'arguer-model' },
        },
      ],
      llm: { endpoints: { default: { baseURL: server.url } } },
    });
    const run = await runExperiment(config, { store: new MemoryLlmStore() });
    expect([...run.outcomes.values()]).toEqual(['finished', 'finished']);
    for (const log of run.trials.logs.values()) {
      for (const e of log) {
        if (e.type !== 'ArgumentSubmitted') continue;
        expect(visibleLength(e.text)).toBeLessThanOrEqual(300);
        expect(quotedLength(e.text)).toBeLessThanOrEqual(40);
        expect(e.text).toMatch(/\.$/);
      }
    }
  });
});
