import { describe, expect, it } from 'vitest';
import {
  baseBonus,
  bonusFor,
  describePaymentRule,
  designWarnings,
  type ExperimentConfigInput,
  ExperimentConfigSchema,
  formatMinor,
  formatMoney,
  judgeReward,
  type PaymentRule,
} from '../src/index.ts';

const rule: PaymentRule = {
  platform: 'prolific',
  currency: 'GBP',
  base: 1,
  ratePerPoint: 0.25,
  floor: 0.5,
  cap: 3,
};

describe('bonusFor: clamp(base + rate × Σ rewards, floor, cap) in minor units', () => {
  it('adds the rate times the summed rewards to the base', () => {
    const b = bonusFor(rule, [2, 1.5, -0.5]);
    expect(b.points).toBeCloseTo(3);
    expect(b.minor).toBe(175);
    expect(b.amount).toBe(1.75);
    expect(b.clamped).toBeNull();
  });

  it('holds the bonus at the floor and the cap, and says so', () => {
    expect(bonusFor(rule, [-10])).toMatchObject({ minor: 50, clamped: 'floor' });
    expect(bonusFor(rule, [100])).toMatchObject({ minor: 300, clamped: 'cap' });
  });

  it('gives the base to a person with no rewards (one who only argued)', () => {
    expect(bonusFor(rule, [])).toMatchObject({ points: 0, minor: 100 });
  });

  it('rounds half away from zero at the currency unit, with no binary-fraction slip', () => {
    // 1.005 × 100 is 100.49999999999999 in binary floating point; meant as 100.5 pence.
    expect(bonusFor({ ...rule, base: 1.005, ratePerPoint: 0, floor: 0 }, []).minor).toBe(101);
    expect(bonusFor({ ...rule, base: 0, ratePerPoint: 0.001, floor: 0 }, [4]).minor).toBe(0);
    expect(bonusFor({ ...rule, base: 0, ratePerPoint: 0.001, floor: 0 }, [5]).minor).toBe(1);
  });

  it('rounds to whole yen (no minor unit)', () => {
    expect(
      bonusFor({ ...rule, currency: 'JPY', base: 100, ratePerPoint: 12.4, floor: 0, cap: 1000 }, [1]),
    ).toMatchObject({
      minor: 112,
      amount: 112,
    });
  });

  it('pays by the NYU log score as the reward rule computes it', () => {
    // Two verdicts: 90% on the truth after one continue, then 40% on it at once.
    const rewards = [judgeReward(0.9, 1), judgeReward(0.4, 0)];
    const b = bonusFor({ ...rule, floor: 0 }, rewards);
    const expected = 1 + 0.25 * (Math.log2(0.9) - 0.05 + Math.log2(0.4));
    expect(b.minor).toBe(Math.round(expected * 100));
  });

  it('refuses a reward that is not a number', () => {
    expect(() => bonusFor(rule, [Number.NaN])).toThrow(/finite/);
  });

  it('gives an excluded judge the base alone, clamped the same way', () => {
    expect(baseBonus(rule).minor).toBe(100);
    expect(baseBonus({ ...rule, base: 0 }).minor).toBe(50);
  });

  it('writes amounts as the platforms read them and as people read them', () => {
    expect(formatMinor(185, 'GBP')).toBe('1.85');
    expect(formatMinor(7, 'USD')).toBe('0.07');
    expect(formatMinor(300, 'JPY')).toBe('300');
    expect(formatMoney(185, 'GBP')).toBe('£1.85');
    expect(formatMoney(7, 'USD')).toBe('US$0.07');
    expect(describePaymentRule(rule)).toBe('£1.00 plus £0.25 per point of reward, between £0.50 and £3.00');
  });
});

describe('payment in the config', () => {
  const base: ExperimentConfigInput = {
    name: 'paid',
    seed: 'paid',
    judges: [{ name: 'people', participant: { kind: 'human' } }],
    arms: [{ name: 'debate', protocol: 'debate' }],
  };
  const issues = (input: Record<string, unknown>) => {
    const parsed = ExperimentConfigSchema.safeParse({ ...base, ...input });
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes a complete rule', () => {
    expect(issues({ payment: rule })).toEqual([]);
  });

  it('names the field and the fix for each mistake', () => {
    expect(issues({ payment: { ...rule, floor: 4 } })).toEqual([
      'payment.floor: the floor (4) is above the cap (3); lower the floor or raise the cap',
    ]);
    expect(issues({ payment: { ...rule, platform: 'mturk' } })[0]).toMatch(
      /^payment.currency: MTurk pays bonuses in US dollars only; set payment.currency to "USD"/,
    );
    expect(issues({ payment: { ...rule, currency: 'gbp' } })[0]).toMatch(
      /^payment.currency: a currency is a three-letter/,
    );
    expect(issues({ payment: { ...rule, currency: 'XYZ' } })[0]).toMatch(
      /^payment.currency: "XYZ" is not an ISO 4217 currency code/,
    );
    expect(issues({ payment: { ...rule, base: 1.234 } })[0]).toMatch(
      /^payment.base: 1.234 has more decimals than GBP pays \(2\).*1\.23/,
    );
    expect(issues({ payment: { ...rule, ratePerPoint: -1 } })[0]).toMatch(/^payment.ratePerPoint/);
    expect(issues({ payment: { ...rule, platfrom: 'x' } })[0]).toMatch(/platfrom/);
  });

  it('asks what excluded judges are paid when exclusion rules are set', () => {
    const qc = {
      attentionChecks: [{ question: 'read', expected: 3 }],
      exclude: { attentionChecks: { maxFailed: 0 } },
    };
    const survey = [{ id: 'read', question: 'To show you read this, choose 3.' }];
    expect(issues({ payment: rule, qualityControl: qc, survey })).toEqual([
      expect.stringMatching(
        /^payment.excludedJudges: qualityControl.exclude may exclude judges: say what they are paid, "base".*"nothing"/,
      ),
    ]);
    expect(issues({ payment: { ...rule, excludedJudges: 'nothing' }, qualityControl: qc, survey })).toEqual(
      [],
    );
  });

  it('keeps the hash of a config without payment: nothing is added by parsing', () => {
    const parsed = ExperimentConfigSchema.parse(base);
    expect('payment' in parsed).toBe(false);
    expect('qualityControl' in parsed).toBe(false);
  });
});

describe('payment design warnings', () => {
  const config = {
    name: 'paid',
    seed: 'paid',
    judges: [{ name: 'people', participant: { kind: 'human' } }],
    arms: [{ name: 'debate', protocol: 'debate' }],
    payment: rule,
  } as ExperimentConfigInput;

  it('warns when every verdict can only lower the bonus (a log score with no constant)', () => {
    expect(designWarnings(config, 100).map((w) => w.field)).toEqual(['payment.ratePerPoint']);
    expect(designWarnings({ ...config, reward: { constant: 1 } }, 100)).toEqual([]);
  });
});
