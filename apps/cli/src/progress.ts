import cliProgress from 'cli-progress';

export interface Progress {
  tick(count?: number): void;
  /** Known only once the work has started (an import learns its size from the file). */
  setTotal(total: number): void;
  stop(): void;
}

// The bar hides the cursor and turns line wrap off while it draws. Whatever ends the process
// (a second Ctrl-C, an error) must turn them back on, or later output is cut at the window's edge.
const drawing = new Set<cliProgress.SingleBar>();
const RESTORE_TERMINAL = '\x1b[?25h\x1b[?7h';
process.on('exit', () => {
  if (drawing.size > 0) process.stderr.write(`\n${RESTORE_TERMINAL}`);
});

/** Puts the cursor and line wrap back if a bar is drawing; safe to call at any time. */
export function stopAllProgress(): void {
  for (const bar of drawing) bar.stop();
  drawing.clear();
}

/**
 * A progress bar on a terminal; on a pipe or in CI, a line per tenth so logs stay short.
 * `unit` names what is counted ("trials", "questions", "simulations").
 */
export function startProgress(
  label: string,
  total: number,
  options: { done?: number; unit?: string } = {},
): Progress {
  const unit = options.unit ?? 'trials';
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        // The time left from this run's own pace: none until something is done ("eta 0s" at 0/400
        // promised the opposite of the truth).
        format: `${label} [{bar}] {value}/{total} ${unit} | {percentage}% | {left}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const startedAt = Date.now();
    const from = options.done ?? 0;
    let value = from;
    let size = total;
    bar.start(total, from, { left: timeLeft(0, 0, size - from) });
    drawing.add(bar);
    return {
      tick: (count = 1) => {
        value += count;
        bar.increment(count, { left: timeLeft(Date.now() - startedAt, value - from, size - value) });
      },
      setTotal: (n) => {
        size = n;
        bar.setTotal(n);
      },
      stop: () => {
        if (drawing.delete(bar)) bar.stop();
      },
    };
  }
  let count = options.done ?? 0;
  let size = total;
  let lastTenth = Math.floor((count / Math.max(1, size)) * 10);
  return {
    tick(n = 1) {
      count += n;
      const tenth = Math.floor((count / Math.max(1, size)) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${label}: ${count}/${size} ${unit}\n`);
      }
    },
    setTotal(n) {
      size = n;
      lastTenth = Math.floor((count / Math.max(1, size)) * 10);
    },
    stop() {},
  };
}

/** "about 3m 20s left" from the pace so far; "time left: not known yet" before anything is done. */
export function timeLeft(elapsedMs: number, done: number, remaining: number): string {
  if (remaining <= 0) return 'done';
  if (done <= 0 || elapsedMs <= 0) return 'time left: not known yet';
  const seconds = Math.ceil(((elapsedMs / done) * remaining) / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  const text = h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
  return `about ${text} left`;
}
