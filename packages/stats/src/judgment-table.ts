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
import type { JudgmentRow } from './judgment.ts';
import { participantLabel } from './participants.ts';

export interface JudgmentTable {
  /** Marks a table (analyzeExperiment takes rows or a table). */
  readonly kind: 'judgment-table';
  n: number;
  /** Arms in order of first appearance, with the protocol of each arm's first judgment. */
  armNames: string[];
  armFirstProtocol: string[];
  arm: Int32Array;
  /** Protocol names in order of first appearance (a name no protocol has is kept, for the error). */
  protocolNames: string[];
  protocol: Int32Array;
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

/** Labels of (kind, model) pairs in a shared code space, with a one-entry cache per column. */
class Labels {
  private lastKind: unknown = {};
  private lastModel: unknown = {};
  private lastCode = -1;
  constructor(private readonly codes: Codes<string>) {}
  code(kind: string | null | undefined, model: string | null | undefined): number {
    if (kind === this.lastKind && model === this.lastModel) return this.lastCode;
    this.lastKind = kind;
    this.lastModel = model;
    this.lastCode = this.codes.code(participantLabel(kind, model));
    return this.lastCode;
  }
}

/**
 * A judgment with every field present and empty: the one object a reader fills again for each record
 * it streams (one shape for the engine; the builder copies what it keeps).
 */
export function blankJudgmentRow(): JudgmentRow {
  return {
    trialId: '',
    arm: '',
    protocol: 'debate',
    questionId: '',
    storyId: '',
    judgeId: '',
    arguerHonest: null,
    induction: null,
    honestArguerId: null,
    dishonestArguerId: null,
    probCorrect: 0,
    correct: false,
    rounds: 0,
    reward: 0,
    beliefs: [],
    judgeKind: null,
    judgeModel: null,
    honestArguerKind: null,
    honestArguerModel: null,
    dishonestArguerKind: null,
    dishonestArguerModel: null,
  };
}

/** The fields of a judgment the table keeps (a JudgmentRow has them all). */
export type JudgmentTableRow = Pick<
  JudgmentRow,
  | 'trialId'
  | 'arm'
  | 'protocol'
  | 'questionId'
  | 'storyId'
  | 'judgeId'
  | 'arguerHonest'
  | 'induction'
  | 'honestArguerId'
  | 'dishonestArguerId'
  | 'probCorrect'
  | 'correct'
  | 'rounds'
  | 'reward'
  | 'judgeKind'
  | 'judgeModel'
  | 'honestArguerKind'
  | 'honestArguerModel'
  | 'dishonestArguerKind'
  | 'dishonestArguerModel'
  | 'transcriptId'
> & { beliefs: ArrayLike<number> };

function grown<T extends Int32Array | Float64Array | Uint8Array | Int8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/**
 * Builds a table one judgment at a time (from rows, from a CSV as it is read, or from a database
 * page by page): add() copies what it needs, so the object passed may be reused for the next one.
 */
export class JudgmentTableBuilder {
  private n = 0;
  private capacity: number;
  private beliefCount = 0;
  private readonly arms = new Codes<string>();
  private readonly armFirstProtocol: string[] = [];
  private readonly protocols = new Codes<string>();
  private readonly judges = new Codes<string>();
  private readonly questions = new Codes<string>();
  private readonly stories = new Codes<string>();
  private readonly inductions = new Codes<string | null>();
  private readonly arguers = new Codes<string>();
  private readonly labelCodes = new Codes<string>();
  private readonly judgeLabels = new Labels(this.labelCodes);
  private readonly honestLabels = new Labels(this.labelCodes);
  private readonly dishonestLabels = new Labels(this.labelCodes);
  private arm: Int32Array;
  private protocol: Int32Array;
  private judge: Int32Array;
  private question: Int32Array;
  private story: Int32Array;
  private correct: Uint8Array;
  private probCorrect: Float64Array;
  private reward: Float64Array;
  private rounds: Float64Array;
  private beliefStart: Int32Array;
  private beliefs: Float64Array;
  private arguerHonest: Int8Array;
  private induction: Int32Array;
  private honestArguer: Int32Array;
  private dishonestArguer: Int32Array;
  private judgeLabel: Int32Array;
  private honestLabel: Int32Array;
  private dishonestLabel: Int32Array;
  private readonly trialId: string[] = [];
  /** transcriptId per judgment (undefined for none), kept only once one judgment has one. */
  private transcriptId: (string | null | undefined)[] | null = null;

