import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type FakeOpenAIServer, spawnChild, startFakeOpenAI } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launcher, repoRoot, tempDir } from './cli.ts';
import { type ShownCommand, shownCommands, words } from './doc-commands.ts';

/**
 * Every command the README, docs/first-experiment.md and the experiments' READMEs show in a shell
 * block is run here as written (in a copy of experiments/, against a fake model server where one is
 * needed), in order, and must succeed; a command no rule below knows fails the test, so a new example
 * cannot go untried. The NYU reanalysis's commands are run by nyu-reanalysis.test.ts, which reads them
 * from its README, with the figures the documents quote.
 */

const documents = [
  'README.md',
  'docs/first-experiment.md',
  ...readdirSync(path.join(repoRoot, 'experiments'))
    .filter((name) => name !== 'nyu-2023-reanalysis')
    .map((name) => `experiments/${name}/README.md`)
    .filter((file) => existsSync(path.join(repoRoot, file))),
];
const shown = documents.flatMap((file) => shownCommands(path.join(repoRoot, file), file));
const nyuData = process.env.OVERSIGHT_NYU_DATA ?? path.resolve(repoRoot, '../shared/data/nyu-debate-2023');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the commands the documents show', () => {
  const box = tempDir('docs');
  const dataDir = path.join(box, 'data');
  let fake: FakeOpenAIServer;
  const env = () => ({
    ...process.env,
    INIT_CWD: box,
    OVERSIGHT_DATA_DIR: dataDir,
    DATABASE_URL: '',
  });
  const run = (program: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = box): Promise<Ran> =>
    new Promise((resolve, reject) => {
      const child = spawnChild(program, args, {
        cwd,
        env: { ...env(), ...extraEnv },
      }) as ChildProcessWithoutNullStreams;
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c;
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const oversight = (args: string[]) => run(process.execPath, [launcher, ...args]);

  beforeAll(async () => {
    // The documents' model server (the testkit fake, "--port 8000"), on a free port: the copied
    // configs are pointed at it, so nothing here depends on port 8000 being free.
    fake = await startFakeOpenAI({});
    const port = new URL(fake.url).port;
    const experiments = path.join(box, 'experiments');
    cpSync(path.join(repoRoot, 'experiments'), experiments, {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}datasets`),
    });
    symlinkSync(path.join(repoRoot, 'experiments/datasets'), path.join(experiments, 'datasets'));
    for (const name of readdirSync(experiments, { recursive: true }) as string[]) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(experiments, name);
      writeFileSync(file, readFileSync(file, 'utf8').replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`));
    }
  });
  afterAll(async () => {
    await fake?.close();
  });

  let rebuilt = false;
  /** What to do with each kind of command shown; the first rule that matches runs it. */
  const rules: Array<{ pattern: RegExp; run: (c: ShownCommand) => Promise<void> }> = [
    {
      // The README's first command: the install is what set this checkout up; the demo runs here.
      pattern: /^npx -y pnpm@12\.4\.2 install && npx -y pnpm@12\.4\.2 demo$/,
      async run() {
        const demo = await oversight(['demo']);
        expect(demo.code, demo.stderr).toBe(0);
        // "The demo plans 400 trials over 80 questions"
        expect(demo.stderr).toMatch('demo: 400 trials in 3 arms');
        expect(demo.stdout).toMatch(/correct-answer/);
      },
    },
    {
      // The README's second command is the one CI runs, of which this test is a part.
      pattern: /^npx -y pnpm@12\.4\.2 install && npx -y pnpm@12\.4\.2 test$/,
      async run() {
        expect(readFileSync(path.join(repoRoot, '.ci/run'), 'utf8')).toContain(
          '(npx -y pnpm@12.4.2 install && npx -y pnpm@12.4.2 test)',
        );
      },
    },
    {
      pattern: /^alias oversight="node \$PWD\/apps\/cli\/bin\/oversight\.mjs"$/,
      async run() {
        expect(path.join(repoRoot, 'apps/cli/bin/oversight.mjs')).toBe(launcher);
      },
    },
    {
      pattern: /^oversight /,
      async run({ command, where }) {
        const result = await oversight(words(command).slice(1));
        expect(result.code, `${where}: ${command}\n${result.stderr}`).toBe(0);
        expect(result.stderr, where).not.toMatch(/\n\s+at |Error:/);
      },
    },
    {
      // Started in beforeAll (the same server, on a free port).
      pattern: /^npx -y pnpm@12\.4\.2 --filter @oversight\/testkit fake-openai --port 8000 &$/,
      async run() {
        expect((await fetch(`${fake.url}/models`)).status).toBe(200);
      },
    },
    {
      // The chat apps need Discord or Slack: their own tests drive them against the fakes. Here the
      // command starts, and with the document's placeholder values says what is wrong with them.
      pattern:
        /^DISCORD_TOKEN=… DISCORD_APPLICATION_ID=… DISCORD_GUILD_ID=… node apps\/discord-bot\/bin\/discord\.mjs$/,
      async run() {
        const bot = await run(process.execPath, [path.join(repoRoot, 'apps/discord-bot/bin/discord.mjs')], {
          DISCORD_TOKEN: '…',
          DISCORD_APPLICATION_ID: '…',
          DISCORD_GUILD_ID: '…',
        });
        expect(bot.code, bot.stderr).toBe(2);
        expect(bot.stderr).toMatch(/^The Discord bot cannot start:\n {2}DISCORD_TOKEN /);
      },
    },
    {
      // Rebuilding the bundled dataset from the NYU release gives the same bytes (into a scratch file).
      pattern:
        /^(OVERSIGHT_NYU_DATA=\S+ )?npx -y pnpm@12\.4\.2 --filter @oversight\/runner exec tsx \.\.\/\.\.\/experiments\/datasets\/build-nyu-quality\.ts$/,
      async run() {
        // The two forms shown (default folder, or OVERSIGHT_NYU_DATA) build the same file: once is enough.
        if (!existsSync(nyuData) || rebuilt) return;
        rebuilt = true;
        const out = path.join(box, `rebuilt-${Math.random().toString(36).slice(2)}.jsonl.gz`);
        const built = await run(
          process.execPath,
          ['--import', 'tsx', path.join(repoRoot, 'experiments/datasets/build-nyu-quality.ts')],
          { OVERSIGHT_DATASET_OUT: out, OVERSIGHT_NYU_DATA: nyuData },
          // tsx is found from the repository (pnpm exec runs in the runner package, inside it).
          repoRoot,
        );
        expect(built.code, built.stderr).toBe(0);
        expect(
          readFileSync(out).equals(
            readFileSync(path.join(repoRoot, 'experiments/datasets/nyu-2023-quality.jsonl.gz')),
          ),
        ).toBe(true);
      },
    },
  ];

  it('are all known to a rule here', () => {
    const unknown = shown.filter((c) => !rules.some((r) => r.pattern.test(c.command)));
    expect(unknown.map((c) => `${c.where}: ${c.command}`)).toEqual([]);
    expect(shown.length).toBeGreaterThan(10);
  });

  it('run as written, in order, each once', async () => {
    const done = new Set<string>();
    for (const c of shown) {
      if (done.has(c.command)) continue;
      done.add(c.command);
      await rules.find((r) => r.pattern.test(c.command))!.run(c);
    }
  }, 900_000);
});
