/**
 * The report's agreement section: judgments grouped by the transcript they judged (`transcriptId`,
 * or the trial when a row has none), agreement between all judges of a transcript, and paired
 * comparisons of two arms that judged the same transcripts.
 */
import {
  cohenKappa,
  fleissKappa,
  fleissKappaBootstrap,
  iccOneWay,
  type KappaResult,
  krippendorffAlpha,
  krippendorffAlphaBootstrap,
  type McNemarResult,
  mcnemarTest,
} from './agreement.ts';
import type { BootstrapOptions } from './bootstrap.ts';
import { type BootstrapSummary, bootstrapSummary } from './bootstrap-summary.ts';
import { tooFewClusters } from './estimability.ts';
import { finiteOrNull } from './format.ts';
import type { JudgmentRow } from './judgment.ts';
import { type JudgmentTable, judgmentTable } from './judgment-table.ts';
import type { ReportInterval } from './report-types.ts';

export interface IccSummary {
  estimate: number | null;
  interval: ReportInterval;
  pValue: number | null;
  transcripts: number;
  ratingsPerTranscript: number;
}

export interface AgreementSummary {
  /** Transcripts judged more than once, and their judgments. */
  transcripts: number;
  judgments: number;
  /** Krippendorff's alpha (nominal) on the verdicts (correct answer chosen or not), every transcript judged twice or more. */
  krippendorffAlpha: { estimate: number | null; bootstrap: BootstrapSummary | null };
  /** Fleiss' kappa on the transcripts with the most common number of judgments (`raters`). */
  fleissKappa: {
    estimate: number | null;
    subjects: number;
    raters: number;
    z: number | null;
    pValue: number | null;
    bootstrap: BootstrapSummary | null;
  } | null;
  /** ICC(1) of the judges' probabilities on the correct answer. */
  icc: IccSummary | null;
}

export interface PairedComparison {
  /** Transcripts judged in both arms (the first judgment of each arm when one arm judged one twice). */
  pairs: number;
  bothWon: number;
  onlyFirst: number;
  onlySecond: number;
  neitherWon: number;
  mcnemar: { chiSquare: number | null; pValue: number | null; exactPValue: number };
  /** Agreement of the two arms' verdicts (chose the correct answer or not). */
  cohenKappa: { estimate: number | null; standardError: number | null; interval: ReportInterval };
  /** ICC(1) of the two arms' probabilities on the correct answer. */
  icc: IccSummary | null;
}

function iccSummary(groups: number[][], level: number): IccSummary | null {
  const used = groups.filter((g) => g.length >= 2);
  // a variance between transcripts needs two of them, and some spread within them
  if (used.length < 2) return null;
  const res = iccOneWay(used, level);
  if (!Number.isFinite(res.estimate)) return null;
  return {
    estimate: finiteOrNull(res.estimate),
    interval: { lower: finiteOrNull(res.interval.lower), upper: finiteOrNull(res.interval.upper) },
    pValue: finiteOrNull(res.pValue),
    transcripts: res.groups,
    ratingsPerTranscript: res.ratingsPerGroup,
  };
}

/** Agreement among all judgments of transcripts judged more than once; null when there are none. */
export function agreementSummary(
  rows: readonly JudgmentRow[],
  level: number,
  boot: (label: string) => BootstrapOptions,
): AgreementSummary | null {
  return agreementSummaryOf(judgmentTable(rows), level, boot);
}

