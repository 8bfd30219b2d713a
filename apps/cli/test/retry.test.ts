// Trials stopped by a broken endpoint: run says so (exit 4: none finished), status says why, export
// lists them, and once the endpoint works, retry tries each again as a new attempt, the stopped ones kept.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync as cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

describe('aborted trials', () => {
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await startFakeOpenAI({});
  });
  afterAll(async () => server?.close());

  it('are shown with their reasons, exported, and tried again once the config is fixed', async () => {
    const dir = tempDir('retry');
    writeQuestions(dir, 4, 4);
    const config = (baseURL: string) => ({
      name: 'flaky',
      seed: 'flaky',
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 4 }],
      arms: [
        {
          name: 'consultancy',
          protocol: 'consultancy',
          rounds: 1,
          trialsPerQuestion: 1,
          arguer: { kind: 'llm', endpoint: 'local', model: 'fake-model', maxTokens: 200 },
        },
      ],
      llm: { endpoints: { local: { baseURL, timeoutMs: 2000, maxRetries: 0 } } },
    });
    // The endpoint answers (it lists its models) but fails every completion.
    server.configure({ faults: { rate500: 1, seed: 1 } });
    const file = writeConfig(dir, config(server.url));
    const dataDir = path.join(dir, 'data');
    const run = await cli(['run', file, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/4 aborted/);
    expect(run.stdout).toMatch(/try them again with {2}oversight retry/);
    const status = await cli(['status', 'flaky', '--data-dir', dataDir], { cwd: dir });
    expect(status.stdout).toMatch(
      /stopped \(4\): consultant: model fake-model at endpoint local: 500 server error/,
    );
    // --reason filters: one that matches nothing says so and what the reasons are, and retries nothing.
    const none = await cli(['retry', 'flaky', '--reason', 'timeout', '--data-dir', dataDir], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /no aborted trial of flaky has a reason containing "timeout" \(nothing was tried again\); their reasons are: ".*500 server error.*" \(4\)/,
    );
    const exported = await cli(
      ['export', 'flaky', '--aborted', '--format', 'csv', '--out', 'stopped.csv', '--data-dir', dataDir],
      {
        cwd: dir,
      },
    );
    expect(exported.code, exported.stderr).toBe(0);
    const csv = readFileSync(path.join(dir, 'stopped.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('experimentId,trialId,arm,reason,by,retriedAs');
    expect(csv).toHaveLength(5);

    // The endpoint fixed.
    server.configure({ faults: undefined });
    const retried = await cli(['retry', file, '--data-dir', dataDir], { cwd: dir });
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/flaky: 4 finished, 4 aborted/);
    const again = await cli(['retry', 'flaky', '--data-dir', dataDir], { cwd: dir });
    expect(again.stdout).toMatch(/has been tried again already/);
    const after = await cli(['export', 'flaky', '--aborted', '--format', 'csv', '--data-dir', dataDir], {
      cwd: dir,
    });
    expect(
      after.stdout
        .trim()
        .split('\n')
        .slice(1)
        .every((line) => /\.r2$/.test(line)),
    ).toBe(true);
  });
});
