// Single-process lock for the embedded database. PGlite runs PostgreSQL inside this process with no
// shared-memory coordination, so two processes on one data folder would corrupt it. The lock file is
// created atomically (O_CREAT|O_EXCL via 'wx') and records who holds it, so the second process can say
// which process to stop. A holder that died without cleaning up (SIGKILL, power loss) leaves a stale
// file, which is taken over when its pid is no longer alive on this host.
import fs from 'node:fs';
import os from 'node:os';
import { DatabaseLockedError, type LockHolder } from './errors.ts';

export interface HeldLock {
  readonly path: string;
  /**
   * Records in the lock file how far the holder is (serving, or closing) and, while it serves, where
   * other processes reach the database through it (none: it shares with no one).
   */
  advertise(state: 'serving' | 'closing', socket?: string): void;
  release(): void;
}

// A lock file younger than this that cannot be parsed is assumed to be mid-write by its creator.
const UNREADABLE_GRACE_MS = 5_000;

const held = new Map<string, LockHolder>();

export function acquireLock(lockPath: string, access: 'read' | 'write' = 'write'): HeldLock {
  const me: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    // The script and its arguments say what holds the database; node's own flags (loaders) would only add noise.
    command: process.argv.slice(1).join(' '),
    startedAt: new Date().toISOString(),
    access,
    state: 'starting',
  };
  if (held.has(lockPath)) {
    // Two PGlite instances on one folder corrupt it just as two processes would.
    throw new DatabaseLockedError(lockPath, held.get(lockPath) ?? null, true);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(lockPath, me)) {
      held.set(lockPath, me);
      installExitHandlers();
      return {
        path: lockPath,
        advertise: (state, socket) => advertise(lockPath, { ...me, state, ...(socket ? { socket } : {}) }),
        release: () => releaseLock(lockPath),
      };
    }
    const current = readHolder(lockPath);
    if (current === 'missing') continue; // released between our attempt and the read: try again
    if (current === 'unreadable') {
      if (ageMs(lockPath) < UNREADABLE_GRACE_MS) throw new DatabaseLockedError(lockPath, null);
      takeOver(lockPath, null);
      continue;
    }
    if (isAlive(current)) throw new DatabaseLockedError(lockPath, current);
    takeOver(lockPath, current);
  }
  // Five rounds of stale takeovers lost to other processes: someone else is starting up right now.
  const last = readHolder(lockPath);
  throw new DatabaseLockedError(lockPath, typeof last === 'object' ? last : null);
}

function tryCreate(lockPath: string, me: LockHolder): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, `${JSON.stringify(me)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readHolder(lockPath: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number') return 'unreadable';
    return {
      pid: parsed.pid,
      hostname: String(parsed.hostname ?? ''),
      command: String(parsed.command ?? ''),
      startedAt: String(parsed.startedAt ?? ''),
      ...(typeof parsed.socket === 'string' ? { socket: parsed.socket } : {}),
      ...(parsed.access === 'read' || parsed.access === 'write' ? { access: parsed.access } : {}),
      ...(parsed.state === 'starting' || parsed.state === 'serving' || parsed.state === 'closing'
        ? { state: parsed.state }
        : {}),
    };
  } catch {
    return 'unreadable';
  }
}

function ageMs(lockPath: string): number {
  try {
    return Date.now() - fs.statSync(lockPath).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function isAlive(holder: LockHolder): boolean {
  // A pid on another host cannot be checked; assume it is alive and let the user delete the file.
  if (holder.hostname !== os.hostname()) return true;
  // Our own pid but not in `held` (checked by the caller): left by an earlier run whose pid was reused.
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Moving the stale file aside (rename is atomic) instead of deleting it means that if two processes race to
// take over, only one moves the stale file; the other finds nothing (or the winner's fresh lock) and retries.
function takeOver(lockPath: string, stale: LockHolder | null): void {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  const same =
    stale === null
      ? moved === 'unreadable'
      : typeof moved === 'object' && moved.pid === stale.pid && moved.startedAt === stale.startedAt;
  if (!same) {
    // We moved a lock someone acquired a moment ago: put it back (link fails if the path is taken again).
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      // The path is occupied again; the next loop iteration will examine whoever holds it now.
    }
  }
  fs.rmSync(aside, { force: true });
}

// Written beside and renamed over the lock: a reader sees the old or the new content, never half of one.
function advertise(lockPath: string, me: LockHolder): void {
  const next = `${lockPath}.${process.pid}.tmp`;
  fs.writeFileSync(next, `${JSON.stringify(me)}\n`);
  fs.renameSync(next, lockPath);
  held.set(lockPath, me);
}

/** Who holds the lock, if a live process on this host does (for connecting through it). */
export function liveHolder(lockPath: string): LockHolder | null {
  const holder = readHolder(lockPath);
  return typeof holder === 'object' && isAlive(holder) && holder.hostname === os.hostname() ? holder : null;
}

function releaseLock(lockPath: string): void {
  const mine = held.get(lockPath);
  if (!mine) return;
  held.delete(lockPath);
  const current = readHolder(lockPath);
  // Only remove the file if it is still ours (never another process's lock that replaced a stale one).
  if (typeof current === 'object' && current.pid === mine.pid && current.startedAt === mine.startedAt) {
    fs.rmSync(lockPath, { force: true });
  }
  if (held.size === 0) uninstallExitHandlers();
}

function releaseAll(): void {
  for (const lockPath of [...held.keys()]) {
    try {
      releaseLock(lockPath);
    } catch {
      // Exiting anyway; a leftover file is detected as stale by the next open.
    }
  }
}

let handlersInstalled = false;
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onSignal(signal: NodeJS.Signals): void {
  // If the application has its own handler it decides when to exit (and should close the database);
  // the 'exit' hook releases the lock then. If ours is the only handler, the signal would otherwise be
  // swallowed: release the lock, remove the handler and re-raise so the default action (exit) happens.
  if (process.listenerCount(signal) > 1) return;
  releaseAll();
  uninstallExitHandlers();
  process.kill(process.pid, signal);
}

function uninstallExitHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.removeListener('exit', releaseAll);
  for (const s of signals) process.removeListener(s, onSignal);
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', releaseAll);
  for (const s of signals) process.on(s, onSignal);
}
