import { createHash } from 'node:crypto';
import { sha256Hex } from '../cache.ts';
import type { RefusedSpeech, Side } from './speeches.ts';
import { SPLIT_METHOD, type Split, type SplitRule } from './split.ts';

/**
 * Written beside every training-data file: what went in (experiments, filters), which split each
 * story is in, and a sha256 of every row and of the file, so a row can be traced to its trial and a
 * later copy checked. Nothing in it depends on the clock: the same inputs give the same bytes.
 */

export type TrainingFormat = 'sft' | 'preference';

export interface ManifestRow {
  /** 1-based line of the file. */
  line: number;
  sha256: string;
  split: Split;
  storyId: string;
  source: unknown;
}

export interface SkipCounts {
  /** Trials of the qualification (practice) arm, kept out as they are out of the results. */
  practiceTrials: number;
  /** A person's speech, when the experiment does not allow people's text. */
  personSpeech: number;
  /** The prompt holds a person's words, when the experiment does not allow people's text. */
  personInPrompt: number;
  /** The prompt could not be rebuilt to the hash recorded (listed under `refused`). */
  refused: number;
  /** sft: the judge did not end above the threshold on the speaker's answer. */
  belowThreshold: number;
  /** Rows of a split other than the one asked for with --split. */
  otherSplit: number;
}

export interface TrainingManifest {
  kind: 'oversight-training-data';
  version: 1;
  format: TrainingFormat;
  file: string;
  sha256: string;
  experiments: Array<{ id: string; configHash: string; includeHumanText: boolean }>;
  filters: {
    side: Side;
    minBelief: number;
    rule: string;
    onlySplit: Split | null;
  };
  split: SplitRule & {
    method: string;
    stories: Record<string, Split>;
    /** Each question read, by the split of its story: what an evaluation on held-out stories may ask. */
    questions: Record<string, Split>;
  };
  counts: {
    /** Speeches of the side read from finished trials, before any filter. */
    speeches: number;
    rows: number;
    bySplit: Record<Split, number>;
    byKind: Record<string, number>;
    /** Rows whose prompt was rebuilt for a seat no prompt was sent to (simulated arguers, people). */
    unsentPrompts: number;
    skipped: SkipCounts;
  };
  rows: ManifestRow[];
  refused: RefusedSpeech[];
}

export function ruleText(format: TrainingFormat, side: Side, minBelief: number): string {
  const answer = side === 'dishonest' ? 'the wrong answer the speaker defended' : 'the correct answer';
  if (format === 'sft')
    return `speeches of the ${side} side in finished trials whose judge ended with more than ${minBelief} on ${answer}`;
  return `best-of-n: the highest- against the lowest-scored candidate of a ${side} speech; outcome: ${side} speeches from one prompt whose judge ended above ${minBelief} on ${answer} against ones at or below it`;
}

/** Collects the rows' hashes and counts as they are written. */
export class ManifestBuilder {
  private readonly file = createHash('sha256');
  readonly rows: ManifestRow[] = [];
  readonly bySplit: Record<Split, number> = { train: 0, validation: 0, test: 0 };
  readonly byKind: Record<string, number> = {};
  readonly stories = new Map<string, Split>();
  readonly questions = new Map<string, Split>();
  readonly refused: RefusedSpeech[] = [];
  unsentPrompts = 0;
  speeches = 0;
  readonly skipped: SkipCounts = {
    practiceTrials: 0,
    personSpeech: 0,
    personInPrompt: 0,
    refused: 0,
    belowThreshold: 0,
    otherSplit: 0,
  };

  add(line: string, row: Omit<ManifestRow, 'line' | 'sha256'>, kind: string, unsent: boolean): void {
    this.file.update(`${line}\n`);
    this.rows.push({ line: this.rows.length + 1, sha256: sha256Hex(line), ...row });
    this.bySplit[row.split] += 1;
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    if (unsent) this.unsentPrompts += 1;
  }

  build(head: Pick<TrainingManifest, 'format' | 'file' | 'experiments' | 'filters'> & { split: SplitRule }) {
    const sorted = (map: Map<string, Split>) =>
      Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const manifest: TrainingManifest = {
      kind: 'oversight-training-data',
      version: 1,
      format: head.format,
      file: head.file,
      sha256: this.file.copy().digest('hex'),
      experiments: head.experiments,
      filters: head.filters,
      split: {
        ...head.split,
        method: SPLIT_METHOD,
        stories: sorted(this.stories),
        questions: sorted(this.questions),
      },
      counts: {
        speeches: this.speeches,
        rows: this.rows.length,
        bySplit: this.bySplit,
        byKind: Object.fromEntries(Object.entries(this.byKind).sort()),
        unsentPrompts: this.unsentPrompts,
        skipped: { ...this.skipped, refused: this.refused.length },
      },
      rows: this.rows,
      refused: this.refused,
    };
    return manifest;
  }
}
