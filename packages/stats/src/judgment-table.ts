/**
 * Judgments as columns: one pass turns row objects into typed arrays and small integer codes, and
 * every per-judgment statistic then reads those. A million row objects are some 400 MB scattered
 * over the heap, in several shapes (optional fields present in some rows and not others); each
 * statistic that walked them (beliefs, bits per turn, the leaderboard, participants, ratings) paid
 * for the cache misses and the polymorphic property loads again. The columns are ~60 bytes a
 * judgment, read in order.
 *
 * Codes are given in order of first appearance, so anything that used to be keyed by a Map of
 * strings in row order (players, judges, groups) comes out in the same order from the codes.
 */
import type { JudgmentRow, Protocol } from './judgment.ts';
import { PROTOCOLS } from './judgment.ts';
import { participantLabel } from './participants.ts';

export interface JudgmentTable {
  n: number;
  /** Arms in order of first appearance, with the protocol of each arm's first judgment. */
  armNames: string[];
  armFirstProtocol: Protocol[];
  arm: Int32Array;
  /** Index into PROTOCOLS of each judgment's protocol (−1 for a name it does not know). */
  protocol: Int8Array;
  judgeNames: string[];
  judge: Int32Array;
  questionNames: string[];
  question: Int32Array;
  storyNames: string[];
  story: Int32Array;
  /** 1 when the correct answer won. */
  correct: Uint8Array;
  probCorrect: Float64Array;
  reward: Float64Array;
  /** Rounds the judge chose to continue. */
  rounds: Float64Array;
  /** The beliefs of judgment i are beliefs[beliefStart[i] .. beliefStart[i + 1]). */
  beliefStart: Int32Array;
  beliefs: Float64Array;
  /** 1 honest, 0 dishonest, −1 null (not a single-arguer judgment). */
  arguerHonest: Int8Array;
  /** Induction codes; inductionNames[code] may be null (no induction). */
  inductionNames: (string | null)[];
  induction: Int32Array;
  /** Arguer ids (−1 for null), one code space for both columns. */
  arguerNames: string[];
  honestArguer: Int32Array;
  dishonestArguer: Int32Array;
  /** Participant labels ("simulated", "person", "model gpt-4o", "not recorded", …), one code space. */
  labelNames: string[];
  judgeLabel: Int32Array;
  honestLabel: Int32Array;
  dishonestLabel: Int32Array;
  trialId: string[];
  /**
   * transcriptId ?? trialId per judgment, only when some judgment has a transcriptId (otherwise no
   * two judgments share a transcript and nothing needs the keys).
   */
  transcriptKey: string[] | null;
  hasTranscriptId: Uint8Array | null;
}

/** Codes for strings, by first appearance, with a one-entry cache for runs of the same value. */
class Codes<T extends string | null> {
  readonly names: T[] = [];
  private readonly index = new Map<T, number>();
  private last: T | undefined = undefined;
  private lastCode = -1;
  code(v: T): number {
    if (v === this.last) return this.lastCode;
    let c = this.index.get(v);
    if (c === undefined) {
      c = this.names.length;
      this.index.set(v, c);
      this.names.push(v);
    }
    this.last = v;
    this.lastCode = c;
    return c;
  }
}

/** Labels of (kind, model) pairs, with a one-entry cache per column. */
class Labels {
  constructor(private readonly codes: Codes<string>) {}
  private lastKind: unknown = {};
  private lastModel: unknown = {};
  private lastCode = -1;
  code(kind: string | null | undefined, model: string | null | undefined): number {
    if (kind === this.lastKind && model === this.lastModel) return this.lastCode;
    this.lastKind = kind;
    this.lastModel = model;
    this.lastCode = this.codes.code(participantLabel(kind, model));
    return this.lastCode;
  }
}

const protocolIndex = new Map<string, number>(PROTOCOLS.map((p, i) => [p, i]));

/** The columns of `rows` (no validation: analyzeExperiment checks its rows as it reads them). */
export function judgmentTable(rows: readonly JudgmentRow[]): JudgmentTable {
  return buildJudgmentTable(rows, null);
}

/**
 * The columns, and (when `check` is given) each row checked as it is read: `check(i, row)` is
 * called for every row in order before its values are used.
 */
