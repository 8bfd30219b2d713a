import type { RewardConfig } from './experiment-config.ts';
import type { TrialState } from './state.ts';

/**
 * Probabilities on the correct answer are clamped below at this floor before the log, so a judge
 * who says 0 loses a lot, not infinity. 1%, as the NYU 2023 platform kept probabilities within
 * [1%, 99%] (its logged rewards follow this rule exactly); an experiment may set `reward.probabilityFloor`.
 */
export const DEFAULT_REWARD_PROBABILITY_FLOOR = 0.01;

/** The NYU 2023 rule: log2 p(correct) − 0.05 per continue, p clamped at 1%. */
export const NYU_REWARD: RewardConfig = {
  logBase: 2,
  coefficient: 1,
  constant: 0,
  perRoundPenalty: 0.05,
  probabilityFloor: DEFAULT_REWARD_PROBABILITY_FLOOR,
};

/**
 * The judge's reward: coefficient·log_base(max(p(correct), floor)) + constant − penalty per round
 * the judge chose to continue − the arm's penalty per question or comment (when it sets one). The one
 * reward rule of the project: trials, imports and statistics use it (`rewardOf` for a trial).
 */
export function judgeReward(
  probCorrect: number,
  continues: number,
  config: RewardConfig = NYU_REWARD,
  /** Questions or comments the judge made, and what each costs (the arm's interjectionPenalty). */
  interjections: { count: number; penalty: number } = { count: 0, penalty: 0 },
): number {
  if (!(probCorrect >= 0 && probCorrect <= 1))
    throw new RangeError(`probCorrect must be in [0, 1], got ${probCorrect}`);
  const floor = config.probabilityFloor ?? DEFAULT_REWARD_PROBABILITY_FLOOR;
  const p = Math.max(floor, probCorrect);
  return (
    (config.coefficient * Math.log(p)) / Math.log(config.logBase) +
    config.constant -
    config.perRoundPenalty * continues -
    interjections.penalty * interjections.count
  );
}

/** A finished trial's reward, by the one rule: its continues and, where the arm charges for them, its interjections. */
export function rewardOf(state: TrialState, probCorrect: number, config: RewardConfig = NYU_REWARD): number {
  return judgeReward(probCorrect, state.beliefs.length, config, {
    count: state.interjections.length,
    penalty: state.created.rules.interjectionPenalty ?? 0,
  });
}
