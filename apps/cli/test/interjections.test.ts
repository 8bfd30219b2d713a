import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TrialEvent } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync, launcher, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * A question at any time at the terminal (`interjections: "any-time"`): `oversight judge` offers it as
 * the model debaters start writing; asked once, it reaches both debaters' next speeches as the
 * judge's question, and past `maxInterjections` it is not offered again.
 */
describe('oversight judge, with questions at any time', () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await startFakeOpenAI({});
  });
  afterAll(async () => {
    await server.close();
  });

  it('offers the question as the arguers start, sends it once to both debaters’ next speeches, and keeps to the limit', async () => {
    const dir = tempDir('any-time');
    const questions = path.basename(writeQuestions(dir, 1, 1));
    const file = writeConfig(dir, {
      name: 'any-time',
      seed: 5,
      dataset: { path: questions },
      judges: [{ name: 'people', ids: ['ada'], participant: { kind: 'human', platform: 'terminal' } }],
      arms: [
        {
          name: 'debate',
          protocol: 'debate',
          rounds: 4,
          judgeMayEndEarly: false,
          trialsPerQuestion: 1,
          interjections: 'any-time',
          maxInterjections: 1,
          arguer: { kind: 'llm', endpoint: 'local', model: 'fake-model', temperature: 0, maxTokens: 200 },
        },
      ],
      llm: {
        cache: false,
        endpoints: { local: { baseURL: server.url, maxConcurrent: 4, timeoutMs: 5000, maxRetries: 0 } },
      },
    });
    const dataDir = path.join(dir, 'data');
    const run = await cliAsync(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 waiting/);

    const question = 'Which chapter mentions the beacon first?';
    // Turns after rounds 1, 2 and 3, then the verdict after round 4. At the first turn the judge may
    // ask with their credence (skipped here); then the question at any time is offered as round 2
    // starts, and taken. The limit (one question of either kind) is then reached: no question is
    // offered at the later turns nor as round 3 starts (had one been, the next credence would have
    // been taken as a question and the counts below would be off).
    const input = `60\n\n${question}\n55\n65\n70\n\n`;
    const judge = spawn(
      process.execPath,
      [launcher, 'judge', 'any-time', '--as', 'ada', '--data-dir', dataDir],
      {
        cwd: dir,
        env: { ...process.env, INIT_CWD: dir, DATABASE_URL: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    judge.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    judge.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    judge.stdin.end(input);
    const code = await new Promise<number | null>((resolve) => judge.once('exit', resolve));
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout.match(/The arguers start writing\. A question for them/g)).toHaveLength(1);
    expect(stdout.match(/Question or comment for the arguers/g)).toHaveLength(1);
    expect(stdout).toContain('Sent to the arguers.');
    expect(stdout).toMatch(/Credence: A 70%, B 30%\./);

    // Recorded once, at any time, while round 2 was written.
    const db = await openDatabase({ dataDir });
    try {
      const [trial] = await db.trials.list('any-time');
      const events = (await db.events.load(trial!.id)).map((e) => e.payload as TrialEvent);
      const asked = events.filter((e) => e.type === 'JudgeInterjected');
      expect(asked).toHaveLength(1);
      expect(asked[0]).toMatchObject({ text: question, round: 2, atAnyTime: true });
      expect(events.filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);
    } finally {
      await db.close();
    }
    // Both debaters' round-3 speeches were asked to answer it, as the judge's question; no round-2
    // speech (being written when it came) saw it.
    const prompts = server.requests.map((r) => JSON.stringify(r.body ?? ''));
    const told = prompts.filter((p) => p.includes(`Answer the judge's question: \\"${question}\\"`));
    expect(told.some((p) => p.includes('You are Debater A'))).toBe(true);
    expect(told.some((p) => p.includes('You are Debater B'))).toBe(true);
    expect(told.every((p) => p.includes('Write your speech for round 3 of 4'))).toBe(true);
    const round2 = prompts.filter((p) => p.includes('Write your speech for round 2 of 4'));
    expect(round2.length).toBeGreaterThanOrEqual(2);
    expect(round2.some((p) => p.includes(question))).toBe(false);
  }, 240_000);
});
