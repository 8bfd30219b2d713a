// The embedded database admits one process at a time. These tests use real child processes.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DatabaseHostGoneError,
  DatabaseLockedError,
  DatabaseUnreachableError,
  openDatabase,
} from '../src/index.ts';
import { tempDir } from './backends.ts';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const childScript = fileURLToPath(new URL('./fixtures/child.ts', import.meta.url));

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** Spawns the fixture with node itself (not the tsx wrapper), so child.pid is the process holding the lock. */
function startChild(mode: 'hold' | 'write' | 'read', dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, mode, dir], {
    cwd: packageDir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, DATABASE_URL: '' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const waitFor = (predicate: (out: string) => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate(stdout)) {
          clearInterval(timer);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearInterval(timer);
          reject(new Error(`child exited before ${what}: ${stderr}`));
        }
      };
      const timer = setInterval(check, 20);
    });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, waitFor, exited, output: () => stdout };
}

// Each test starts child processes that open PGlite (seconds each on a busy 2-core machine, more when
// two packages' suites run at once): the file's timeout allows for several, not the package's 30 s.
describe('embedded database lock', { timeout: 120_000 }, () => {
  it('a second process uses the database through the holder, reading and writing what it sees', async () => {
    const dir = dataDir();
    const holder = startChild('hold', dir);
    await holder.waitFor((out) => out.includes('ready'), 'ready');
    const db = await openDatabase({ dataDir: dir });
    try {
      expect(db.through).toBe(holder.child.pid);
      expect(db.location).toContain(`through process ${holder.child.pid}`);
      await db.experiments.ensure({ id: 'through', name: 'through', seed: 's', config: {}, configHash: 'h' });
      // Several connections at once, each with its own transactions, against the one embedded backend.
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.questions.upsertMany(`ds-${i}`, [
            {
              id: 'q',
              storyId: 's',
              storyTitle: '',
              question: `${i}?`,
              answers: ['a', 'b'],
              correctIndex: 0,
              source: 'x',
              metadata: {},
            },
          ]),
        ),
      );
      expect(await db.questions.count()).toBe(8);
      expect((await db.experiments.get('through'))?.name).toBe('through');
    } finally {
      await db.close();
    }
    holder.child.kill('SIGTERM');
    await holder.exited;
  });

  it('without sharing, a second process gets DatabaseLockedError naming the holder; the lock goes with a SIGTERM', async () => {
    const dir = dataDir();
    const holder = startChild('hold', dir);
    await holder.waitFor((out) => out.includes('ready'), 'ready');

    const attempt = openDatabase({ dataDir: dir, share: false });
    await expect(attempt).rejects.toBeInstanceOf(DatabaseLockedError);
    const error = (await attempt.catch((e: unknown) => e)) as DatabaseLockedError;
    expect(error.holder?.pid).toBe(holder.child.pid);
    expect(error.message).toContain(`process ${holder.child.pid}`);
    expect(error.message).toContain('child.ts hold');
    expect(error.message).toContain(error.holder!.startedAt);
    expect(error.message).toContain('DATABASE_URL=postgresql://');

    // The handler must not swallow SIGTERM: the process exits by the signal, and releases the lock.
    holder.child.kill('SIGTERM');
    expect(await holder.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(fs.existsSync(path.join(dir, 'db.lock'))).toBe(false);
    const db = await openDatabase({ dataDir: dir });
    expect(db.kind).toBe('embedded');
    await db.close();
  });

  it('after SIGKILL the stale lock is taken over and every committed event is there', async () => {
    const dir = dataDir();
    const writer = startChild('write', dir);
    await writer.waitFor((out) => (out.match(/committed/g)?.length ?? 0) >= 40, '40 commits');
    writer.child.kill('SIGKILL');
    expect((await writer.exited).signal).toBe('SIGKILL');
    const committed = Math.max(...[...writer.output().matchAll(/committed (\d+)/g)].map((m) => Number(m[1])));

    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'db.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(writer.child.pid); // left behind by the killed process

    const db = await openDatabase({ dataDir: dir });
    try {
      const log = await db.events.load('kill-t');
      // Everything acknowledged before the kill survived; at most one more commit raced the kill.
      expect(log.length).toBeGreaterThanOrEqual(committed + 1);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i));
      expect((await db.trials.get('kill-t'))?.nextSeq).toBe(log.length);
      // And the database is writable again.
      await db.events.append({
        trialId: 'kill-t',
        expectedSeq: log.length,
        events: [{ type: 'AfterRecovery' }],
        trial: { status: 'active' },
        owed: [],
      });
      const lockNow = JSON.parse(fs.readFileSync(path.join(dir, 'db.lock'), 'utf8')) as { pid: number };
      expect(lockNow.pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    expect(fs.existsSync(path.join(dir, 'db.lock'))).toBe(false);
  });

  it('a process that comes while the holder is still opening waits for it, then works through it', async () => {
    const dir = dataDir();
    const holder = startChild('hold', dir);
    // Not waiting for "ready": once the holder has taken the lock, it is starting PGlite.
    while (!fs.existsSync(path.join(dir, 'db.lock'))) await new Promise((resolve) => setTimeout(resolve, 10));
    const said: string[] = [];
    const db = await openDatabase({ dataDir: dir, onWait: (m) => said.push(m) });
    try {
      expect(db.through).toBe(holder.child.pid);
      await db.experiments.ensure({ id: 'joined', name: 'joined', seed: 's', config: {}, configHash: 'h' });
      expect((await db.experiments.get('joined'))?.name).toBe('joined');
    } finally {
      await db.close();
    }
    expect(said[0]).toMatch(`waiting for process ${holder.child.pid} (`);
    expect(said[0]).toMatch('which is opening the database, to share it');
    holder.child.kill('SIGTERM');
    await holder.exited;
  });

  it('a writer does not join a process that only reads: it waits for it to finish, then holds the folder', async () => {
    const dir = dataDir();
    (await openDatabase({ dataDir: dir })).close();
    const reader = startChild('read', dir);
    await reader.waitFor((out) => out.includes('ready'), 'ready');
    const said: string[] = [];
    const db = await openDatabase({ dataDir: dir, onWait: (m) => said.push(m) });
    try {
      expect(db.through).toBeNull();
      expect(said[0]).toBe(
        `waiting for process ${reader.child.pid} (${reader.child.spawnargs.slice(3).join(' ')}), which is reading the database, to finish`,
      );
      expect(reader.output()).toContain('closed');
    } finally {
      await db.close();
    }
  });

  it('a holder others use through it waits for them before it closes, saying who', async () => {
    const dir = dataDir();
    const holder = startChild('hold', dir);
    await holder.waitFor((out) => out.includes('ready'), 'ready');
    const guest = await openDatabase({ dataDir: dir });
    expect(guest.through).toBe(holder.child.pid);
    holder.child.stdin!.write('close\n');
    await holder.waitFor((out) => out.includes('still in use'), 'its message');
    expect(holder.output()).toMatch(`still in use through this process by process ${process.pid} (`);
    // The guest goes on working while the holder waits for it; a newcomer waits for the folder.
    await guest.experiments.ensure({ id: 'late', name: 'late', seed: 's', config: {}, configHash: 'h' });
    expect(holder.output()).not.toContain('closed');
    await guest.close();
    expect(await holder.exited).toEqual({ code: 0, signal: null });
    expect(holder.output()).toContain('closed');
    const after = await openDatabase({ dataDir: dir });
    try {
      expect(after.through).toBeNull();
      expect((await after.experiments.get('late'))?.name).toBe('late');
    } finally {
      await after.close();
    }
  });

  it('a holder killed under a process using it through it: that process is told so, not the driver’s words', async () => {
    const dir = dataDir();
    const holder = startChild('hold', dir);
    await holder.waitFor((out) => out.includes('ready'), 'ready');
    const guest = await openDatabase({ dataDir: dir });
    try {
      expect(await guest.hostGone()).toBeNull();
      holder.child.kill('SIGKILL');
      await holder.exited;
      await expect(guest.experiments.list()).rejects.toThrow();
      const gone = await guest.hostGone();
      expect(gone).toBeInstanceOf(DatabaseHostGoneError);
      expect(gone?.message).toMatch(
        new RegExp(
          `^process ${holder.child.pid} \\(.*child\\.ts hold.*\\), which held the embedded database this command used through it, ended before this command was done\\.\nEverything stored is kept`,
        ),
      );
      // No new connection is tried once the host has gone.
      await expect(guest.experiments.list()).rejects.toThrow(/ended before this command was done/);
    } finally {
      await guest.close();
    }
  });

  it('the same folder cannot be opened twice in one process', async () => {
    const dir = dataDir();
    const db = await openDatabase({ dataDir: dir });
    try {
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(/already open in this process/);
    } finally {
      await db.close();
    }
    const again = await openDatabase({ dataDir: dir });
    await again.close();
  });

  it('an unreachable DATABASE_URL names host and port and suggests the embedded default', async () => {
    const previous = process.env.DATABASE_URL;
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    process.env.DATABASE_URL = 'postgresql://me:secret@127.0.0.1:1/oversight';
    try {
      const attempt = openDatabase();
      await expect(attempt).rejects.toBeInstanceOf(DatabaseUnreachableError);
      await expect(attempt).rejects.toThrow(/127\.0\.0\.1:1/);
      await expect(attempt).rejects.toThrow(/unset DATABASE_URL/);
      await expect(attempt).rejects.not.toThrow(/secret/);
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });
});
