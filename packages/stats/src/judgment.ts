/** One judgment: the unit of analysis (one judge's final verdict on one trial). */

export const PROTOCOLS = [
  'debate',
  'interactive-debate',
  'consultancy',
  'sandwiching',
  'judge-alone',
  'oracle',
] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface JudgmentRow {
  trialId: string;
  /** Experimental arm (e.g. 'human-debate'); an arm has one protocol. */
  arm: string;
  protocol: Protocol;
  questionId: string;
  storyId: string;
  judgeId: string;
  /** Consultancy/sandwiching: was the single arguer assigned the correct answer; null otherwise. */
  arguerHonest: boolean | null;
  /** How misalignment was induced (e.g. 'prompted', 'best-of-n'); null for none. */
  induction: string | null;
  honestArguerId: string | null;
  dishonestArguerId: string | null;
  /** The judge's final probability on the correct answer. */
  probCorrect: number;
  /** probCorrect > 0.5. */
  correct: boolean;
  /** Number of judge "continue" decisions. */
  rounds: number;
  reward: number;
  /** Probability on the correct answer after each judge turn; the final one last. */
  beliefs: number[];
}

/** Protocols with a single arguer whose honesty varies between trials. */
export function isSingleArguerProtocol(p: Protocol): boolean {
  return p === 'consultancy' || p === 'sandwiching';
}

/** Protocols with two opposing arguers. */
export function isDebateProtocol(p: Protocol): boolean {
  return p === 'debate' || p === 'interactive-debate';
}

/** Protocols without arguers (baselines). */
export function isBaselineProtocol(p: Protocol): boolean {
  return p === 'judge-alone' || p === 'oracle';
}

/** The word for the arguers of a protocol, plural. */
export function arguerNoun(p: Protocol): string {
  switch (p) {
    case 'debate':
    case 'interactive-debate':
      return 'debaters';
    case 'consultancy':
      return 'consultants';
    case 'sandwiching':
      return 'assistants';
    case 'judge-alone':
      return 'judges alone';
    case 'oracle':
      return 'judges with the source text';
  }
}
