/**
 * A process a benchmark or a test starts (`oversight serve`, the chat apps) ends when whoever started
 * it is gone, however that went: the starter's exit hooks stop it when they can (testkit's
 * spawnChild), but a SIGKILL, or a caller's timeout that kills only the starter, runs no hook, and the
 * child, reparented, would go on at full speed for as long as nobody noticed. So a child started with
 * OVERSIGHT_EXIT_WITH_PARENT=<the starter's pid> watches the starter and its own parent and, once either
 * is gone, stops as on SIGTERM (in-progress work finishes), and exits for good a few seconds later if
 * that hangs.
 */
export const EXIT_WITH_PARENT = 'OVERSIGHT_EXIT_WITH_PARENT';

export function exitWithParent(env: NodeJS.ProcessEnv = process.env, everyMs = 500): void {
  const starter = Number(env[EXIT_WITH_PARENT]);
  if (!Number.isInteger(starter) || starter <= 0) return;
  // The parent may be a wrapper the starter ran it under (time, sh, runuser): watched as well.
  const parent = process.ppid;
  const watch = setInterval(() => {
    // process.ppid asks the system each time: after the parent dies it is the new one (init or a subreaper).
    if (process.ppid === parent && alive(starter)) return;
    clearInterval(watch);
    setTimeout(() => process.exit(143), 5_000).unref();
    process.kill(process.pid, 'SIGTERM');
  }, everyMs);
  watch.unref();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
