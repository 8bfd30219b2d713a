import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundle, bundleFile, bundleIsCurrent } from '../scripts/bundle.mjs';
import { launcher, oversight, repoRoot, tempDir, writeConfig, writeQuestions } from './cli.ts';

/** What only a real process shows: pipes, signals, terminals, file permissions, pnpm and the bundle. */
describe('the command as a process', () => {
  const dir = tempDir('process');
  writeQuestions(dir, 8);
  const dataDir = path.join(dir, 'data');

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    const file = writeConfig(dir, {
      name: 'piped',
      seed: 2,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 20 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 4 }],
    });
    expect((await oversight(['run', file, '--data-dir', dataDir])).code).toBe(0);
    // The JSONL export is far larger than a pipe holds, so writing goes on after head has exited.
    const piped = spawnSync(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `"${process.execPath}" "${launcher}" export piped --format jsonl --data-dir "${dataDir}" | head -c 100 >/dev/null`,
      ],
      { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' } },
    );
    expect(piped.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(piped.status, piped.stderr).toBe(0);
  });

  it('a database folder it may not write to: exit 3, saying so, nothing written', async () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    chmodSync(dir, 0o755); // the config and dataset stay readable to "nobody" below
    const file = writeConfig(dir, {
      name: 'locked',
      seed: 1,
      dataset: { path: path.join(dir, 'questions.jsonl') },
      judges: [{ count: 10 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1 }],
    });
    // Permissions do not bind root, so as root the command runs as "nobody".
    const asRoot = process.getuid?.() === 0;
    const command = asRoot
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]
      : [process.execPath];
    // The bundle itself: "nobody" could not rebuild it if a source changed meanwhile.
    if (!bundleIsCurrent()) await buildBundle();
    for (const target of [locked, path.join(locked, 'new')]) {
      const result = spawnSync(
        command[0]!,
        [...command.slice(1), bundleFile, 'run', file, '--data-dir', target],
        {
          encoding: 'utf8',
          env: { ...process.env, DATABASE_URL: '' },
        },
      );
      expect(result.status, result.stderr).toBe(3);
      expect(result.stderr).toMatch(new RegExp(`cannot (use|create) the database folder ${target}.*EACCES`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('Ctrl-C during a run: says what is kept and how to go on, and leaves the terminal as it was', async () => {
    const file = writeConfig(dir, {
      name: 'stopped',
      seed: 3,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 120 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 3, trialsPerQuestion: 50 }],
    });
    const stopsAt = path.join(dir, 'stopped-data');
    const driver = path.join(repoRoot, 'apps/cli/test/fixtures/ctrl-c-in-terminal.py');
    const result = spawnSync(
      'python3',
      [
        driver,
        String.raw`\] [1-9][0-9]*/400 trials`,
        process.execPath,
        launcher,
        'run',
        file,
        '--data-dir',
        stopsAt,
        // Fewer trials at once than planned, so some are still to start when Ctrl-C comes: simulated
        // trials play through in milliseconds, and every trial in flight keeps the moves it has made.
        '--concurrency',
        '8',
      ],
      { encoding: 'utf8', env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 },
    );
    const { output, code, pressed } = JSON.parse(result.stdout) as {
      output: string;
      code: number;
      pressed: boolean;
    };
    expect(pressed, output).toBe(true);
    expect(code, output).toBe(130);
    expect(output).toMatch(/stopped with Ctrl-C: (\d+) finished, (\d+) still to run of 400 trials/);
    expect(output).toMatch(new RegExp(`run {2}oversight run ${file} --data-dir ${stopsAt} {2}to go on`));
    // The bar hides the cursor (?25l) and turns line wrap off (?7l): both must be back on at the end.
    expect(output.lastIndexOf('\x1b[?25h')).toBeGreaterThan(output.lastIndexOf('\x1b[?25l'));
    expect(output.lastIndexOf('\x1b[?7h')).toBeGreaterThan(output.lastIndexOf('\x1b[?7l'));
    const kept = Number(/stopped with Ctrl-C: (\d+) finished/.exec(output)![1]);
    const listed = await oversight(['list', '--data-dir', stopsAt]);
    expect(listed.stdout).toMatch(`stopped: 400 trials (${kept} finished, ${400 - kept} active)`);
  });

  it('pnpm oversight works from apps/cli and experiments/demo, with the root folder as the database', () => {
    // pnpm runs the scripts of the package.json nearest to where it is typed.
    // The pnpm running these tests, if any: a script for node, or (pnpm 12) a native executable.
    const execpath = process.env.npm_execpath;
    const pnpm = execpath?.includes('pnpm')
      ? /\.[cm]?js$/.test(execpath)
        ? [process.execPath, execpath]
        : [execpath]
      : ['npx', '-y', 'pnpm@12.4.2'];
    for (const where of ['apps/cli', 'experiments/demo']) {
      const cwd = path.join(repoRoot, where);
      const result = spawnSync(pnpm[0]!, [...pnpm.slice(1), '--silent', 'oversight', '--help'], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, INIT_CWD: cwd, OVERSIGHT_DATA_DIR: '' },
      });
      expect(result.status, `${where}: ${result.stderr}`).toBe(0);
      expect(result.stdout, where).toContain(`(here: ${path.join(repoRoot, '.oversight')})`);
    }
  });

  it('node <repository>/apps/cli/bin/oversight.mjs works from a folder outside the repository: paths and the database there', () => {
    const study = tempDir('study');
    writeQuestions(study, 4, 4);
    writeConfig(study, {
      name: 'study',
      seed: 1,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 8 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 }],
    });
    const { INIT_CWD: _pnpmsCwd, ...env } = process.env;
    const run = (args: string[]) =>
      spawnSync(process.execPath, [launcher, ...args], {
        cwd: study,
        encoding: 'utf8',
        env: { ...env, DATABASE_URL: '', OVERSIGHT_DATA_DIR: '' },
      });
    const help = run(['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain(`From any folder it is  node ${launcher}`);
    expect(help.stdout).toContain(`(here: ${path.join(study, '.oversight')})`);
    const planned = run(['run', 'config.json']);
    expect(planned.status, planned.stderr).toBe(0);
    expect(planned.stderr).toContain(`database: ${path.join(study, '.oversight')} (the default)`);
    expect(planned.stdout).toContain('study: 8 finished');
  });

  it('the bundle counts as current only while every file it was built from is older than the build', () => {
    const source = path.join(dir, 'source.ts');
    writeFileSync(source, 'export {};\n');
    const inputs = path.join(dir, 'inputs.json');
    const builtAt = Date.now();
    writeFileSync(inputs, JSON.stringify({ startedAt: builtAt, inputs: [source] }));
    utimesSync(source, new Date(builtAt - 60_000), new Date(builtAt - 60_000));
    expect(bundleIsCurrent(inputs)).toBe(true);
    utimesSync(source, new Date(builtAt + 1000), new Date(builtAt + 1000));
    expect(bundleIsCurrent(inputs)).toBe(false);
    writeFileSync(inputs, JSON.stringify({ startedAt: builtAt, inputs: [path.join(dir, 'deleted.ts')] }));
    expect(bundleIsCurrent(inputs)).toBe(false);
  });
});
