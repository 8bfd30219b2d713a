// Faults survived by the real command, fast versions of bench/faults.bench.ts: SIGTERM mid-run, SIGKILL
// mid-run on a PostgreSQL server, a full disk under the embedded data folder. After each: the planned
// trials exactly, every event once, and the export byte-identical to a run nothing interrupted.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type PostgresServer, startPostgres } from '@oversight/db/testing/pg-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBytes, integrity, oversight, start, stopAfter, type Target } from '../bench/faults.ts';
import { tempDir, writeConfig, writeQuestions } from './cli.ts';

const dir = tempDir('faults');
const questions = path.basename(writeQuestions(dir, 40, 10));
const config = (name: string, perQuestion: number) =>
  writeConfig(
    dir,
    {
      name,
      seed: `${name}-seed`,
      dataset: { path: questions },
      judges: [{ count: 20 * perQuestion }],
      arms: ['debate', 'consultancy'].map((protocol) => ({
        name: protocol,
        protocol,
        rounds: 3,
        trialsPerQuestion: perQuestion,
      })),
    },
    `${name}.json`,
  );

async function expectIntact(target: Target, clean: Target, name: string, planned: number) {
  const found = await integrity(target, name);
  expect(found.problems).toEqual([]);
  expect(found).toMatchObject({ planned, trials: planned, finished: planned, judgments: planned });
  expect(exportBytes(target, name, dir)).toBe(exportBytes(clean, name, dir));
}

describe('SIGTERM', () => {
  it('stops run within seconds with exit 0 and the command that goes on; that command finishes the rest', async () => {
    const file = config('term', 4);
    const clean: Target = { dataDir: path.join(dir, 'term-clean') };
    expect(oversight(['run', file], clean, dir).code).toBe(0);
    const target: Target = { dataDir: path.join(dir, 'term') };
    const stopped = await stopAfter(['run', file], target, dir, 150, 'SIGTERM', /to run/);
    expect(stopped.sent).toBe(true);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.exitMs).toBeLessThan(5_000);
    expect(stopped.stderr).toMatch(/stopped by SIGTERM: .* still to run of 320 trials/);
    expect(stopped.stderr).toMatch(/run {2}oversight run .*term\.json.* {2}to go on/);
    expect(oversight(['run', file], target, dir).code).toBe(0);
    await expectIntact(target, clean, 'term', 320);
  });

  it('stops serve with exit 0, saying so', async () => {
    const target: Target = { dataDir: path.join(dir, 'term') };
    const serve = start(['serve', 'term'], target, dir);
    await serve.saying(/serving/);
    const sent = performance.now();
    serve.child.kill('SIGTERM');
    const done = await serve.done;
    expect(done.code, done.stderr).toBe(0);
    expect(performance.now() - sent).toBeLessThan(5_000);
    expect(done.stderr).toMatch(/stopping/);
  });
});

describe('SIGKILL on a PostgreSQL server', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('three kills mid-run, then the planned trials exactly, every event once, the same export', async () => {
    const file = config('killed', 4);
    const clean: Target = { databaseUrl: await server.createDatabase('clean') };
    expect(oversight(['run', file], clean, dir).code).toBe(0);
    const target: Target = { databaseUrl: await server.createDatabase('killed') };
    for (const at of [0, 40, 100]) {
      const killed = await stopAfter(['run', file], target, dir, at, 'SIGKILL', /to run/);
      expect(killed.signal).toBe('SIGKILL');
    }
    const before = await integrity(target, 'killed');
    expect(before.finished).toBeLessThan(320);
    expect(oversight(['run', file], target, dir).code).toBe(0);
    await expectIntact(target, clean, 'killed', 320);
  });
});

// Mounting a small file system needs root (CAP_SYS_ADMIN); elsewhere the test says why it did not run.
const mount = path.join(dir, 'small-disk');
const mounted = (() => {
  try {
    mkdirSync(mount);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mount], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!mounted)(
  mounted ? 'a full disk' : 'a full disk — SKIPPED: cannot mount a small tmpfs here (needs root)',
  () => {
    afterAll(() => execFileSync('umount', [mount]));

    it('is a clear error; the database is intact and the run finishes once space returns', async () => {
      const file = config('disk', 10);
      const clean: Target = { dataDir: path.join(dir, 'disk-clean') };
      expect(oversight(['run', file], clean, dir).code).toBe(0);
      const target: Target = { dataDir: path.join(mount, 'db') };
      const full = oversight(['run', file], target, dir);
      expect(full.code).toBe(3);
      expect(full.stderr).toMatch(/the disk holding the database is full .*run the same command again/);
      expect(full.stderr).not.toMatch(/\n\s+at /);
      execFileSync('mount', ['-o', 'remount,size=512m', mount]);
      expect(oversight(['run', file], target, dir).code).toBe(0);
      await expectIntact(target, clean, 'disk', 800);
    });
  },
);
