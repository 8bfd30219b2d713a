import { planExperiment, simulateExperiment } from '@oversight/runner';
import {
  binomialTest,
  sampleSizeTwoProportions,
  sampleSizeWinRate,
  twoProportionTest,
  wilsonInterval,
} from '@oversight/stats';
import { type Command, type CommandInput, stringOption } from '../command.ts';
import { loadExperimentConfig } from '../config-file.ts';
import { UsageError } from '../exit-codes.ts';

function numberOption(input: CommandInput, name: string, fallback?: number): number | undefined {
  const raw = stringOption(input, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number (got "${raw}")`);
  return value;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/** Simulation-based power of a config as designed: rerun it in memory with fresh seeds. */
async function simulatedPower(input: CommandInput, alpha: number): Promise<number> {
  const loaded = await loadExperimentConfig(stringOption(input, 'simulate')!);
  planExperiment(loaded.config, loaded.questions); // fail early, with the usual message, on a bad design
  const sims = numberOption(input, 'sims', 100)!;
  const arms = loaded.config.arms.map((a) => a.name);
  const rejections = { perArm: new Map(arms.map((a) => [a, 0])), comparison: 0 };
  const [first, second] = arms;
  for (let i = 0; i < sims; i++) {
    const rows = await simulateExperiment(
      loaded.config,
      loaded.questions,
      `${loaded.config.seed}/power/${i}`,
    );
    const tally = (arm: string) => {
      const armRows = rows.filter((r) => r.arm === arm);
      return { wins: armRows.filter((r) => r.correct).length, n: armRows.length };
    };
    for (const arm of arms) {
      const { wins, n } = tally(arm);
      if (n > 0 && binomialTest(wins, n, 0.5, 'greater').pValue < alpha)
        rejections.perArm.set(arm, rejections.perArm.get(arm)! + 1);
    }
    if (first && second) {
      const a = tally(first);
      const b = tally(second);
      if (twoProportionTest(a.wins, a.n, b.wins, b.n).pValue < alpha) rejections.comparison += 1;
    }
    if (process.stderr.isTTY) process.stderr.write(`\rsimulation ${i + 1}/${sims}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(
    `Simulated power of ${loaded.config.name} as designed (${sims} simulated experiments, alpha ${alpha}; simulated participants):`,
  );
  for (const arm of arms) {
    const k = rejections.perArm.get(arm)!;
    const ci = wilsonInterval(k, sims);
    console.log(
      `  ${arm}: correct-answer win rate > 50% (exact one-sided binomial): power ${pct(k / sims)} (95% CI ${pct(ci.lower)}–${pct(ci.upper)})`,
    );
  }
  if (first && second) {
    const ci = wilsonInterval(rejections.comparison, sims);
    console.log(
      `  ${first} vs ${second} (two-proportion z-test): power ${pct(rejections.comparison / sims)} (95% CI ${pct(ci.lower)}–${pct(ci.upper)})`,
    );
  }
  return 0;
}

export const powerCommand: Command = {
  name: 'power',
  usage:
    'power --p1 P [--p2 P] [--alpha A] [--power B] [--cluster-size M --icc R] | power --simulate <config> [--sims N]',
  summary:
    'judgments needed to show a win rate above 50% or a difference between protocols; or simulated power of a config',
  options: {
    p1: { type: 'string' },
    p2: { type: 'string' },
    alpha: { type: 'string' },
    power: { type: 'string' },
    'cluster-size': { type: 'string' },
    icc: { type: 'string' },
    simulate: { type: 'string' },
    sims: { type: 'string' },
  },
  async run(input) {
    const alpha = numberOption(input, 'alpha', 0.05)!;
    const power = numberOption(input, 'power', 0.8)!;
    if (stringOption(input, 'simulate')) return simulatedPower(input, alpha);
    const p1 = numberOption(input, 'p1');
    if (p1 === undefined)
      throw new UsageError(
        `power needs --p1 (or --simulate <config>)\nUsage: oversight ${powerCommand.usage}`,
      );
    const p2 = numberOption(input, 'p2');
    if (p2 === undefined) {
      const n = sampleSizeWinRate({ p1, alpha, power });
      console.log(
        `To show a correct-answer win rate of ${pct(p1)} is above 50% (one-sided, alpha ${alpha}, power ${pct(power)}):\n` +
          `  exact binomial test: ${n.exactN} judgments (win at least ${n.exactCriticalValue}; achieved power ${pct(n.exactAchievedPower)})\n` +
          `  normal approximation: ${n.normalApproximationN} judgments`,
      );
      return 0;
    }
    const clusterSize = numberOption(input, 'cluster-size');
    const icc = numberOption(input, 'icc');
    const n = sampleSizeTwoProportions({
      p1,
      p2,
      alpha,
      power,
      ...(clusterSize !== undefined ? { clusterSize, icc: icc ?? 0 } : {}),
    });
    console.log(
      `To detect ${pct(p1)} vs ${pct(p2)} (two-sided two-proportion z-test, alpha ${alpha}, power ${pct(power)}):\n` +
        `  ${n.perGroupN} judgments per protocol, ${n.totalN} in all` +
        (n.designEffect !== 1
          ? ` (design effect ${n.designEffect.toFixed(2)} for ${clusterSize} judgments per judge, ICC ${icc ?? 0})`
          : ''),
    );
    return 0;
  },
};
