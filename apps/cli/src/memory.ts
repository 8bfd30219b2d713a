import v8 from 'node:v8';

/**
 * Commands that read or write a million trials keep little alive at once, but V8's default lets the
 * heap grow to several times what is alive before a full collection: a million trials peaked at
 * 1.0 GB resident in `run` and 1.5 GB in `analyze`. Growing the heap by at most `percent` between
 * full collections keeps the peak near what is in use, but a small heap collected that often costs
 * `run` an eighth of its speed (24,000 trials: 2,560 against 2,910 judgments/s). So the limit holds
 * only while the process is large: above `aboveMb` resident it is set, below three quarters of that
 * V8 chooses again. V8 reads the flag at each full collection, so setting it at any time takes
 * effect at the next one. `analyze`, which holds every judgment at once, asks for 20% from the start
 * (a million judgments: 1.0-1.1 GB at 50%, 945 MB at 20%) with `aboveMb` 0: limited at once, no timer.
 */
export function limitHeapGrowth(percent = 50, aboveMb = 384): void {
  let limited = false;
  const set = (on: boolean) => {
    if (on === limited) return;
    limited = on;
    // 0 is V8's own default: a factor it picks from how fast the program allocates and collects.
    v8.setFlagsFromString(`--heap-growing-percent=${on ? percent : 0}`);
  };
  const check = () => {
    const mb = process.memoryUsage.rss() / 2 ** 20;
    set(limited ? mb > aboveMb * 0.75 : mb > aboveMb);
  };
  check();
  if (aboveMb > 0) setInterval(check, 250).unref();
}
