/**
 * The price of anytime validity: judgments needed to show a win rate above 50% at 80% power when
 * the study is watched after every judgment and stopped the first time the confidence sequence
 * excludes 50% (src/anytime.ts), against a fixed-n exact binomial test run once at the planned n.
 *
 *   pnpm --filter @oversight/stats exec tsx scripts/anytime-price.ts [--sims N] [--priors 1,4,16]
 *
 * For each true rate: the fixed n (exact one-sided binomial at α = 0.05 and at α = 0.025, the
 * one-sided half of a two-sided 5% test, as the sequence is two-sided), and for the sequence at
 * α = 0.05 the 80th percentile of the stopping time (the n by which 80% of studies have stopped:
 * the n a study must be prepared to run to) and the mean stopping time (what studies cost on
 * average, since many stop early), over seeded simulated studies (no judge effects).
 */
import { confidenceSequence, type MixturePrior } from '../src/anytime.ts';
import { sampleSizeWinRate } from '../src/power.ts';
import { createRng } from '../src/rng.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback;
const sims = Number(option('sims', '4000'));
const priors: MixturePrior[] = option('priors', '4')
  .split(',')
  .map((a) => ({ a: Number(a) }));
const alpha = 0.05;
const rates = [0.6, 0.65, 0.7, 0.75, 0.8, 0.9];

console.log(
  `${sims} simulated studies per rate and prior; no judge effects; stop when the 95% sequence excludes 50%.`,
);
console.log(
  [
    'true rate'.padEnd(10),
    'fixed n (1-sided .05)'.padStart(22),
    'fixed n (1-sided .025)'.padStart(23),
    ...priors.flatMap((p) => [
      `Beta(${p.a},${p.a}) 80% stop`.padStart(24),
      'mean stop'.padStart(10),
      'ratio'.padStart(7),
    ]),
  ].join(''),
);
for (const rate of rates) {
  const fixed05 = sampleSizeWinRate({ p1: rate, alpha: 0.05, power: 0.8 }).exactN;
  const fixed025 = sampleSizeWinRate({ p1: rate, alpha: 0.025, power: 0.8 }).exactN;
  const cells: string[] = [];
  for (const prior of priors) {
    const rng = createRng(`price/${rate}/${prior.a}`);
    const limit = 20 * fixed025;
    const stops: number[] = [];
    for (let s = 0; s < sims; s++) {
      let wins = 0;
      let stop = limit + 1; // never stopped within the limit
      for (let n = 1; n <= limit; n++) {
        if (rng.next() < rate) wins++;
        // the lower end only moves above 50% once the rate so far is above 50%: skip the rest
        if (wins / n <= 0.5) continue;
        if (confidenceSequence(wins, n, alpha, prior).lower > 0.5) {
          stop = n;
          break;
        }
      }
      stops.push(stop);
    }
    stops.sort((x, y) => x - y);
    const p80 = stops[Math.ceil(0.8 * sims) - 1]!;
    const mean = stops.reduce((x, y) => x + y, 0) / sims;
    cells.push(
      String(p80).padStart(24),
      mean.toFixed(1).padStart(10),
      `${(p80 / fixed025).toFixed(2)}×`.padStart(7),
    );
  }
  console.log(
    [
      `${(rate * 100).toFixed(0)}%`.padEnd(10),
      String(fixed05).padStart(22),
      String(fixed025).padStart(23),
      ...cells,
    ].join(''),
  );
}
console.log(
  'ratio: the sequence’s 80% stopping n ÷ the fixed n of the one-sided .025 test (the like-for-like two-sided 5% test).',
);
