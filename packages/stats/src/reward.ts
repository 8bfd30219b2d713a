/**
 * Judge reward: a proper log score with a per-round penalty, as in NYU's debate platform
 * (Michael et al. 2023): reward = coefficient · log_base(max(p, ε)) + constant − penalty · continues.
 * NYU used base 2, coefficient 1, constant 0, penalty 0.05, and its interface kept probabilities
 * within [1%, 99%], hence the default ε = 0.01 (NYU's logged judgeReward values satisfy this rule
 * exactly, e.g. p = 0.99 after 4 continues → log2(0.99) − 0.2 = −0.2145).
 */

export interface JudgeRewardRule {
  coefficient: number;
  base: number;
  constant: number;
  perRoundPenalty: number;
  /** Probabilities are clamped below at ε so that log(0) cannot occur. */
  epsilon: number;
}

export const NYU_REWARD_RULE: JudgeRewardRule = {
  coefficient: 1,
  base: 2,
  constant: 0,
  perRoundPenalty: 0.05,
  epsilon: 0.01,
};

/** Reward for a judge who put `probCorrect` on the correct answer after `continues` continue decisions. */
export function judgeReward(
  probCorrect: number,
  continues: number,
  rule: Partial<JudgeRewardRule> = {},
): number {
  const r = { ...NYU_REWARD_RULE, ...rule };
  if (!(probCorrect >= 0 && probCorrect <= 1))
    throw new RangeError(`probCorrect must be in [0, 1], got ${probCorrect}`);
  if (!(r.epsilon > 0 && r.epsilon < 1)) throw new RangeError('epsilon must be in (0, 1)');
  const p = Math.max(r.epsilon, probCorrect);
  return (r.coefficient * Math.log(p)) / Math.log(r.base) + r.constant - r.perRoundPenalty * continues;
}