/** agreementSummary on the columns of judgment-table.ts. */
export function agreementSummaryOf(
  t: JudgmentTable,
  level: number,
  boot: (label: string) => BootstrapOptions,
): AgreementSummary | null {
  // Without transcript ids every judgment is its own trial's: nothing to compare (and a million rows
  // need no map of them to find that out).
  const keys = t.transcriptKey;
  if (!keys) return null;
  const byTranscript = new Map<string, number[]>();
  for (let i = 0; i < t.n; i++) {
    const key = keys[i]!;
    const list = byTranscript.get(key);
    if (list) list.push(i);
    else byTranscript.set(key, [i]);
  }
  const shared = [...byTranscript.values()].filter((g) => g.length >= 2);
  if (shared.length === 0) return null;
  const verdicts: number[][] = shared.map((g) => g.map((i) => t.correct[i]!));
  const alpha = krippendorffAlpha(verdicts, 2);
  const few = tooFewClusters('bootstrap', 'transcript', shared.length);
  const alphaBoot = few
    ? null
    : bootstrapSummary('transcript', krippendorffAlphaBootstrap(verdicts, 2, boot('alpha')), 0, 'alpha');
  // Fleiss' kappa needs a fixed number of ratings per subject: the most common one
  const sizes = new Map<number, number>();
  for (const g of shared) sizes.set(g.length, (sizes.get(g.length) ?? 0) + 1);
  const [raters] = [...sizes].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]!;
  const fixed = verdicts
    .filter((v) => v.length === raters)
    .map((v) => [v.length - v.reduce((s, x) => s + x, 0), v.reduce((s, x) => s + x, 0)]);
  let fleiss: AgreementSummary['fleissKappa'] = null;
  if (fixed.length >= 2) {
    const f = fleissKappa(fixed);
    const fewF = tooFewClusters('bootstrap', 'transcript', fixed.length);
    fleiss = {
      estimate: finiteOrNull(f.estimate),
      subjects: f.subjects,
      raters: f.raters,
      z: finiteOrNull(f.z),
      pValue: finiteOrNull(f.pValue),
      bootstrap:
        fewF || !Number.isFinite(f.estimate)
          ? null
          : bootstrapSummary('transcript', fleissKappaBootstrap(fixed, boot('fleiss')), 0, 'kappa'),
    };
  }
  return {
    transcripts: shared.length,
    judgments: shared.reduce((s, g) => s + g.length, 0),
    krippendorffAlpha: {
      estimate: finiteOrNull(alpha),
      bootstrap: Number.isFinite(alpha) ? alphaBoot : null,
    },
    fleissKappa: fleiss,
    icc: iccSummary(
      shared.map((g) => g.map((i) => t.probCorrect[i]!)),
      level,
    ),
  };
}

/** Two arms on the transcripts both judged, or null when they share none. */
export function pairedComparison(
  rows: readonly JudgmentRow[],
  first: Int32Array,
  second: Int32Array,
  level: number,
): PairedComparison | null {
  return pairedComparisonOf(judgmentTable(rows), first, second, level);
}

/** pairedComparison on the columns of judgment-table.ts. */
export function pairedComparisonOf(
  t: JudgmentTable,
  first: Int32Array,
  second: Int32Array,
  level: number,
): PairedComparison | null {
  const keys = t.transcriptKey;
  const has = t.hasTranscriptId;
  if (!keys || !has) return null;
  // two arms share a transcript only through transcript ids (a trial is in one arm)
  const shared = (idx: Int32Array) => {
    for (const i of idx) if (has[i]) return true;
    return false;
  };
  if (!shared(first) && !shared(second)) return null;
  const firstOf = new Map<string, number>();
  for (const i of first) {
    const key = keys[i]!;
    if (!firstOf.has(key)) firstOf.set(key, i);
  }
  const pairs: [number, number][] = [];
  const seen = new Set<string>();
  for (const j of second) {
    const key = keys[j]!;
    const i = firstOf.get(key);
    if (i === undefined || seen.has(key)) continue;
    seen.add(key);
    pairs.push([i, j]);
  }
  if (pairs.length === 0) return null;
  let both = 0;
  let onlyFirst = 0;
  let onlySecond = 0;
  let neither = 0;
  for (const [i, j] of pairs) {
    const a = t.correct[i] === 1;
    const b = t.correct[j] === 1;
    if (a && b) both++;
    else if (a) onlyFirst++;
    else if (b) onlySecond++;
    else neither++;
  }
  const m: McNemarResult = mcnemarTest(onlyFirst, onlySecond);
  const k: KappaResult = cohenKappa(
    [
      [both, onlyFirst],
      [onlySecond, neither],
    ],
    level,
  );
  return {
    pairs: pairs.length,
    bothWon: both,
    onlyFirst,
    onlySecond,
    neitherWon: neither,
    mcnemar: {
      chiSquare: finiteOrNull(m.chiSquare),
      pValue: finiteOrNull(m.pValue),
      exactPValue: m.exactPValue,
    },
    cohenKappa: {
      estimate: finiteOrNull(k.estimate),
      standardError: finiteOrNull(k.standardError),
      interval: { lower: finiteOrNull(k.interval.lower), upper: finiteOrNull(k.interval.upper) },
    },
    icc: iccSummary(
      pairs.map(([i, j]) => [t.probCorrect[i]!, t.probCorrect[j]!]),
      level,
    ),
  };
}
