import { isSimulated, type ParticipantSpec } from '@oversight/core';
import { planExperiment, simulateExperiment } from '@oversight/runner';
import { designEffect, PowerTally, sampleSizeTwoProportions, sampleSizeWinRate } from '@oversight/stats';
import { type Command, type CommandInput, stringOption } from '../command.ts';
import { type LoadedConfig, loadExperimentConfig } from '../config-file.ts';
import { UsageError } from '../exit-codes.ts';
import { preflight } from '../preflight.ts';
import { startProgress } from '../progress.ts';

interface Range {
  /** e.g. "a proportion between 0 and 1" */
  what: string;
  ok: (value: number) => boolean;
  /** A hint for a value that is almost right, e.g. a percentage. */
  hint?: (value: number) => string | undefined;
}

const asPercent = (value: number) =>
  value > 1 && value < 100 ? `; for ${value}% write ${value / 100}` : undefined;
const PROPORTION: Range = {
  what: 'a proportion between 0 and 1',
  ok: (v) => v > 0 && v < 1,
  hint: asPercent,
};

function numberOption(
  input: CommandInput,
  name: string,
  range: Range,
  fallback?: number,
): number | undefined {
  const raw = stringOption(input, name);
  if (raw === undefined) return fallback;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || !range.ok(value))
    throw new UsageError(`--${name} must be ${range.what} (got "${raw}")${range.hint?.(value) ?? ''}`);
  return value;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

/** The participants a config's simulation cannot stand in for, by config field. */
function notSimulated(loaded: LoadedConfig): string[] {
  const fields: string[] = [];
  const check = (field: string, spec: ParticipantSpec | undefined) => {
    if (spec && !isSimulated(spec)) fields.push(`${field} is ${spec.kind}`);
  };
  loaded.config.judges.forEach((pool, i) => {
    check(`judges[${i}].participant`, pool.participant);
  });
  loaded.config.arms.forEach((arm, i) => {
    check(`arms[${i}].arguer`, arm.arguer);
    check(`arms[${i}].dishonestArguer`, arm.dishonestArguer);
  });
  return fields;
}

