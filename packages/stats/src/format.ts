/** Number formatting shared by the verdict sentences, the text table and the HTML report. */

const MINUS = '\u2212';

function signed(s: string): string {
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

/** 0.8441 → "84.4" (percentage points, one decimal). */
export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return signed((x * 100).toFixed(digits));
}

/** Interval as "77.9–89.3" in percent, or "−0.1 to 20.7" when a bound is negative. */
export function pctInterval(
  i: { lower: number | null; upper: number | null } | null | undefined,
  digits = 1,
): string {
  if (!i || i.lower === null || i.upper === null || !Number.isFinite(i.lower) || !Number.isFinite(i.upper)) {
    return '–';
  }
  const l = pct(i.lower, digits);
  const u = pct(i.upper, digits);
  return i.lower < 0 || i.upper < 0 ? `${l} to ${u}` : `${l}–${u}`;
}

/** p-value with its relation: "< 0.001", "= 0.043", "= 0.23". */
export function pValueText(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '= –';
  if (p < 0.001) return '< 0.001';
  return `= ${formatP(p)}`;
}

/** p-value alone: "<0.001", "0.043", "0.23", "1.00". */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p < 0.001) return '<0.001';
  if (p < 0.1) return p.toFixed(3);
  return p.toFixed(2);
}

/** Fixed decimals with a real minus sign. */
export function fixed(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return signed(x.toFixed(digits));
}

/** Upper-case the first letter. */
export function capitalise(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** NaN and ±Infinity become null so that the report is plain JSON. */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