export function buildJudgmentTable(
  rows: readonly JudgmentRow[],
  check: ((i: number, r: JudgmentRow) => void) | null,
): JudgmentTable {
  const n = rows.length;
  const arms = new Codes<string>();
  const armFirstProtocol: Protocol[] = [];
  const judges = new Codes<string>();
  const questions = new Codes<string>();
  const stories = new Codes<string>();
  const inductions = new Codes<string | null>();
  const arguers = new Codes<string>();
  // one label space, three caches (the columns change independently)
  const labelCodes = new Codes<string>();
  const judgeLabels = new Labels(labelCodes);
  const honestLabels = new Labels(labelCodes);
  const dishonestLabels = new Labels(labelCodes);
  const t: JudgmentTable = {
    n,
    armNames: arms.names,
    armFirstProtocol,
    arm: new Int32Array(n),
    protocol: new Int8Array(n),
    judgeNames: judges.names,
    judge: new Int32Array(n),
    questionNames: questions.names,
    question: new Int32Array(n),
    storyNames: stories.names,
    story: new Int32Array(n),
    correct: new Uint8Array(n),
    probCorrect: new Float64Array(n),
    reward: new Float64Array(n),
    rounds: new Float64Array(n),
    beliefStart: new Int32Array(n + 1),
    beliefs: new Float64Array(0),
    arguerHonest: new Int8Array(n),
    inductionNames: inductions.names,
    induction: new Int32Array(n),
    arguerNames: arguers.names,
    honestArguer: new Int32Array(n),
    dishonestArguer: new Int32Array(n),
    labelNames: labelCodes.names,
    judgeLabel: new Int32Array(n),
    honestLabel: new Int32Array(n),
    dishonestLabel: new Int32Array(n),
    trialId: new Array<string>(n),
    transcriptKey: null,
    hasTranscriptId: null,
  };
  let beliefCount = 0;
  let anyTranscript = false;
  let lastProtocol: string | undefined;
  let lastProtocolCode = -1;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    if (check) check(i, r);
    const a = arms.code(r.arm);
    if (a === armFirstProtocol.length) armFirstProtocol.push(r.protocol);
    t.arm[i] = a;
    if (r.protocol !== lastProtocol) {
      lastProtocol = r.protocol;
      lastProtocolCode = protocolIndex.get(r.protocol) ?? -1;
    }
    t.protocol[i] = lastProtocolCode;
    t.judge[i] = judges.code(r.judgeId);
    t.question[i] = questions.code(r.questionId);
    t.story[i] = stories.code(r.storyId);
    t.correct[i] = r.correct ? 1 : 0;
    t.probCorrect[i] = r.probCorrect;
    t.reward[i] = r.reward;
    t.rounds[i] = r.rounds;
    beliefCount += r.beliefs.length;
    t.beliefStart[i + 1] = beliefCount;
    t.arguerHonest[i] = r.arguerHonest === null ? -1 : r.arguerHonest ? 1 : 0;
    t.induction[i] = inductions.code(r.induction);
    t.honestArguer[i] = r.honestArguerId === null ? -1 : arguers.code(r.honestArguerId);
    t.dishonestArguer[i] = r.dishonestArguerId === null ? -1 : arguers.code(r.dishonestArguerId);
    t.judgeLabel[i] = judgeLabels.code(r.judgeKind, r.judgeModel);
    t.honestLabel[i] = honestLabels.code(r.honestArguerKind, r.honestArguerModel);
    t.dishonestLabel[i] = dishonestLabels.code(r.dishonestArguerKind, r.dishonestArguerModel);
    t.trialId[i] = r.trialId;
    if (r.transcriptId) anyTranscript = true;
  }
  const beliefs = new Float64Array(beliefCount);
  for (let i = 0, at = 0; i < n; i++) {
    const b = rows[i]!.beliefs;
    for (let k = 0; k < b.length; k++) beliefs[at++] = b[k]!;
  }
  t.beliefs = beliefs;
  if (anyTranscript) {
    const keys = new Array<string>(n);
    const has = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      keys[i] = r.transcriptId ?? r.trialId;
      has[i] = r.transcriptId ? 1 : 0;
    }
    t.transcriptKey = keys;
    t.hasTranscriptId = has;
  }
  return t;
}

/** All judgment indices 0 … n − 1. */
export function allIndices(n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx;
}