/** Simulation-based power of a config as designed: rerun it in memory with fresh seeds. */
async function simulatedPower(input: CommandInput, alpha: number): Promise<number> {
  const sims = numberOption(
    input,
    'sims',
    { what: 'a whole number from 1 to 100000', ok: (v) => Number.isInteger(v) && v >= 1 && v <= 100_000 },
    100,
  )!;
  const loaded = await loadExperimentConfig(stringOption(input, 'simulate')!);
  const people = notSimulated(loaded);
  if (people.length > 0)
    throw new UsageError(
      `${loaded.file}: power --simulate reruns the experiment with simulated participants, but ${people.join(', ')}. ` +
        'Copy the config and use "simulated-judge" / "simulated-arguer" with the accuracy you expect from them, ' +
        'or use  oversight power --p1 P [--p2 P]  with win rates from a pilot',
    );
  preflight(loaded);
  planExperiment(loaded.config, loaded.questions); // fail early, with the usual message, on a bad design
  const arms = loaded.config.arms.map((a) => a.name);
  const tally = new PowerTally(arms, alpha);
  const progress = startProgress('simulating', sims, { unit: 'experiments' });
  try {
    for (let i = 0; i < sims; i++) {
      tally.add(
        await simulateExperiment(loaded.config, loaded.questions, `${loaded.config.seed}/power/${i}`),
      );
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  console.log(
    `Simulated power of ${loaded.config.name} as designed (${sims} simulated experiments, alpha ${alpha}; simulated participants):`,
  );
  // every test the report quotes, per arm and for every pair of arms, clustered ones included
  for (const line of tally.lines()) {
    const refused =
      line.refused > 0
        ? `; not run in ${line.refused} of ${sims} (too few judges or no variation), counted as not rejecting`
        : '';
    console.log(
      `  ${line.label}: power ${pct(line.power)} (95% CI ${pct(line.interval.lower)}–${pct(line.interval.upper)})${refused}`,
    );
  }
  return 0;
}

/** Options that make no sense together, named so the message says which to drop. */
function checkCombinations(input: CommandInput): void {
  const given = (name: string) => input.values[name] !== undefined;
  const simulate = given('simulate');
  for (const name of ['p1', 'p2', 'cluster-size', 'icc'])
    if (simulate && given(name))
      throw new UsageError(
        `--${name} does not apply with --simulate (the simulation uses the config's participants); drop one of them`,
      );
  if (!simulate && given('sims')) throw new UsageError('--sims only applies with --simulate <config>');
  if (given('icc') && !given('cluster-size'))
    throw new UsageError('--icc needs --cluster-size M (judgments per judge) for the design effect');
}

export const powerCommand: Command = {
  name: 'power',
  usage:
    'power --p1 P [--p2 P] [--alpha A] [--power B] [--cluster-size M --icc R] | power --simulate <config> [--sims N]',
  summary:
    'judgments needed to show a win rate above 50% or a difference between protocols; or simulated power of a config',
  options: {
    p1: {
      type: 'string',
      valueName: 'P',
      description: 'expected correct-answer win rate (of the first protocol, with --p2), e.g. 0.75',
    },
    p2: {
      type: 'string',
      valueName: 'P',
      description: 'expected win rate of the second protocol, to compare two',
    },
    alpha: { type: 'string', valueName: 'A', description: 'significance level', defaultText: '0.05' },
    power: { type: 'string', valueName: 'B', description: 'wanted power', defaultText: '0.8' },
    'cluster-size': {
      type: 'string',
      valueName: 'M',
      description: 'judgments per judge, for the design effect 1 + (M − 1)·ICC',
      defaultText: 'independent judgments',
    },
    icc: {
      type: 'string',
      valueName: 'R',
      description: 'with --cluster-size: intraclass correlation',
      defaultText: '0',
    },
    simulate: {
      type: 'string',
      valueName: 'CONFIG',
      description: 'estimate the power of this config by simulation',
    },
    sims: {
      type: 'string',
      valueName: 'N',
      description: 'with --simulate: simulated experiments',
      defaultText: '100',
    },
  },
  async run(input) {
    if (input.positionals.length > 0)
      throw new UsageError(
        `power takes options only, not "${input.positionals[0]}"; for a config use  --simulate ${input.positionals[0]}`,
      );
    checkCombinations(input);
    const alpha = numberOption(
      input,
      'alpha',
      { what: 'a level between 0 and 0.5, e.g. 0.05', ok: (v) => v > 0 && v <= 0.5 },
      0.05,
    )!;
    const power = numberOption(
      input,
      'power',
      { what: 'a probability between 0 and 1, e.g. 0.8', ok: (v) => v > alpha && v < 1, hint: asPercent },
      0.8,
    )!;
    if (stringOption(input, 'simulate') !== undefined) return simulatedPower(input, alpha);
    const p1 = numberOption(input, 'p1', PROPORTION);
    if (p1 === undefined)
      throw new UsageError(
        `power needs --p1 (or --simulate <config>); usage: oversight ${powerCommand.usage}`,
      );
    const p2 = numberOption(input, 'p2', PROPORTION);
    const clusterSize = numberOption(input, 'cluster-size', {
      what: 'a whole number of judgments per judge, at least 1',
      ok: (v) => Number.isInteger(v) && v >= 1,
    });
    const icc = numberOption(input, 'icc', { what: 'a correlation from 0 to 1', ok: (v) => v >= 0 && v < 1 });
    if (p2 === undefined) {
      // Above 0.5 by enough that the exact search ends in moments (0.51 needs ~15,000 judgments).
      if (p1 < 0.51)
        throw new UsageError(
          `--p1 ${p1}: a win rate has to be above 50% to be shown above 50%; give the rate you expect (at least 0.51), or compare two protocols with --p2`,
        );
      const n = sampleSizeWinRate({ p1, alpha, power });
      console.log(
        `To show a correct-answer win rate of ${pct(p1)} is above 50% (one-sided, alpha ${alpha}, power ${pct(power)}):\n` +
          `  exact binomial test: ${n.exactN} judgments (win at least ${n.exactCriticalValue}; achieved power ${pct(n.exactAchievedPower)})\n` +
          `  normal approximation: ${n.normalApproximationN} judgments`,
      );
      if (clusterSize !== undefined) {
        // judgments clustered by judge carry less information: the design effect inflates n
        const deff = designEffect(clusterSize, icc ?? 0);
        const judgments = Math.ceil(n.normalApproximation * deff - 1e-9);
        console.log(
          `  with ${clusterSize} judgments per judge and ICC ${icc ?? 0} (design effect ${deff.toFixed(2)}): ${judgments} judgments, from ${Math.ceil(judgments / clusterSize)} judges (normal approximation × design effect)`,
        );
      }
      return 0;
    }
    if (p1 === p2) throw new UsageError(`--p1 and --p2 are both ${p1}: there is no difference to detect`);
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