  constructor(expected = 1024) {
    const c = Math.max(16, expected);
    this.capacity = c;
    this.arm = new Int32Array(c);
    this.protocol = new Int32Array(c);
    this.judge = new Int32Array(c);
    this.question = new Int32Array(c);
    this.story = new Int32Array(c);
    this.correct = new Uint8Array(c);
    this.probCorrect = new Float64Array(c);
    this.reward = new Float64Array(c);
    this.rounds = new Float64Array(c);
    this.beliefStart = new Int32Array(c + 1);
    this.beliefs = new Float64Array(3 * c);
    this.arguerHonest = new Int8Array(c);
    this.induction = new Int32Array(c);
    this.honestArguer = new Int32Array(c);
    this.dishonestArguer = new Int32Array(c);
    this.judgeLabel = new Int32Array(c);
    this.honestLabel = new Int32Array(c);
    this.dishonestLabel = new Int32Array(c);
  }

  private grow(): void {
    const c = 2 * this.capacity;
    this.capacity = c;
    this.arm = grown(this.arm, c);
    this.protocol = grown(this.protocol, c);
    this.judge = grown(this.judge, c);
    this.question = grown(this.question, c);
    this.story = grown(this.story, c);
    this.correct = grown(this.correct, c);
    this.probCorrect = grown(this.probCorrect, c);
    this.reward = grown(this.reward, c);
    this.rounds = grown(this.rounds, c);
    this.beliefStart = grown(this.beliefStart, c + 1);
    this.arguerHonest = grown(this.arguerHonest, c);
    this.induction = grown(this.induction, c);
    this.honestArguer = grown(this.honestArguer, c);
    this.dishonestArguer = grown(this.dishonestArguer, c);
    this.judgeLabel = grown(this.judgeLabel, c);
    this.honestLabel = grown(this.honestLabel, c);
    this.dishonestLabel = grown(this.dishonestLabel, c);
  }

  /** Judgments added so far. */
  get size(): number {
    return this.n;
  }

  add(r: JudgmentTableRow): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n;
    const a = this.arms.code(r.arm);
    if (a === this.armFirstProtocol.length) this.armFirstProtocol.push(r.protocol);
    this.arm[i] = a;
    this.protocol[i] = this.protocols.code(r.protocol);
    this.judge[i] = this.judges.code(r.judgeId);
    this.question[i] = this.questions.code(r.questionId);
    this.story[i] = this.stories.code(r.storyId);
    this.correct[i] = r.correct ? 1 : 0;
    this.probCorrect[i] = r.probCorrect;
    this.reward[i] = r.reward;
    this.rounds[i] = r.rounds;
    const b = r.beliefs;
    if (this.beliefCount + b.length > this.beliefs.length)
      this.beliefs = grown(this.beliefs, Math.max(2 * this.beliefs.length, this.beliefCount + b.length));
    for (let k = 0; k < b.length; k++) this.beliefs[this.beliefCount + k] = b[k]!;
    this.beliefCount += b.length;
    this.beliefStart[i + 1] = this.beliefCount;
    this.arguerHonest[i] = r.arguerHonest === true ? 1 : r.arguerHonest === false ? 0 : -1;
    this.induction[i] = this.inductions.code(r.induction);
    this.honestArguer[i] = r.honestArguerId === null ? -1 : this.arguers.code(r.honestArguerId);
    this.dishonestArguer[i] = r.dishonestArguerId === null ? -1 : this.arguers.code(r.dishonestArguerId);
    this.judgeLabel[i] = this.judgeLabels.code(r.judgeKind, r.judgeModel);
    this.honestLabel[i] = this.honestLabels.code(r.honestArguerKind, r.honestArguerModel);
    this.dishonestLabel[i] = this.dishonestLabels.code(r.dishonestArguerKind, r.dishonestArguerModel);
    this.trialId.push(r.trialId);
    if (r.transcriptId && !this.transcriptId) this.transcriptId = new Array(i).fill(undefined);
    if (this.transcriptId) this.transcriptId.push(r.transcriptId);
    this.n++;
  }

