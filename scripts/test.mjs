#!/usr/bin/env node
// The project's test command (`pnpm test`, which CI runs): biome, the type checks and every package's
// tests, in two lanes at once. On a 2-core machine vitest gives each package one worker, and most of a
// suite's time is a child process (the CLI, a bot, PGlite, Chromium) working or a fake platform's rate
// limit waiting, so one lane leaves a core idle. Turbo starts ready tasks in an order of its own, and
// the CLI's suite (the longest, about as long as all the others but three) started last once: so the
// lanes are chosen here. Lane one: the CLI's and the web app's tests. Lane two: lint and type checks,
// then every other package's tests. Both lanes run to the end (--continue); the command fails if
// either failed.
import { spawn } from 'node:child_process';

const longest = ['@oversight/cli', '@oversight/web'];

function turbo(args) {
  return new Promise((resolve) => {
    const child = spawn('turbo', ['run', ...args, '--concurrency=1', '--continue'], { stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`test: cannot start turbo (${error.message}); run \`npx -y pnpm@12.4.2 install\` first`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const lanes = await Promise.all([
  turbo(['test', ...longest.map((name) => `--filter=${name}`)]),
  (async () => {
    const checks = await turbo(['lint', 'typecheck']);
    const tests = await turbo(['test', ...longest.map((name) => `--filter=!${name}`)]);
    return checks || tests;
  })(),
]);
process.exit(lanes.some((code) => code !== 0) ? 1 : 0);
