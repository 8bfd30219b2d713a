import { createHash } from 'node:crypto';

/**
 * Train / validation / test by story, so a model trained on the export is never evaluated on a
 * story it read in training. Each story's split is a function of the seed and its id alone (a hash
 * read as a fraction in [0, 1)), not of which other stories are exported: adding an experiment or
 * exporting another side never moves a story to another split, so exports made at different times
 * with one seed agree.
 */

export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface SplitRule {
  seed: string;
  /** Fractions of stories, summing to 1. */
  fractions: Record<Split, number>;
}

export const DEFAULT_SPLIT: SplitRule = {
  seed: 'oversight-training-data',
  fractions: { train: 0.8, validation: 0.1, test: 0.1 },
};

export const SPLIT_METHOD =
  'sha256("<seed>/<storyId>"), first 6 bytes as a fraction of 2^48: train below the train fraction, validation below train + validation, else test';

/** Where the story falls in [0, 1). Six bytes, so the fraction is exact in a double. */
export function storyPoint(seed: string, storyId: string): number {
  return createHash('sha256').update(`${seed}/${storyId}`).digest().readUIntBE(0, 6) / 2 ** 48;
}

export function storySplit(rule: SplitRule, storyId: string): Split {
  const point = storyPoint(rule.seed, storyId);
  if (point < rule.fractions.train) return 'train';
  if (point < rule.fractions.train + rule.fractions.validation) return 'validation';
  return 'test';
}

/** `0.8,0.1,0.1` as train, validation and test fractions; a message saying what is wrong otherwise. */
export function parseFractions(text: string): Record<Split, number> | string {
  const parts = text.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.length !== 3 || values.some((v, i) => parts[i] === '' || !Number.isFinite(v) || v < 0 || v > 1))
    return `give three fractions for train, validation and test, e.g. 0.8,0.1,0.1 (got "${text}")`;
  const sum = values[0]! + values[1]! + values[2]!;
  if (Math.abs(sum - 1) > 1e-9) return `the three fractions must sum to 1 (they sum to ${sum})`;
  return { train: values[0]!, validation: values[1]!, test: values[2]! };
}
