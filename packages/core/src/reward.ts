import type { RewardConfig } from './experiment-config.ts';

/** Probabilities are clamped here before the log so a judge who says 0 loses a lot, not infinity. */
export const REWARD_PROBABILITY_FLOOR = 0.001;

/**
 * The judge's reward: coefficient·log_base(p(correct)) + constant − penalty per round the judge
 * chose to continue. NYU 2023 used base 2, coefficient 1, constant 0 and a 0.05 penalty.
 */
export function judgeReward(probCorrect: number, continues: number, config: RewardConfig): number {
  const p = Math.min(1, Math.max(REWARD_PROBABILITY_FLOOR, probCorrect));
  return (
    (config.coefficient * Math.log(p)) / Math.log(config.logBase) +
    config.constant -
    config.perRoundPenalty * continues
  );
}
