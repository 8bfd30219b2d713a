/**
 * What a person types for their credence, at the terminal or in a chat modal, turned into a
 * probability per answer, unambiguously: "70", "70%" and "0.7" must not be confused (a stored 0.007
 * where 70% was meant costs the judge and the data). One rule for every place people type numbers.
 */

export type CredenceResult =
  | {
      ok: true;
      probabilities: number[];
      /** Near certainty (95% or more on one answer): confirm before recording, a slip costs a lot. */
      extreme: boolean;
      /** What will be recorded, in words: "A 70%, B 30%". */
      echo: string;
    }
  | { ok: false; error: string };

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** "A 70%, B 30%" */
export function describeCredence(probabilities: readonly number[]): string {
  return probabilities.map((p, i) => `${LETTERS[i]} ${formatPercent(p)}`).join(', ');
}

function formatPercent(p: number): string {
  const pct = p * 100;
  return `${Number.isInteger(Math.round(pct * 10) / 10) ? Math.round(pct) : (Math.round(pct * 10) / 10).toString()}%`;
}

const NUMBER = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*(%?)\s*$/;

interface Token {
  value: number;
  percent: boolean;
  text: string;
}

function tokens(input: string | readonly string[]): Token[] | string {
  const parts =
    typeof input === 'string' ? input.split(/[\s,;/]+(?=[\d.])/).filter((p) => p.trim() !== '') : [...input];
  const out: Token[] = [];
  for (const part of parts) {
    const m = NUMBER.exec(part);
    if (!m) return `"${part.trim()}" is not a number; type a percentage such as 70 or 70%`;
    out.push({ value: Number(m[1]), percent: m[2] === '%', text: part.trim() });
  }
  return out;
}

/**
 * Parses one percentage for answer A when there are two answers (B gets the rest), or one
 * percentage per answer. A lone number between 0 and 1 without "%" is refused as ambiguous (0.7:
 * 70% or 0.7%?); per-answer numbers may also be fractions if they add up to 1.
 */
export function parseCredence(input: string | readonly string[], answers: number): CredenceResult {
  const parsed = tokens(input);
  if (typeof parsed === 'string') return { ok: false, error: parsed };
  if (parsed.length === 0) return { ok: false, error: 'type a percentage, such as 70' };
  let probabilities: number[];
  if (parsed.length === 1 && answers === 2) {
    const [t] = parsed as [Token];
    if (!t.percent && t.value > 0 && t.value < 1)
      return {
        ok: false,
        error: `"${t.text}" is ambiguous: for 70% type 70; for less than one percent type ${t.text}%`,
      };
    if (t.value > 100) return { ok: false, error: `${t.text} is more than 100%` };
    probabilities = [t.value / 100, 1 - t.value / 100];
  } else if (parsed.length === answers) {
    const sum = parsed.reduce((a, t) => a + t.value, 0);
    const fractions = parsed.every((t) => !t.percent) && Math.abs(sum - 1) <= 0.01;
    if (!fractions && Math.abs(sum - 100) > 1)
      return {
        ok: false,
        error: `the percentages add up to ${Math.round(sum * 100) / 100}; they must add up to 100`,
      };
    probabilities = parsed.map((t) => (fractions ? t.value : t.value / 100));
    const total = probabilities.reduce((a, b) => a + b, 0);
    probabilities = probabilities.map((p) => p / total);
  } else {
    return {
      ok: false,
      error:
        answers === 2
          ? 'type one percentage, for answer A (B gets the rest), or one for each answer'
          : `type ${answers} percentages, one for each answer, adding up to 100`,
    };
  }
  if (probabilities.some((p) => p < 0 || p > 1))
    return { ok: false, error: 'each percentage must be from 0 to 100' };
  probabilities = probabilities.map((p) => Math.round(p * 1e6) / 1e6);
  return {
    ok: true,
    probabilities,
    extreme: Math.max(...probabilities) >= 0.95,
    echo: describeCredence(probabilities),
  };
}

/** The credences a chat select offers for two answers: p(A) from 5% to 95% in 5% steps. */
export const CREDENCE_STEPS: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) * 5);