  /**
   * Add judgments of another table (`indices`, in that order; all of them by default), codes
   * translated as they come, so that the result is what adding the same rows one by one would give.
   * `renameArm` renames arms on the way (experiments analysed together whose arm names clash).
   */
  append(t: JudgmentTable, indices?: ArrayLike<number>, renameArm?: (arm: string) => string): void {
    const translate = <T extends string | null>(codes: Codes<T>, names: readonly T[]) => {
      const to = new Int32Array(names.length).fill(-1);
      return (c: number): number => {
        let v = to[c]!;
        if (v === -1) {
          v = codes.code(names[c]!);
          to[c] = v;
        }
        return v;
      };
    };
    const armNames = renameArm ? t.armNames.map(renameArm) : t.armNames;
    const arm = translate(this.arms, armNames);
    const protocol = translate(this.protocols, t.protocolNames);
    const judge = translate(this.judges, t.judgeNames);
    const question = translate(this.questions, t.questionNames);
    const story = translate(this.stories, t.storyNames);
    const induction = translate(this.inductions, t.inductionNames);
    const arguer = translate(this.arguers, t.arguerNames);
    const label = translate(this.labelCodes, t.labelNames);
    const count = indices ? indices.length : t.n;
    for (let k = 0; k < count; k++) {
      const i = indices ? indices[k]! : k;
      if (this.n === this.capacity) this.grow();
      const j = this.n;
      const a = arm(t.arm[i]!);
      if (a === this.armFirstProtocol.length) this.armFirstProtocol.push(t.protocolNames[t.protocol[i]!]!);
      this.arm[j] = a;
      this.protocol[j] = protocol(t.protocol[i]!);
      this.judge[j] = judge(t.judge[i]!);
      this.question[j] = question(t.question[i]!);
      this.story[j] = story(t.story[i]!);
      this.correct[j] = t.correct[i]!;
      this.probCorrect[j] = t.probCorrect[i]!;
      this.reward[j] = t.reward[i]!;
      this.rounds[j] = t.rounds[i]!;
      const from = t.beliefStart[i]!;
      const to = t.beliefStart[i + 1]!;
      if (this.beliefCount + to - from > this.beliefs.length)
        this.beliefs = grown(this.beliefs, Math.max(2 * this.beliefs.length, this.beliefCount + to - from));
      this.beliefs.set(t.beliefs.subarray(from, to), this.beliefCount);
      this.beliefCount += to - from;
      this.beliefStart[j + 1] = this.beliefCount;
      this.arguerHonest[j] = t.arguerHonest[i]!;
      this.induction[j] = induction(t.induction[i]!);
      this.honestArguer[j] = t.honestArguer[i] === -1 ? -1 : arguer(t.honestArguer[i]!);
      this.dishonestArguer[j] = t.dishonestArguer[i] === -1 ? -1 : arguer(t.dishonestArguer[i]!);
      this.judgeLabel[j] = label(t.judgeLabel[i]!);
      this.honestLabel[j] = label(t.honestLabel[i]!);
      this.dishonestLabel[j] = label(t.dishonestLabel[i]!);
      this.trialId.push(t.trialId[i]!);
      const transcript = t.hasTranscriptId?.[i] ? t.transcriptKey![i]! : undefined;
      if (transcript && !this.transcriptId) this.transcriptId = new Array(j).fill(undefined);
      if (this.transcriptId) this.transcriptId.push(transcript);
      this.n++;
    }
  }

  /** The table (the builder is spent). */
  finish(): JudgmentTable {
    const n = this.n;
    let transcriptKey: string[] | null = null;
    let hasTranscriptId: Uint8Array | null = null;
    if (this.transcriptId) {
      transcriptKey = new Array<string>(n);
      hasTranscriptId = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const t = this.transcriptId[i];
        transcriptKey[i] = t ?? this.trialId[i]!;
        hasTranscriptId[i] = t ? 1 : 0;
      }
    }
    const cut = <T extends Int32Array | Float64Array | Uint8Array | Int8Array>(a: T, size = n): T =>
      a.length === size ? a : (a.slice(0, size) as T);
    return {
      kind: 'judgment-table',
      n,
      armNames: this.arms.names,
      armFirstProtocol: this.armFirstProtocol,
      arm: cut(this.arm),
      protocolNames: this.protocols.names,
      protocol: cut(this.protocol),
      judgeNames: this.judges.names,
      judge: cut(this.judge),
      questionNames: this.questions.names,
      question: cut(this.question),
      storyNames: this.stories.names,
      story: cut(this.story),
      correct: cut(this.correct),
      probCorrect: cut(this.probCorrect),
      reward: cut(this.reward),
      rounds: cut(this.rounds),
      beliefStart: cut(this.beliefStart, n + 1),
      beliefs: cut(this.beliefs, this.beliefCount),
      arguerHonest: cut(this.arguerHonest),
      inductionNames: this.inductions.names,
      induction: cut(this.induction),
      arguerNames: this.arguers.names,
      honestArguer: cut(this.honestArguer),
      dishonestArguer: cut(this.dishonestArguer),
      labelNames: this.labelCodes.names,
      judgeLabel: cut(this.judgeLabel),
      honestLabel: cut(this.honestLabel),
      dishonestLabel: cut(this.dishonestLabel),
      trialId: this.trialId,
      transcriptKey,
      hasTranscriptId,
    };
  }
}

/** The columns of `rows`. */
export function judgmentTable(rows: readonly JudgmentTableRow[]): JudgmentTable {
  const b = new JudgmentTableBuilder(rows.length);
  for (let i = 0; i < rows.length; i++) b.add(rows[i]!);
  return b.finish();
}

/** True for a table (rather than an array of rows). */
export function isJudgmentTable(x: unknown): x is JudgmentTable {
  return (x as { kind?: unknown } | null)?.kind === 'judgment-table';
}

/**
 * Judgments `indices` of a table, in that order, as a table of their own (codes by first appearance
 * among them): what judgmentTable would make of those rows.
 */
export function selectJudgments(t: JudgmentTable, indices: ArrayLike<number>): JudgmentTable {
  const b = new JudgmentTableBuilder(indices.length);
  b.append(t, indices);
  return b.finish();
}
