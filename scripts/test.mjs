#!/usr/bin/env node
// The project's test command (`pnpm test`, which CI runs): biome, the type check and every package's
// tests, in two lanes at once. On a 2-core machine vitest gives each package one worker, and part of a
// suite's time is a child process (the CLI, a bot, PGlite, Chromium) working or a fake platform's rate
// limit waiting, so one lane leaves a core idle. Two lanes, not more: the flipped-twin tests compare
// delays, and a third suite competing for the cores would stretch them (docs/testing.md).
// Each lane takes the longest job not yet started when it is free (longest first: the last job to
// start is a short one, so the lanes end together). The order comes from measured durations below;
// a package not listed is taken as a long one, so a new slow suite cannot start last. Every job runs
// to the end; the command fails if any failed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LANES = 2;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Seconds each job took in a quiet CI run (docs/testing.md); only their order matters. */
const measured = {
  '@oversight/cli': 740,
  '@oversight/slack-bot': 400,
  '@oversight/discord-bot': 230,
  '@oversight/web': 170,
  '@oversight/runner': 110,
  '@oversight/db': 85,
  checks: 45,
  '@oversight/testkit': 40,
  '@oversight/stats': 35,
  '@oversight/llm': 20,
  '@oversight/chat': 15,
  '@oversight/core': 8,
};
const UNKNOWN = 300;

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(
        `test: cannot start ${command} (${error.message}); run \`npx -y pnpm@12.4.2 install\` first`,
      );
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The workspace packages that have tests, by name. */
function packagesWithTests() {
  return ['packages', 'apps'].flatMap((group) =>
    fs
      .readdirSync(path.join(root, group))
      .map((dir) => path.join(root, group, dir, 'package.json'))
      .filter((file) => fs.existsSync(file))
      .map((file) => JSON.parse(fs.readFileSync(file, 'utf8')))
      .filter((pkg) => pkg.scripts?.test)
      .map((pkg) => pkg.name),
  );
}

const jobs = [
  {
    // One biome run and one type-checking program over every package: each source is read and checked
    // once, where a `tsc -p` per package checked a package again in every package that imports it
    // (about five times the CPU time).
    name: 'checks',
    run: async () => {
      const lint = await run('biome', ['check', '.']);
      const types = await run('tsc', ['-p', 'tsconfig.check.json']);
      return lint || types;
    },
  },
  ...packagesWithTests().map((name) => ({
    name,
    run: () => run('turbo', ['run', 'test', `--filter=${name}`, '--continue']),
  })),
].sort((a, b) => (measured[b.name] ?? UNKNOWN) - (measured[a.name] ?? UNKNOWN));

const failed = [];
async function lane() {
  for (let job = jobs.shift(); job; job = jobs.shift()) {
    if ((await job.run()) !== 0) failed.push(job.name);
  }
}
await Promise.all(Array.from({ length: LANES }, lane));
if (failed.length > 0) console.error(`test: failed: ${failed.join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
