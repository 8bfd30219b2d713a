/**
 * Benchmark: the analysis of small studies, the ones people run first (issue 22: a 60-judgment
 * experiment took 6.4 s and 493 MB, most of it a million bootstrap resamples chasing an interval
 * end that never settled). Four 60-judgment designs, each analysed in this process after one
 * warm-up run; prints the analysis time (median of 5) and the process's peak RSS. Asserts nothing.
 *
 *   pnpm --filter @oversight/stats exec tsx bench/analyze-small.ts
 */
import { analyzeExperiment, createRng, type JudgmentRow, simulateExperiment } from '../src/index.ts';

function study(
  name: string,
  arms: { arm: string; protocol: JudgmentRow['protocol']; logit: number }[],
  judges: number,
) {
  return {
    name,
    rows: simulateExperiment({ arms, judgments: 60, judges, questions: 20, arguers: 4 }, createRng(name)),
  };
}

const designs = [
  study(
    '3 arms, 8 judges',
    [
      { arm: 'debate', protocol: 'debate', logit: 1 },
      { arm: 'consultancy', protocol: 'consultancy', logit: 0.4 },
      { arm: 'oracle', protocol: 'oracle', logit: 4 },
    ],
    8,
  ),
  study(
    '2 arms, 3 judges',
    [
      { arm: 'debate', protocol: 'debate', logit: 1 },
      { arm: 'judge-alone', protocol: 'judge-alone', logit: 0 },
    ],
    3,
  ),
  study(
    '4 arms, 20 judges',
    [
      { arm: 'debate', protocol: 'debate', logit: 1 },
      { arm: 'interactive-debate', protocol: 'interactive-debate', logit: 1.2 },
      { arm: 'consultancy', protocol: 'consultancy', logit: 0.4 },
      { arm: 'oracle', protocol: 'oracle', logit: 6 },
    ],
    20,
  ),
  study('1 arm, 1 judge (an AI re-judging)', [{ arm: 'debate', protocol: 'debate', logit: 0.8 }], 1),
];

for (const d of designs) {
  analyzeExperiment(d.rows);
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    analyzeExperiment(d.rows);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`${d.name.padEnd(36)} analysis ${(times[2]! / 1000).toFixed(3)} s (median of 5)`);
}
console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
