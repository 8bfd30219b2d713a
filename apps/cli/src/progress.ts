import cliProgress from 'cli-progress';

export interface Progress {
  tick(): void;
  stop(): void;
}

/** A progress bar on a terminal; on a pipe or in CI, a line per tenth so logs stay short. */
export function startProgress(label: string, total: number, done = 0): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} trials | {percentage}% | eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, done);
    return { tick: () => bar.increment(), stop: () => bar.stop() };
  }
  let count = done;
  let lastTenth = Math.floor((count / Math.max(1, total)) * 10);
  return {
    tick() {
      count += 1;
      const tenth = Math.floor((count / Math.max(1, total)) * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${label}: ${count}/${total} trials\n`);
      }
    },
    stop() {},
  };
}
