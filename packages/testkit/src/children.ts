import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/**
 * Child processes of benchmarks and tests that end with their starter, however it is stopped:
 * - it exits (done, or failed with an error): its exit hook kills them;
 * - SIGINT, SIGTERM or SIGHUP (Ctrl-C, a caller's timeout): they are sent SIGTERM, then the signal
 *   ends this process as it would have;
 * - SIGKILL runs no hook: each child is told this process's pid (OVERSIGHT_EXIT_WITH_PARENT) and
 *   stops by itself when its parent is gone (runner's exitWithParent, in the apps' entry points).
 */
const running = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let hooked = false;

function stopAll(signal: NodeJS.Signals): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

function onSignal(signal: NodeJS.Signals): void {
  stopAll('SIGTERM');
  // Ours the only handler: the signal would be swallowed; end the process as it would have ended.
  if (process.listenerCount(signal) === 1) {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.kill(process.pid, signal);
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => stopAll('SIGKILL'));
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** The environment a child needs to stop by itself once this process is gone. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, OVERSIGHT_EXIT_WITH_PARENT: String(process.pid) };
}

/** `spawn`, with the child stopped when this process stops (see above). */
export function spawnChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  hook();
  const child = spawn(command, args, { ...options, env: childEnv(options.env ?? process.env) });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
