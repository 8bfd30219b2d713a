/**
 * How many clusters each clustered method needs: simulated studies in which the null is true, and
 * how often each method rejects it at α = 5%. The minimums in src/estimability.ts come from here.
 *
 *   pnpm --filter @oversight/stats exec tsx scripts/few-clusters.ts [--sims N] [--no-glmm]
 *
 * Designs (G judges): a win rate of 50% tested against 50% ("rate"), and two arms with equal rates
 * judged by the same judges ("difference"); judgments per judge (and arm) 3, 10, or uniform on
 * 1-10; a judge effect with SD 0 or 1 on the logit scale. Methods: the cluster bootstrap's 95%
 * percentile interval, plain and expanded (Hesterberg 2015), "excludes" the null; the sandwich test
 * (HC0 with G/(G−1)) two-sided against the normal and against t(G − 1); the random-intercept
 * GLMM's Wald test (two-sided; a fit at 0% or 100% counts as no rejection, as the report refuses it).
 * Printed: the rejection rate per G, worst design, with its Monte Carlo standard error, and the
 * smallest G from which every design stays at or below 7.5%.
 */
import { clusterBootstrapDifference, clusterBootstrapRate } from '../src/bootstrap.ts';
import { clusterRobustDifference, clusterRobustRate } from '../src/cluster-robust.ts';
import { normalSf } from '../src/distributions.ts';
import { fitArmGlmm, glmmContrast } from '../src/glmm.ts';
import { createRng, type Rng } from '../src/rng.ts';

const args = process.argv.slice(2);
const sims = args.includes('--sims') ? Number(args[args.indexOf('--sims') + 1]) : 2000;
const withGlmm = !args.includes('--no-glmm');
const Gs = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30];
const LIMIT = 0.075;

interface Design {
  name: string;
  m: (rng: Rng) => number;
  sd: number;
}
const designs: Design[] = [
  { name: 'm=3, SD 0', m: () => 3, sd: 0 },
  { name: 'm=10, SD 0', m: () => 10, sd: 0 },
  { name: 'm~U(1,10), SD 0', m: (r) => 1 + r.int(10), sd: 0 },
  { name: 'm=3, SD 1', m: () => 3, sd: 1 },
  { name: 'm=10, SD 1', m: () => 10, sd: 1 },
  { name: 'm~U(1,10), SD 1', m: (r) => 1 + r.int(10), sd: 1 },
];
const methods = [
  'bootstrap (plain)',
  'bootstrap (expanded)',
  'robust, normal',
  'robust, t(G−1)',
  ...(withGlmm ? ['GLMM Wald'] : []),
];
const fixedBoot = { resamples: 999, maxResamples: 999, mcseTarget: Number.POSITIVE_INFINITY };

function binomial(rng: Rng, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}

