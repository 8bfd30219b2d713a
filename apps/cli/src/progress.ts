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
        format: `${label} [{bar}] {value}/{total} ${unit} | {percentage}% | eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, options.done ?? 0);
    drawing.add(bar);
    return {
      tick: (count = 1) => bar.increment(count),
      setTotal: (n) => bar.setTotal(n),
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
