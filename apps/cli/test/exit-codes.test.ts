import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportError } from '../src/cli.ts';
import { oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

const STACK_LINE = /\n\s+at .+:\d+:\d+/;

/**
 * Every expected failure exits 2 (bad input) or 3 (the database or its folder), with a message
 * naming the file, field or option and what to do, no stack trace, and nothing written.
 */
describe('expected failures', () => {
  const dir = tempDir('exit');
  writeQuestions(dir, 8);
  const good = {
    name: 'exits',
    seed: 5,
    dataset: { path: 'questions.jsonl' },
    judges: [{ count: 10 }],
    arms: [{ name: 'debate', protocol: 'debate', rounds: 1 }],
  };
  let runs = 0;
  const refused = async (args: string[], code: 2 | 3, ...patterns: RegExp[]) => {
    const dataDir = path.join(dir, `data-${runs++}`);
    const result = await oversight([...args, '--data-dir', dataDir]);
    expect(result.code, result.stderr).toBe(code);
    for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(dataDir), 'the data folder was created').toBe(false);
    return result;
  };
  const config = (name: string, changes: Record<string, unknown>) =>
    writeConfig(dir, { ...good, name, ...changes }, `${name}.json`);

  it('an LLM endpoint the config does not define, before planning anything', async () => {
    const file = config('no-endpoint', {
      arms: [{ name: 'debate', protocol: 'debate', arguer: { kind: 'llm', endpoint: 'local', model: 'm' } }],
    });
    await refused(
      ['run', file],
      2,
      /no-endpoint\.json: arms\[0\]\.arguer\.endpoint: no LLM endpoint named "local"/,
      /define llm\.endpoints\.local/,
    );
  });

  it('an API key missing from the environment', async () => {
    delete process.env.UNSET_TEST_API_KEY;
    const file = config('no-key', {
      judges: [{ count: 10, participant: { kind: 'llm', endpoint: 'hosted', model: 'm' } }],
      llm: {
        endpoints: {
          hosted: { baseURL: 'https://api.openai.com/v1', apiKeyEnv: 'UNSET_TEST_API_KEY' },
        },
      },
    });
    await refused(
      ['run', file],
      2,
      /judges\[0\]\.participant\.endpoint/,
      /set the environment variable UNSET_TEST_API_KEY/,
    );
  });

  it('an empty dataset, and question ids the dataset does not have', async () => {
    writeFileSync(path.join(dir, 'empty.jsonl'), '\n');
    await refused(
      ['run', config('empty', { dataset: { path: 'empty.jsonl' } })],
      2,
      /the dataset holds no questions/,
    );
    await refused(
      ['run', config('ids', { questions: { ids: ['q001', 'q01'] } })],
      2,
      /questions\.ids\[1\]: no question "q01" in the dataset \(did you mean "q001"\?\)/,
    );
  });

  it('a dataset that is neither bundled nor a path says what a dataset may be', async () => {
    await refused(
      ['run', config('dataset', { dataset: { file: 'questions.jsonl' } })],
      2,
      /dataset: a dataset is \{ "bundled": "nyu-2023-quality" \} .*, \{ "path": "questions\.jsonl" \} .* or \{ "name": "my-questions" \}/,
    );
  });

  it("a config naming one of the project's own secrets as an endpoint's key, before anything is sent", async () => {
    const file = config('steals-token', {
      llm: {
        endpoints: { collector: { baseURL: 'https://collector.example/v1', apiKeyEnv: 'DISCORD_TOKEN' } },
      },
      arms: [
        { name: 'debate', protocol: 'debate', arguer: { kind: 'llm', endpoint: 'collector', model: 'm' } },
      ],
    });
    await refused(
      ['run', file],
      2,
      /llm\.endpoints\.collector\.apiKeyEnv: "DISCORD_TOKEN" is one of the project's own settings \(DISCORD_…\), which are never sent to a model endpoint/,
    );
  });

  it('a database folder that is a file, or inside one (exit 3)', async () => {
    const file = path.join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const run = (dataDir: string) => oversight(['run', config('folder', {}), '--data-dir', dataDir]);
    const onFile = await run(file);
    expect(onFile.code).toBe(3);
    expect(onFile.stderr).toMatch(
      /the database folder .*not-a-folder is a file, not a folder; choose another folder with --data-dir/,
    );
    const inside = await run(path.join(file, 'data'));
    expect(inside.code).toBe(3);
    expect(inside.stderr).toMatch(/cannot use the database folder .*not-a-folder\/data \(ENOTDIR\)/);
  });

  it('a database folder other users can write to (exit 3), left as it was; a new one is made 0700', async () => {
    const open = path.join(dir, 'world-writable');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const refusedRun = await oversight(['run', config('shared', {}), '--data-dir', open]);
    expect(refusedRun.code, refusedRun.stderr).toBe(3);
    expect(refusedRun.stderr).toMatch(
      `refusing to use the database folder ${open}: other users can write to it (mode 777)`,
    );
    expect(refusedRun.stderr).toMatch(`chmod -R go-rwx ${open}`);
    expect(refusedRun.stderr).not.toMatch(STACK_LINE);
    expect(statSync(open).mode & 0o777).toBe(0o777);
    expect(readdirSync(open)).toEqual([]);
    const fresh = path.join(dir, 'fresh-folder');
    expect((await oversight(['run', config('fresh', {}), '--data-dir', fresh])).code).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
  });

  it('--out into a missing folder, a folder where a file goes, a file where a folder goes', async () => {
    mkdirSync(path.join(dir, 'reports'), { recursive: true });
    await refused(
      ['export', 'exits', '--out', path.join(dir, 'missing/judgments.csv')],
      2,
      /--out .*: the folder .*missing does not exist; create it first/,
    );
    await refused(
      ['export', 'exits', '--out', path.join(dir, 'reports')],
      2,
      /reports is a folder; give a file name/,
    );
    await refused(
      ['analyze', 'exits', '--out', path.join(dir, 'questions.jsonl')],
      2,
      /questions\.jsonl is a file; give a folder/,
    );
  });

  it('power: arguments out of range, options that do not go together, --simulate on people or models', async () => {
    const power = async (args: string[], ...patterns: RegExp[]) => {
      const result = await oversight(['power', ...args]);
      expect(result.code, result.stderr).toBe(2);
      for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
      expect(result.stderr).not.toMatch(STACK_LINE);
    };
    await power(['--p1', '1.5'], /--p1 must be a proportion between 0 and 1 \(got "1\.5"\)/);
    await power(['--p1', '75'], /for 75% write 0\.75/);
    await power(['--p1', '0.45'], /--p1 0\.45: a win rate has to be above 50%/);
    await power(['--p1', '0.8', '--p2', '0.8'], /no difference to detect/);
    await power(['--p1', '0.8', '--alpha', '0'], /--alpha must be a level between 0 and 0\.5/);
    await power(['--p1', '0.8', '--p2', '0.7', '--icc', '0.2'], /--icc needs --cluster-size/);
    await power(['--p1', '0.8', '--sims', '10'], /--sims only applies with --simulate/);
    const people = config('people', {
      judges: [{ name: 'people', ids: ['ada', 'bo'], participant: { kind: 'human', platform: 'terminal' } }],
    });
    await power(['--simulate', people], /judges\[0\]\.participant is human/, /simulated-judge/);
    const models = config('models', {
      arms: [{ name: 'debate', protocol: 'debate', arguer: { kind: 'llm', endpoint: 'local', model: 'm' } }],
      llm: { endpoints: { local: { baseURL: 'http://127.0.0.1:9/v1' } } },
    });
    await power(['--simulate', models], /arms\[0\]\.arguer is llm/);
  });

  it('an unexpected error: its message and how to see more, the stack only with --debug', () => {
    const lines: string[] = [];
    const original = console.error;
    console.error = (line: string) => lines.push(line);
    try {
      expect(reportError(new TypeError('x is undefined'), false)).toBe(1);
      expect(reportError(new TypeError('x is undefined'), true)).toBe(1);
    } finally {
      console.error = original;
    }
    expect(lines[0]).toMatch(/^error: x is undefined\n\(an unexpected error: run again with --debug/);
    expect(lines[0]).not.toMatch(STACK_LINE);
    expect(lines[1]).toMatch(STACK_LINE);
  });
});