/** Rejections per method in one simulated study. */
function study(kind: 'rate' | 'difference', d: Design, G: number, rng: Rng, seed: number): boolean[] {
  const clusters = Array.from({ length: G }, (_, i) => String(i));
  const s1 = new Float64Array(G);
  const n1 = new Float64Array(G);
  const s2 = new Float64Array(G);
  const n2 = new Float64Array(G);
  for (let g = 0; g < G; g++) {
    const p = 1 / (1 + Math.exp(-d.sd * rng.normal()));
    n1[g] = d.m(rng);
    s1[g] = binomial(rng, n1[g]!, p);
    if (kind === 'difference') {
      n2[g] = d.m(rng);
      s2[g] = binomial(rng, n2[g]!, p);
    }
  }
  const out: boolean[] = [];
  if (kind === 'rate') {
    const counts = { clusters, successes: s1, trials: n1 };
    for (const expand of [false, true]) {
      const b = clusterBootstrapRate(counts, { ...fixedBoot, seed, expand });
      out.push(b.interval.lower > 0.5 || b.interval.upper < 0.5);
    }
    const r = clusterRobustRate(counts);
    out.push(Number.isFinite(r.z) && 2 * normalSf(Math.abs(r.z)) < 0.05, r.pValue < 0.05);
    if (withGlmm) {
      const S = s1.reduce((a, b) => a + b, 0);
      const N = n1.reduce((a, b) => a + b, 0);
      if (S === 0 || S === N) out.push(false);
      else {
        const cells = clusters.map((c, g) => ({ cluster: c, arm: 'a', successes: s1[g]!, trials: n1[g]! }));
        const f = fitArmGlmm(cells, ['a'], { quadraturePoints: 11 });
        out.push(f.converged && f.randomInterceptSd <= 10 && f.coefficients[0]!.pValue < 0.05);
      }
    }
  } else {
    const counts = { clusters, successes1: s1, trials1: n1, successes2: s2, trials2: n2 };
    for (const expand of [false, true]) {
      const b = clusterBootstrapDifference(counts, { ...fixedBoot, seed, expand });
      out.push(b.interval.lower > 0 || b.interval.upper < 0);
    }
    const r = clusterRobustDifference(counts);
    out.push(Number.isFinite(r.z) && 2 * normalSf(Math.abs(r.z)) < 0.05, r.pValue < 0.05);
    if (withGlmm) {
      const sum = (x: Float64Array) => x.reduce((a, b) => a + b, 0);
      const separated = [sum(s1) === 0 || sum(s1) === sum(n1), sum(s2) === 0 || sum(s2) === sum(n2)];
      if (separated.some(Boolean)) out.push(false);
      else {
        const cells = clusters.flatMap((c, g) => [
          { cluster: c, arm: 'a', successes: s1[g]!, trials: n1[g]! },
          { cluster: c, arm: 'b', successes: s2[g]!, trials: n2[g]! },
        ]);
        const f = fitArmGlmm(cells, ['a', 'b'], { quadraturePoints: 11 });
        out.push(f.converged && f.randomInterceptSd <= 10 && glmmContrast(f, 0, 1).pValue < 0.05);
      }
    }
  }
  return out;
}

const mcse = (p: number) => Math.sqrt((p * (1 - p)) / sims);
console.log(
  `Null studies per design and G: ${sims}; a rate of 5% carries a Monte Carlo SE of ${(100 * mcse(0.05)).toFixed(2)} points.`,
);
for (const kind of ['rate', 'difference'] as const) {
  // worst[method][G]
  const worst = methods.map(() => Gs.map(() => ({ rate: 0, design: '' })));
  for (const d of designs) {
    for (const [gi, G] of Gs.entries()) {
      const rng = createRng(`${kind}/${d.name}/${G}`);
      const counts = new Array<number>(methods.length).fill(0);
      for (let s = 0; s < sims; s++)
        study(kind, d, G, rng, s).forEach((r, k) => {
          if (r) counts[k]!++;
        });
      counts.forEach((c, k) => {
        if (c / sims > worst[k]![gi]!.rate) worst[k]![gi] = { rate: c / sims, design: d.name };
      });
    }
  }
  console.log(
    `\n${kind === 'rate' ? 'Win rate of 50% tested against 50%' : 'Two equal arms on the same judges, tested for a difference'}: worst rejection rate over the ${designs.length} designs (nominal 5%)`,
  );
  console.log(
    ['method'.padEnd(22), ...Gs.map((g) => `G=${g}`.padStart(6)), '  min G (≤7.5% from there on)'].join(''),
  );
  worst.forEach((row, k) => {
    let minG: number | null = null;
    for (let gi = Gs.length - 1; gi >= 0 && row[gi]!.rate <= LIMIT; gi--) minG = Gs[gi]!;
    console.log(
      [
        methods[k]!.padEnd(22),
        ...row.map((w) => `${(100 * w.rate).toFixed(1)}`.padStart(6)),
        `  ${minG ?? `> ${Gs.at(-1)}`}`,
      ].join(''),
    );
  });
}
