import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type FakeOpenAIServer, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * Model endpoints are asked once before anything is planned (run, retry, rejudge), so a server that is
 * not running is said in a second, not after every trial has spent its retries; and a run in which
 * every trial stopped does not end as a success.
 */

/** A loopback port nothing listens on (bound, then let go). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const arguer = (model: string) => ({ kind: 'llm', endpoint: 'local', model, maxTokens: 200 });
const aiConfig = (name: string, baseURL: string, model = 'fake-model') => ({
  name,
  seed: name,
  dataset: { path: 'questions.jsonl' },
  judges: [{ count: 8 }],
  arms: [
    { name: 'consultancy', protocol: 'consultancy', rounds: 1, trialsPerQuestion: 2, arguer: arguer(model) },
  ],
  llm: { endpoints: { local: { baseURL, maxRetries: 0, timeoutMs: 2000 } } },
});

describe('model endpoints are probed before planning', () => {
  const dir = tempDir('endpoints');
  writeQuestions(dir, 4, 4);
  let server: FakeOpenAIServer;
  beforeAll(async () => {
    server = await startFakeOpenAI({});
  });
  afterAll(async () => {
    await server.close();
  });

  it('run against a server that is not running: exit 2 naming the endpoint and the fix, nothing planned', async () => {
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const dataDir = path.join(dir, 'dead');
    const result = await oversight([
      'run',
      writeConfig(dir, aiConfig('dead', url), 'dead.json'),
      '--data-dir',
      dataDir,
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(
      `a model endpoint does not answer, so nothing was planned:\n  - endpoint "local" at ${url} (used by arms[0].arguer.endpoint): connection error`,
    );
    expect(result.stderr).toMatch('Start the server there, or correct llm.endpoints.local.baseURL.');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('warns when the endpoint does not list a model asked of it, with the nearest it does', async () => {
    const file = writeConfig(dir, aiConfig('unlisted', server.url, 'fake-modle'), 'unlisted.json');
    // A file where the data folder goes stops the run just after the checks, before a database is made.
    const result = await oversight(['run', file, '--data-dir', file]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      `warning: ${file}: endpoint "local" at ${server.url} does not list model "fake-modle" (did you mean "fake-model"?)`,
    );
  });

  it('a run in which every trial stopped exits 4, saying so; run again with nothing left, it still does', async () => {
    server.configure({ faults: { rate500: 1, seed: 1 } });
    try {
      const file = writeConfig(dir, aiConfig('all-stopped', server.url), 'all-stopped.json');
      const dataDir = path.join(dir, 'all-stopped');
      const result = await oversight(['run', file, '--data-dir', dataDir]);
      expect(result.code, result.stderr).toBe(4);
      expect(result.stdout).toMatch('all-stopped: 8 aborted');
      expect(result.stderr).toMatch('error: every trial of all-stopped was stopped; none finished (exit 4)');
      const again = await oversight(['run', file, '--data-dir', dataDir]);
      expect(again.code, again.stderr).toBe(4);
    } finally {
      server.configure({ faults: undefined });
    }
  });

  it('run again with every trial done needs no endpoint: it warns and reports', async () => {
    const dataDir = path.join(dir, 'done');
    const file = writeConfig(dir, aiConfig('done', server.url), 'done.json');
    expect((await oversight(['run', file, '--data-dir', dataDir])).code).toBe(0);
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    writeConfig(dir, aiConfig('done', url), 'done.json');
    const again = await oversight(['run', file, '--data-dir', dataDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch('(every trial of done has run, so none is needed now)');
    expect(again.stdout).toMatch('done: 8 finished');
    // No price table: the cost is not $0 but unknown, and status says how to give prices.
    const status = await oversight(['status', 'done', '--data-dir', dataDir]);
    expect(status.stdout).toMatch(/total\s+\d+\s+\d+\s+\d+\s+\d+\s+no prices\s+no prices/);
    expect(status.stdout).not.toMatch(/\$0\.0000/);
    expect(status.stdout).toMatch(
      '(no prices configured for fake-model: add "llm": { "prices": { "fake-model": { "input": 2.5, "output": 10 } } }',
    );
  });

  it('rejudge against a server that is not running stops before judging anything; a missing key names --api-key-env', async () => {
    const dataDir = path.join(dir, 'rejudge');
    const source = writeConfig(dir, {
      name: 'source',
      seed: 3,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 8 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 }],
    });
    expect((await oversight(['run', source, '--data-dir', dataDir])).code).toBe(0);
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const dead = await oversight([
      'rejudge',
      'source',
      '--model',
      'm',
      '--endpoint',
      url,
      '--data-dir',
      dataDir,
    ]);
    expect(dead.code, dead.stderr).toBe(2);
    expect(dead.stderr).toMatch(`endpoint "rejudge" at ${url} (used by --endpoint): connection error`);
    expect(dead.stderr).toMatch('Start the server there, or correct --endpoint.');
    expect(dead.stdout).not.toMatch(/failed/);

    delete process.env.REJUDGE_TEST_API_KEY;
    const keyless = await oversight([
      'rejudge',
      'source',
      '--model',
      'm',
      '--endpoint',
      'https://models.example.org/v1',
      '--api-key-env',
      'REJUDGE_TEST_API_KEY',
      '--data-dir',
      dataDir,
    ]);
    expect(keyless.code, keyless.stderr).toBe(2);
    expect(keyless.stderr).toMatch(
      '--endpoint https://models.example.org/v1 needs an API key: set the environment variable REJUDGE_TEST_API_KEY, or name the one that holds it with --api-key-env VAR',
    );
    const list = await oversight(['list', '--data-dir', dataDir]);
    expect(list.stdout).not.toMatch('ai-judge');
  });
});
