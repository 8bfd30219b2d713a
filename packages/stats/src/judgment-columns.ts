/**
 * The columns of an exported judgment, defined once for every format (CSV, Parquet): name, type,
 * and how to read the value from a row. The statistics need only the required columns; the
 * others say where a judgment came from (experiment, who the participants were, answer order,
 * the judge's rationale, when each move was made).
 */
import type { JudgmentRow } from './judgment.ts';

/** `timestamps`: ISO 8601 times, written as text in CSV and as Parquet timestamps (UTC, milliseconds). */
export type ColumnType =
  | 'string'
  | 'boolean'
  | 'double'
  | 'int'
  | 'doubles'
  | 'ints'
  | 'strings'
  | 'timestamps';

export interface JudgmentColumn {
  name: string;
  type: ColumnType;
  /** Needed by the analysis: a file without it cannot be read back. */
  required: boolean;
  description: string;
  get(row: JudgmentRow): string | number | boolean | readonly (string | number)[] | null;
}

const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

export const JUDGMENT_COLUMNS: readonly JudgmentColumn[] = [
  {
    name: 'experimentId',
    type: 'string',
    required: false,
    description: 'experiment the judgment belongs to',
    get: (r) => opt(r.experimentId),
  },
  {
    name: 'trialId',
    type: 'string',
    required: true,
    description: 'trial (one event log)',
    get: (r) => r.trialId,
  },
  { name: 'arm', type: 'string', required: true, description: 'experimental arm', get: (r) => r.arm },
  {
    name: 'protocol',
    type: 'string',
    required: true,
    description: 'debate, interactive-debate, consultancy, sandwiching, judge-alone or oracle',
    get: (r) => r.protocol,
  },
  { name: 'questionId', type: 'string', required: true, description: 'question', get: (r) => r.questionId },
  {
    name: 'storyId',
    type: 'string',
    required: true,
    description: 'story (source text) of the question',
    get: (r) => r.storyId,
  },
  {
    name: 'judgeId',
    type: 'string',
    required: true,
    description: 'judge participant id',
    get: (r) => r.judgeId,
  },
  {
    name: 'judgeKind',
    type: 'string',
    required: false,
    description: 'simulated, model or person',
    get: (r) => opt(r.judgeKind),
  },
  {
    name: 'judgeModel',
    type: 'string',
    required: false,
    description: 'model behind a model judge',
    get: (r) => opt(r.judgeModel),
  },
  {
    name: 'arguerHonest',
    type: 'boolean',
    required: true,
    description: 'single-arguer protocols: was the arguer assigned the correct answer',
    get: (r) => r.arguerHonest,
  },
  {
    name: 'induction',
    type: 'string',
    required: true,
    description: 'how the wrong side was induced to argue for it',
    get: (r) => r.induction,
  },
  {
    name: 'honestArguerId',
    type: 'string',
    required: true,
    description: 'arguer assigned the correct answer',
    get: (r) => r.honestArguerId,
  },
  {
    name: 'honestArguerKind',
    type: 'string',
    required: false,
    description: 'simulated, model or person',
    get: (r) => opt(r.honestArguerKind),
  },
  {
    name: 'honestArguerModel',
    type: 'string',
    required: false,
    description: 'model behind a model arguer',
    get: (r) => opt(r.honestArguerModel),
  },
  {
    name: 'dishonestArguerId',
    type: 'string',
    required: true,
    description: 'arguer assigned a wrong answer',
    get: (r) => r.dishonestArguerId,
  },
  {
    name: 'dishonestArguerKind',
    type: 'string',
    required: false,
    description: 'simulated, model or person',
    get: (r) => opt(r.dishonestArguerKind),
  },
  {
    name: 'dishonestArguerModel',
    type: 'string',
    required: false,
    description: 'model behind a model arguer',
    get: (r) => opt(r.dishonestArguerModel),
  },
  {
    name: 'displayed',
    type: 'ints',
    required: false,
    description: 'original answer indices in the order the judge saw them',
    get: (r) => opt(r.displayed),
  },
  {
    name: 'correctDisplayed',
    type: 'int',
    required: false,
    description: 'position of the correct answer as displayed',
    get: (r) => opt(r.correctDisplayed),
  },
  {
    name: 'probCorrect',
    type: 'double',
    required: true,
    description: "judge's final probability on the correct answer",
    get: (r) => r.probCorrect,
  },
  {
    name: 'correct',
    type: 'boolean',
    required: true,
    description: 'probCorrect > 0.5',
    get: (r) => r.correct,
  },
  {
    name: 'continues',
    type: 'int',
    required: true,
    description: 'rounds the judge chose to continue (what the per-round penalty counts)',
    get: (r) => r.rounds,
  },
  { name: 'reward', type: 'double', required: true, description: "judge's reward", get: (r) => r.reward },
  {
    name: 'beliefs',
    type: 'doubles',
    required: true,
    description: 'P(correct) after each judge turn, the verdict last',
    get: (r) => r.beliefs,
  },
  {
    name: 'rationale',
    type: 'string',
    required: false,
    description: "judge's stated reason",
    get: (r) => opt(r.rationale),
  },
  {
    name: 'moveTimes',
    type: 'timestamps',
    required: false,
    description: 'ISO time each move was recorded, in log order',
    get: (r) => opt(r.moveTimes),
  },
];

/** Names of the columns, in file order. */
export const JUDGMENT_CSV_COLUMNS = JUDGMENT_COLUMNS.map((c) => c.name);

/** Earlier exports called `continues` `rounds`; they are still read. */
export const LEGACY_COLUMN_NAMES: Record<string, string> = { rounds: 'continues' };
