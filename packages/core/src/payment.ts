import { z } from 'zod';

/**
 * How a person's rewards turn into money, pre-registered with the experiment: what the consent told
 * them, what `oversight pay` pays and what the chat apps and the web show as "it will pay". One rule
 * (`bonusFor`) serves all of them, so what a person is shown is what they are paid.
 */
export const PaymentRuleSchema = z.strictObject({
  /** Where the bonuses are paid: Prolific's bulk bonus, MTurk's SendBonus, or outside the tool ('none'). */
  platform: z.enum(['prolific', 'mturk', 'none']),
  /** ISO 4217 code; the bonus is rounded to its minor unit (cents, pence; none for JPY). */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'a currency is a three-letter ISO 4217 code in capitals, e.g. "GBP" or "USD"'),
  /** Paid to everyone who finished a trial, before the rate. */
  base: z.number().min(0),
  /** Money per point of the judge's summed rewards (the experiment's `reward` rule; log score by default). */
  ratePerPoint: z.number().min(0),
  /** The bonus is never below this, nor above `cap`. */
  floor: z.number().min(0).default(0),
  cap: z.number().positive(),
  /**
   * A judge excluded by the pre-registered quality-control rules is paid the base only, or nothing.
   * Required when `qualityControl.exclude` has rules: the consent must say which.
   */
  excludedJudges: z.enum(['base', 'nothing']).optional(),
});
export type PaymentRule = z.infer<typeof PaymentRuleSchema>;
export type PaymentRuleInput = z.input<typeof PaymentRuleSchema>;

/** Digits after the point in the currency's minor unit (2 for GBP and USD, 0 for JPY), from the ICU data. */
export function currencyDigits(currency: string): number {
  // Intl formats any well-formed code (XYZ with 2 digits), so check the list of real ones first.
  if (!Intl.supportedValuesOf('currency').includes(currency))
    throw new RangeError(`"${currency}" is not an ISO 4217 currency code; use one such as GBP or USD`);
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits as number;
}

export interface Bonus {
  /** The rewards summed: the points the rate applies to. */
  points: number;
  /** The bonus in minor units (cents, pence): integers, so sums and differences are exact. */
  minor: number;
  /** The same in the currency's units, e.g. 1.85. */
  amount: number;
  currency: string;
  /** The unrounded base + rate × points was held at the floor or the cap. */
  clamped: 'floor' | 'cap' | null;
}

/**
 * The bonus for a person's rewards: clamp(base + rate × Σ rewards, floor, cap), rounded to the
 * currency's minor unit (half away from zero). The rewards are those of their finished judgments by
 * the experiment's one reward rule (`rewardOf`); a person who only argued has none and gets the base.
 */
export function bonusFor(
  rule: Pick<PaymentRule, 'base' | 'ratePerPoint' | 'floor' | 'cap' | 'currency'>,
  rewards: readonly number[],
): Bonus {
  const points = rewards.reduce((a, b) => a + b, 0);
  if (!Number.isFinite(points)) throw new RangeError(`a reward is not a finite number (sum ${points})`);
  const raw = rule.base + rule.ratePerPoint * points;
  const floor = rule.floor ?? 0;
  const clamped = raw < floor ? 'floor' : raw > rule.cap ? 'cap' : null;
  const value = Math.min(rule.cap, Math.max(floor, raw));
  return { points, ...inMinor(value, rule.currency), currency: rule.currency, clamped };
}

/** The base alone (what an excluded judge gets when the rule says 'base'), clamped and rounded the same way. */
export function baseBonus(rule: Pick<PaymentRule, 'base' | 'floor' | 'cap' | 'currency'>): Bonus {
  const value = Math.min(rule.cap, Math.max(rule.floor ?? 0, rule.base));
  return { points: 0, ...inMinor(value, rule.currency), currency: rule.currency, clamped: null };
}

function inMinor(value: number, currency: string): { minor: number; amount: number } {
  const scale = 10 ** currencyDigits(currency);
  // toFixed(9) first: 1.005 * 100 is 100.49999999999999 in binary, and is meant as 100.5.
  const minor = Math.round(Number((value * scale).toFixed(9)));
  return { minor, amount: minor / scale };
}

/** An amount in minor units as the platforms write it: "1.85", "0.07", "300" (JPY). */
export function formatMinor(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (!Number.isInteger(minor)) throw new RangeError(`an amount in minor units must be whole, got ${minor}`);
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  if (digits === 0) return `${sign}${abs}`;
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}

/** An amount for people to read: "£1.85", "$0.07". */
export function formatMoney(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  return new Intl.NumberFormat('en-GB', {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(minor / 10 ** digits);
}

/**
 * The rule in a sentence for a person ("£1.00 plus £0.25 per point of reward, between £0.00 and
 * £5.00"), the same wherever a status is shown.
 */
export function describePaymentRule(rule: PaymentRule): string {
  const m = (x: number) => formatMoney(inMinor(x, rule.currency).minor, rule.currency);
  return `${m(rule.base)} plus ${m(rule.ratePerPoint)} per point of reward, between ${m(rule.floor ?? 0)} and ${m(rule.cap)}`;
}

/**
 * Problems of a payment rule that the schema's field checks cannot see, each with the field and the
 * fix (checked by ExperimentConfigSchema's refinement, before anything is stored).
 */
export function paymentRuleIssues(rule: PaymentRule): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  let digits: number | null = null;
  try {
    digits = currencyDigits(rule.currency);
  } catch (error) {
    issues.push({ path: ['currency'], message: (error as Error).message });
  }
  if ((rule.floor ?? 0) > rule.cap)
    issues.push({
      path: ['floor'],
      message: `the floor (${rule.floor}) is above the cap (${rule.cap}); lower the floor or raise the cap`,
    });
  if (rule.platform === 'mturk' && rule.currency !== 'USD')
    issues.push({
      path: ['currency'],
      message: `MTurk pays bonuses in US dollars only; set payment.currency to "USD" (it is "${rule.currency}")`,
    });
  if (digits !== null)
    for (const field of ['base', 'floor', 'cap'] as const) {
      const value = rule[field] ?? 0;
      const scaled = value * 10 ** digits;
      if (Math.abs(scaled - Math.round(scaled)) > 1e-6)
        issues.push({
          path: [field],
          message: `${value} has more decimals than ${rule.currency} pays (${digits}); write it in whole ${digits ? 'minor units' : 'units'}, e.g. ${(Math.round(scaled) / 10 ** digits).toFixed(digits)}`,
        });
    }
  return issues;
}

/**
 * A person's running reward and, where the experiment pays, what it will pay: "Reward so far 1.25 over
 * 3 verdicts (mean 0.417); it pays £1.38 (£1.00 plus £0.30 per point of reward, between £0.00 and
 * £5.00), before the study's quality checks." The one line Discord, Slack, the web and the terminal show.
 */
export function rewardStatusLine(rewards: readonly number[], rule: PaymentRule | undefined): string {
  const pays = rule
    ? `${formatMoney(bonusFor(rule, rewards).minor, rule.currency)} (${describePaymentRule(rule)}), before the study's quality checks`
    : null;
  if (rewards.length === 0) return pays ? `No verdicts yet: it would pay ${pays}.` : 'No verdicts yet.';
  const total = rewards.reduce((a, b) => a + b, 0);
  return `Reward so far ${total.toFixed(2)} over ${rewards.length} verdict${rewards.length === 1 ? '' : 's'} (mean ${(total / rewards.length).toFixed(3)})${pays ? `; it pays ${pays}` : ''}.`;
}
