import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ArgumentSubmitted,
  ArmRulesSchema,
  type ExperimentConfig,
  ExperimentConfigSchema,
  foldEvents,
  InputError,
  NYU_REWARD,
  type ParticipantSpec,
  ParticipantSpecSchema,
  parseInput,
  type Question,
  QuestionSchema,
  type TrialCreated,
  TrialCreatedSchema,
  type TrialEvent,
  verifyQuotes,
} from '@oversight/core';
import type { Database } from '@oversight/db';
import { z } from 'zod';
import { databaseTrialStore } from './db-store.ts';
import { configHash, trialInput } from './experiment.ts';
import { appendFor } from './record.ts';

/**
 * The NYU 2023 human debate dataset (Michael et al. 2023, "Debate Helps Supervise Unreliable
 * Experts", CC-BY 4.0; stories from QuALITY and Project Gutenberg) read into the project's own
 * records: questions, participants and one event log per debate room, so the published analysis can
 * be re-run by the same statistics code that reads every other experiment.
 *
 * Decisions, for whoever reads the imported logs:
 * - Rounds are speech rounds. A judge turn gets the number of speech rounds so far (at least 1), so
 *   the judge's opening prior, given before any speech, is a BeliefReported of round 1 logged before
 *   the round-1 speeches. Every JudgeFeedback with endDebate=false is a BeliefReported (NYU counted
 *   each as a "continue", so our reward equals NYU's judgeReward), its text a JudgeInterjected.
 * - The final JudgeFeedback (endDebate=true) becomes the VerdictSubmitted, its text the rationale; its
 *   distribution must equal `status.Complete.result.judgingInfo.finalJudgement`.
 * - SimultaneousSpeeches are logged in debater order (A, then B), SequentialSpeeches by timestamp.
 * - OfflineJudgments (judges who read a finished room later: 247 judgments in 200 rooms) are
 *   imported into their own experiment, `<experimentId>-offline`, one trial per offline judgment:
 *   rooms with a live judge as arm `<arm>-offline`, judge-less rooms, which ended when both debaters
 *   voted to in a NegotiateEnd round, as arm `<arm>-negotiated`. They are separate judgments under
 *   other conditions, so they stay out of the headline experiment. A stepped offline judge's i-th
 *   judgment is logged after i speech rounds (the first is the prior, as for a live judge); a timed
 *   one's single judgment after the whole transcript. The live judge's comments, which the debaters
 *   answered, stay in the transcript under the live judge's `meta.participantId`. A NegotiateEnd
 *   vote has no event of its own in core's log: the transcript simply ends there.
 * - The paper's exclusions (`includedInPaper`) apply to offline judgments too unless `all` is set;
 *   every judge-less room is outside the paper, so the negotiated arms appear only with `all`.
 * - Participant ids are the pseudonyms slugified ("Tazzy Tumbleweed" -> "tazzy-tumbleweed",
 *   "GPT-4" -> "gpt-4"); labels keep the pseudonym. A speech or feedback by someone other than the
 *   room's assigned debater or judge (a substitute) names them in its `meta.participantId`.
 */

export const NYU_DATASET_NAME = 'nyu-2023';
export const NYU_ATTRIBUTION =
  'Michael et al. 2023, "Debate Helps Supervise Unreliable Experts" (NYU), CC-BY 4.0; ' +
  'stories from the QuALITY dataset (CC-BY 4.0) and Project Gutenberg';

// ---------------------------------------------------------------------------------------------
// Detokenising the stories (Penn Treebank tokens as released by QuALITY)
// ---------------------------------------------------------------------------------------------

const PTB_SYMBOLS: Record<string, string> = {
  '``': '"',
  "''": '"',
  "'''": '\'"',
  '`': "'",
  '--': '—',
  '-LRB-': '(',
  '-RRB-': ')',
  '-LSB-': '[',
  '-RSB-': ']',
  '-LCB-': '{',
  '-RCB-': '}',
};
const OPENERS = new Set(['``', '`', '-LRB-', '-LSB-', '-LCB-', '$', '--']);
const CLOSERS = new Set(["''", "'", "'''", '-RRB-', '-RSB-', '-RCB-', '--', '%']);

function attachesLeft(token: string): boolean {
  return (
    CLOSERS.has(token) ||
    /^[.,;:!?]+$/.test(token) ||
    /^n't$/i.test(token) ||
    /^'(s|ll|d|re|m|ve)$/i.test(token)
  );
}

/** Words the Treebank tokenizer split in two ("cannot" -> "can not", "gonna" -> "gon na"). */
const SPLIT_WORDS: Record<string, string> = { can: 'not', gon: 'na', wan: 'na', got: 'ta', lem: 'me' };

/**
 * Turns a list of tokens back into readable prose: no space before punctuation, `` and '' become ",
 * -LRB-/-RRB- become ( ), -LSB-/-RSB- become [ ], -- becomes an em dash, "n't" and "'s" join their
 * word, "\n" tokens are line breaks. Also copes with the few rooms whose story was split into
 * sentences or on whitespace (tokens that carry their own spaces and punctuation).
 */
export function detokenize(tokens: readonly string[]): string {
  let out = '';
  let glueNext = true;
  let previous = '';
  for (const raw of tokens) {
    if (raw === '') continue;
    if (raw === '\n') {
      out += '\n';
      glueNext = true;
      previous = '';
      continue;
    }
    const atLineStart = out.length === 0 || out.endsWith('\n');
    let token = PTB_SYMBOLS[raw] ?? raw;
    if (atLineStart) token = token.trimStart();
    if (token === '') continue;
    const rejoin = SPLIT_WORDS[previous.toLowerCase()] === raw.toLowerCase();
    const glued = glueNext || atLineStart || rejoin || /^\s/.test(token) || attachesLeft(raw);
    out += glued ? token : ` ${token}`;
    glueNext = OPENERS.has(raw);
    previous = raw;
  }
  return out;
}

/** A pseudonym as an id: lower case, runs of other characters as "-". */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'x' : slug;
}

// ---------------------------------------------------------------------------------------------
// The released files, read with zod (only the fields the import needs)
// ---------------------------------------------------------------------------------------------

/** An object with exactly one of the given keys (how the NYU platform serialises its sum types). */
function oneOf<T extends z.ZodRawShape>(shape: T) {
  const keys = Object.keys(shape);
  return z
    .strictObject(shape)
    .partial()
    .refine((o) => Object.values(o).filter((v) => v !== undefined).length === 1, {
      message: `expected exactly one of ${keys.map((k) => `"${k}"`).join(', ')}`,
    });
}

const probability = z.number().min(0).max(1);
const SpanSchema = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);
const ContentSchema = z.array(
  oneOf({ Text: z.object({ text: z.string() }), Quote: z.object({ span: SpanSchema }) }),
);
const SpeechSchema = z.object({ speaker: z.string().min(1), timestamp: z.number(), content: ContentSchema });
const SpeechesSchema = z.object({ speeches: z.record(z.string().regex(/^[01]$/), SpeechSchema) });
const RoundSchema = oneOf({
  JudgeFeedback: z.object({
    distribution: z.array(probability).min(2),
    feedback: SpeechSchema,
    endDebate: z.boolean(),
  }),
  SequentialSpeeches: SpeechesSchema,
  SimultaneousSpeeches: SpeechesSchema,
  NegotiateEnd: z.object({ votes: z.record(z.string(), z.boolean()) }),
  OfflineJudgments: z.object({
    judgments: z.record(
      z.string(),
      z.object({
        /** 'stepped' (round by round, as a live judge) or 'timed' (the whole transcript at once). */
        mode: z.unknown(),
        judgments: z.array(
          z.object({
            distribution: z.array(probability).min(2),
            feedback: SpeechSchema,
            endDebate: z.boolean(),
          }),
        ),
      }),
    ),
  }),
});
const SpeechRuleSchema = z.object({
  charLimit: z.number().int().positive(),
  quoteLimit: z.number().int().nullable(),
});
const RoundRuleSchema = oneOf({
  JudgeFeedbackRound: z.object({ reportBeliefs: z.boolean(), charLimit: z.number().int() }),
  SequentialSpeechesRound: SpeechRuleSchema,
  SimultaneousSpeechesRound: SpeechRuleSchema,
  NegotiateEndRound: z.object({}),
});
const RoomFileSchema = z.object({
  setup: z.object({
    rules: z.object({
      fixedOpening: z.array(RoundRuleSchema),
      repeatingStructure: z.array(RoundRuleSchema),
      fixedClosing: z.object({ rounds: z.array(RoundRuleSchema) }).nullable(),
    }),
    sourceMaterial: z.object({
      QuALITYSourceMaterial: z.object({
        articleId: z.string().min(1),
        title: z.string(),
        contents: z.array(z.string()).min(1),
      }),
    }),
    // QuALITY's questions and answers often end in " \n": trimmed here, before grouping and hashing.
    question: z.string().trim().min(1),
    answers: z.array(z.string().trim().min(1)).length(2),
    correctAnswerIndex: z.number().int().min(0).max(1),
    roles: z.record(z.string(), z.string()),
    creationTime: z.number(),
  }),
  rounds: z.array(RoundSchema),
});
const MetadataSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a room name (letters, digits, ".", "_", "-")'),
  setting: z.object({ isHuman: z.boolean(), isDebate: z.boolean() }),
  includedInPaper: z.boolean().default(false),
  status: oneOf({
    Complete: z.object({
      result: z.object({
        correctAnswerIndex: z.number().int().min(0).max(1),
        judgingInfo: z
          .object({
            finalJudgement: z.array(probability).min(2),
            numContinues: z.number().int().nonnegative(),
            judgeReward: z.number(),
          })
          .nullable(),
      }),
    }),
    InProgress: z.unknown(),
    WaitingToBegin: z.unknown(),
  }),
});

export type NyuSpan = { text: string } | { quote: [number, number] };
export interface NyuSpeech {
  /** 0 = Debater A, 1 = Debater B. */
  debater: 0 | 1;
  speaker: string;
  timestamp: number;
  content: NyuSpan[];
}
export type NyuRound =
  | { kind: 'speeches'; simultaneous: boolean; speeches: NyuSpeech[] }
  | {
      kind: 'judge-feedback';
      speaker: string;
      distribution: number[];
      content: NyuSpan[];
      endDebate: boolean;
    }
  | { kind: 'negotiate-end'; votes: Record<string, boolean> }
  | { kind: 'offline-judgments'; judges: NyuOfflineJudge[] };

/** A judge who judged a finished room later, with each judgment they gave. */
export interface NyuOfflineJudge {
  name: string;
  mode: string;
  turns: { distribution: number[]; content: NyuSpan[]; endDebate: boolean }[];
}

export interface NyuSpeechRule {
  simultaneous: boolean;
  charLimit: number;
  quoteLimit: number | null;
}

/** One debate room of the NYU platform: its metadata row and its room file together. */
export interface NyuRoom {
  name: string;
  /** The room file, for error messages. */
  file: string;
  isHuman: boolean;
  isDebate: boolean;
  includedInPaper: boolean;
  status: 'complete' | 'in-progress' | 'waiting-to-begin';
  /** Finished rooms with a judge: the final judgement, in the room's answer order. */
  result: { finalJudgement: number[]; numContinues: number; judgeReward: number } | null;
  creationTime: number;
  storyId: string;
  storyTitle: string;
  /** The story as the room's tokens; quote spans index into these. */
  tokens: string[];
  question: string;
  /** The two answers in the order this room showed them. */
  answers: [string, string];
  correctAnswerIndex: 0 | 1;
  /** "Debater A", "Debater B", "Judge" → pseudonym ("GPT-4" for the model). */
  roles: Record<string, string>;
  /** Speech rounds of the room's rules, in order (opening, then the repeating structure). */
  speechRules: NyuSpeechRule[];
  judgeReportsBeliefs: boolean;
  rounds: NyuRound[];
}

function spansOf(content: z.infer<typeof ContentSchema>): NyuSpan[] {
  return content.map((part) =>
    part.Quote ? { quote: [part.Quote.span[0], part.Quote.span[1]] } : { text: part.Text?.text ?? '' },
  );
}

function roundOf(round: z.infer<typeof RoundSchema>): NyuRound {
  if (round.JudgeFeedback) {
    const { distribution, feedback, endDebate } = round.JudgeFeedback;
    return {
      kind: 'judge-feedback',
      speaker: feedback.speaker,
      distribution,
      content: spansOf(feedback.content),
      endDebate,
    };
  }
  const speeches = round.SequentialSpeeches ?? round.SimultaneousSpeeches;
  if (speeches) {
    return {
      kind: 'speeches',
      simultaneous: round.SimultaneousSpeeches !== undefined,
      speeches: Object.entries(speeches.speeches).map(([key, s]) => ({
        debater: key === '0' ? 0 : 1,
        speaker: s.speaker,
        timestamp: s.timestamp,
        content: spansOf(s.content),
      })),
    };
  }
  if (round.NegotiateEnd) return { kind: 'negotiate-end', votes: round.NegotiateEnd.votes };
  return {
    kind: 'offline-judgments',
    judges: Object.entries(round.OfflineJudgments?.judgments ?? {}).map(([name, j]) => ({
      name,
      mode: typeof j.mode === 'string' ? j.mode : JSON.stringify(j.mode),
      turns: j.judgments.map((t) => ({
        distribution: t.distribution,
        content: spansOf(t.feedback.content),
        endDebate: t.endDebate,
      })),
    })),
  };
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(
      `${file}: cannot read it (${error.code ?? error.message}); check the NYU data folder`,
      file,
    );
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${file}: malformed JSON (${(error as Error).message})`, file);
  }
}

/** Reads debates-metadata.jsonl and every room file it lists, validating both. */
export async function readNyuDebates(dir: string): Promise<NyuRoom[]> {
  const metadataFile = join(dir, 'debates-metadata.jsonl');
  const text = await readFile(metadataFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(
      `${metadataFile}: cannot read it (${error.code ?? error.message}); point the import at the folder of the ` +
        'NYU debate data (it holds debates-metadata.jsonl and debates/)',
      metadataFile,
    );
  });
  const metadata: Array<{ line: number; row: z.infer<typeof MetadataSchema> }> = [];
  const seen = new Map<string, number>();
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const where = `${metadataFile}:${i + 1}`;
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      throw new InputError(`${where}: malformed JSON line (${(error as Error).message})`, where);
    }
    const row = parseInput(MetadataSchema, data, where);
    const first = seen.get(row.name);
    if (first !== undefined)
      throw new InputError(`${where}: room "${row.name}" is listed twice (first on line ${first})`, where);
    seen.set(row.name, i + 1);
    metadata.push({ line: i + 1, row });
  }

  return Promise.all(
    metadata.map(async ({ line, row }) => {
      const file = join(dir, 'debates', `${row.name}.json`);
      await access(file).catch(() => {
        throw new InputError(
          `${file}: missing; ${metadataFile}:${line} lists room "${row.name}" but its file is not in debates/`,
          file,
        );
      });
      const room = parseInput(RoomFileSchema, await readJson(file), file);
      const { setup } = room;
      const complete = row.status.Complete?.result;
      if (complete && complete.correctAnswerIndex !== setup.correctAnswerIndex)
        throw new InputError(
          `${file}: setup.correctAnswerIndex (${setup.correctAnswerIndex}) disagrees with the metadata ` +
            `(${metadataFile}:${line}: ${complete.correctAnswerIndex})`,
          file,
        );
      const ruleRounds = [
        ...setup.rules.fixedOpening,
        ...setup.rules.repeatingStructure,
        ...(setup.rules.fixedClosing?.rounds ?? []),
      ];
      const speechRules = ruleRounds.flatMap((r): NyuSpeechRule[] => {
        const rule = r.SimultaneousSpeechesRound ?? r.SequentialSpeechesRound;
        return rule
          ? [
              {
                simultaneous: r.SimultaneousSpeechesRound !== undefined,
                charLimit: rule.charLimit,
                quoteLimit: rule.quoteLimit,
              },
            ]
          : [];
      });
      const source = setup.sourceMaterial.QuALITYSourceMaterial;
      const judging = complete?.judgingInfo ?? null;
      return {
        name: row.name,
        file,
        isHuman: row.setting.isHuman,
        isDebate: row.setting.isDebate,
        includedInPaper: row.includedInPaper,
        status: complete
          ? 'complete'
          : row.status.InProgress !== undefined
            ? 'in-progress'
            : 'waiting-to-begin',
        result: judging
          ? {
              finalJudgement: judging.finalJudgement,
              numContinues: judging.numContinues,
              judgeReward: judging.judgeReward,
            }
          : null,
        creationTime: setup.creationTime,
        storyId: source.articleId,
        storyTitle: source.title,
        tokens: source.contents,
        question: setup.question,
        answers: [setup.answers[0]!, setup.answers[1]!],
        correctAnswerIndex: setup.correctAnswerIndex === 0 ? 0 : 1,
        roles: setup.roles,
        speechRules,
        judgeReportsBeliefs: ruleRounds.some((r) => r.JudgeFeedbackRound?.reportBeliefs === true),
        rounds: room.rounds.map(roundOf),
      } satisfies NyuRoom;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Questions: one per distinct (story, question), answers in one order per question
// ---------------------------------------------------------------------------------------------

const questionKey = (room: Pick<NyuRoom, 'storyId' | 'question'>) => `${room.storyId}\u0000${room.question}`;
const byCreation = (a: NyuRoom, b: NyuRoom) =>
  a.creationTime - b.creationTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** The stable id of an NYU question: the story's slug and a short hash of the question text. */
export function nyuQuestionId(storyTitle: string, question: string): string {
  return `${slugify(storyTitle)}-${createHash('sha256').update(question).digest('hex').slice(0, 8)}`;
}

/**
 * The story text per QuALITY article. Most rooms carry the story as Penn Treebank tokens; a few early
 * rooms split it into sentences or on whitespace. The finest tokenisation (the most tokens) is used.
 */
export function nyuStories(rooms: readonly NyuRoom[]): Map<string, { title: string; source: string }> {
  const versions = new Map<string, NyuRoom[]>();
  for (const room of [...rooms].sort(byCreation)) {
    const list = versions.get(room.storyId) ?? [];
    list.push(room);
    versions.set(room.storyId, list);
  }
  const stories = new Map<string, { title: string; source: string }>();
  for (const [storyId, list] of versions) {
    const best = list.reduce((a, b) => (b.tokens.length > a.tokens.length ? b : a));
    stories.set(storyId, { title: best.storyTitle, source: detokenize(best.tokens) });
  }
  return stories;
}

export interface NyuQuestions {
  questions: Question[];
  /** Per room: its question and where each of the room's answers sits in the question's answers. */
  byRoom: Map<string, { question: Question; displayed: [number, number] }>;
}

/**
 * One Question per distinct (story, question text). Rooms may show a question's two answers in
 * either order; the question keeps the order of its earliest room, and each room records its own
 * order as `displayed` (question answer indices in the order the room showed them).
 */
export function nyuQuestions(rooms: readonly NyuRoom[]): NyuQuestions {
  const stories = nyuStories(rooms);
  const groups = new Map<string, NyuRoom[]>();
  for (const room of [...rooms].sort(byCreation)) {
    const list = groups.get(questionKey(room)) ?? [];
    list.push(room);
    groups.set(questionKey(room), list);
  }
  const questions: Question[] = [];
  const byRoom: NyuQuestions['byRoom'] = new Map();
  const ids = new Map<string, string>();
  for (const list of groups.values()) {
    const first = list[0]!;
    const answers = [...first.answers];
    const correct = first.answers[first.correctAnswerIndex];
    const story = stories.get(first.storyId)!;
    const id = nyuQuestionId(story.title, first.question);
    const clash = ids.get(id);
    if (clash !== undefined)
      throw new InputError(
        `${first.file}: question id "${id}" is also the id of room ${clash}'s question`,
        first.file,
      );
    ids.set(id, first.name);
    const question = parseInput(
      QuestionSchema,
      {
        id,
        storyId: first.storyId,
        storyTitle: story.title,
        question: first.question,
        answers,
        correctIndex: first.correctAnswerIndex,
        source: story.source,
        metadata: {
          nyuRooms: list.map((r) => r.name).sort(),
          dataset: NYU_DATASET_NAME,
          license: 'CC-BY-4.0',
        },
      },
      first.file,
    );
    questions.push(question);
    for (const room of list) {
      const displayed = room.answers.map((a) => answers.indexOf(a));
      if (
        displayed[0] === undefined ||
        displayed[1] === undefined ||
        displayed.includes(-1) ||
        displayed[0] === displayed[1]
      )
        throw new InputError(
          `${room.file}: setup.answers differ from those of room ${first.name} for the same question; ` +
            'the rooms of a question must offer the same two answers',
          room.file,
        );
      if (room.answers[room.correctAnswerIndex] !== correct)
        throw new InputError(
          `${room.file}: setup.correctAnswerIndex marks a different answer correct than room ${first.name} does`,
          room.file,
        );
      byRoom.set(room.name, { question, displayed: [displayed[0], displayed[1]] });
    }
  }
  questions.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { questions, byRoom };
}

// ---------------------------------------------------------------------------------------------
// Rooms as trials
// ---------------------------------------------------------------------------------------------

export type NyuArm = 'human-debate' | 'human-consultancy' | 'ai-debate' | 'ai-consultancy';
export const NYU_ARMS: readonly NyuArm[] = [
  'human-debate',
  'human-consultancy',
  'ai-debate',
  'ai-consultancy',
];
export const NYU_JUDGE_POOL = 'nyu-judges';
/** NYU's judge reward (core's rule): log2 p(correct) − 0.05 per continue, p floored at 1%. */
export { NYU_REWARD };

export function nyuArm(room: Pick<NyuRoom, 'isHuman' | 'isDebate'>): NyuArm {
  return `${room.isHuman ? 'human' : 'ai'}-${room.isDebate ? 'debate' : 'consultancy'}`;
}

export interface NyuParticipant {
  id: string;
  kind: 'human' | 'llm';
  /** The pseudonym (or "GPT-4"). */
  label: string;
  spec: ParticipantSpec;
}

export interface NyuTrial {
  room: string;
  created: TrialCreated;
  /** The events after TrialCreated, in log order. */
  events: TrialEvent[];
}

export interface NyuToTrialsOptions {
  experimentId?: string;
  /** Import every finished room with a judge's verdict, not only those in the paper's analysis. */
  all?: boolean;
}

export interface NyuImport {
  questions: Question[];
  participants: NyuParticipant[];
  trials: NyuTrial[];
}

const AI_SPEAKER = 'GPT-4';
const isModel = (pseudonym: string) => pseudonym === AI_SPEAKER;

function participantOf(pseudonym: string): NyuParticipant {
  return isModel(pseudonym)
    ? {
        id: slugify(pseudonym),
        kind: 'llm',
        label: pseudonym,
        spec: ParticipantSpecSchema.parse({ kind: 'llm', model: 'gpt-4' }),
      }
    : {
        id: slugify(pseudonym),
        kind: 'human',
        label: pseudonym,
        spec: ParticipantSpecSchema.parse({ kind: 'human', platform: 'terminal' }),
      };
}

/**
 * A speech or feedback as text: Text spans as written, quotes as <quote>story text</quote>. A quote
 * of punctuation only (debaters sometimes highlighted a lone quotation mark or full stop next to
 * their own text) holds no evidence and could never verify, so it is kept as plain text.
 */
export function renderSpans(spans: readonly NyuSpan[], tokens: readonly string[]): string {
  return spans
    .map((span) => {
      if (!('quote' in span)) return span.text;
      const quoted = detokenize(tokens.slice(span.quote[0], span.quote[1]));
      return /[\p{L}\p{N}]/u.test(quoted) ? `<quote>${quoted.trim()}</quote>` : quoted;
    })
    .join('');
}

const DEBATER_ROLES = ['Debater A', 'Debater B'] as const;

/** Whether a room becomes a trial: finished, judged by a live judge, and (unless `all`) in the paper. */
export function isImportedRoom(room: NyuRoom, all = false): boolean {
  return (
    room.status === 'complete' &&
    room.result !== null &&
    room.roles.Judge !== undefined &&
    (all || room.includedInPaper)
  );
}

/** The TrialCreated of a room judged by `judge` in `arm`: arguers, rules and answer order of the room. */
function roomCreated(
  room: NyuRoom,
  question: Question,
  displayed: [number, number],
  experimentId: string,
  judge: string,
  arm: string,
  trialId: string,
): TrialCreated {
  const fail = (message: string): never => {
    throw new InputError(`${room.file}: ${message}`, room.file);
  };
  const defends = (debater: 0 | 1) => ({ answer: debater, honest: debater === room.correctAnswerIndex });
  const arguers: TrialCreated['arguers'] = [];
  if (room.isDebate) {
    for (const debater of [0, 1] as const) {
      const who = room.roles[DEBATER_ROLES[debater]] ?? fail(`roles."${DEBATER_ROLES[debater]}" is missing`);
      arguers.push({
        role: debater === 0 ? 'debater-a' : 'debater-b',
        participantId: slugify(who),
        ...defends(debater),
      });
    }
  } else {
    const present = ([0, 1] as const).filter((d) => room.roles[DEBATER_ROLES[d]] !== undefined);
    if (present.length !== 1)
      fail('a consultancy room needs exactly one of roles."Debater A" and roles."Debater B"');
    const debater = present[0]!;
    arguers.push({
      role: 'consultant',
      participantId: slugify(room.roles[DEBATER_ROLES[debater]]!),
      ...defends(debater),
    });
  }
  const speechRounds = room.rounds.filter((r) => r.kind === 'speeches');
  const firstSpeech = speechRounds[0];
  const firstRule = room.speechRules[0] ?? fail('the rules have no speech round');
  const rules = ArmRulesSchema.parse({
    protocol: room.isDebate ? 'debate' : 'consultancy',
    rounds: Math.min(20, Math.max(1, speechRounds.length)),
    speeches: (firstSpeech?.kind === 'speeches' ? firstSpeech.simultaneous : firstRule.simultaneous)
      ? 'simultaneous'
      : 'sequential',
    charLimit: firstRule.charLimit,
    quoteLimit: firstRule.quoteLimit,
    judgeMayEndEarly: true,
    beliefsEachRound: room.judgeReportsBeliefs,
  });
  const models = arguers.filter((a) => a.participantId === slugify(AI_SPEAKER)).length;
  return TrialCreatedSchema.parse({
    type: 'TrialCreated',
    trialId,
    experimentId,
    arm,
    rules,
    questionId: question.id,
    storyId: question.storyId,
    judgeId: slugify(judge),
    displayed,
    correctDisplayed: room.correctAnswerIndex,
    arguers,
    induction: models > 0 ? 'prompted' : 'human',
    seed: `${experimentId}/${trialId}`,
  } satisfies TrialCreated);
}

/** One speech round's ArgumentSubmitted events, in log order. */
function speechEvents(
  room: NyuRoom,
  step: Extract<NyuRound, { kind: 'speeches' }>,
  created: TrialCreated,
  question: Question,
  round: number,
): ArgumentSubmitted[] {
  const ordered = [...step.speeches].sort((a, b) =>
    step.simultaneous ? a.debater - b.debater : a.timestamp - b.timestamp || a.debater - b.debater,
  );
  return ordered.map((speech) => {
    const arguer = room.isDebate ? created.arguers[speech.debater] : created.arguers[0];
    if (!arguer || arguer.answer !== speech.debater)
      throw new InputError(
        `${room.file}: a speech by debater ${speech.debater} in a consultancy whose consultant is debater ${created.arguers[0]?.answer}`,
        room.file,
      );
    const text = renderSpans(speech.content, room.tokens);
    return {
      type: 'ArgumentSubmitted',
      round,
      role: arguer.role,
      text,
      quotes: verifyQuotes(text, question.source),
      meta: { participantId: slugify(speech.speaker) },
    } satisfies ArgumentSubmitted;
  });
}

function roomToTrial(
  room: NyuRoom,
  question: Question,
  displayed: [number, number],
  experimentId: string,
): NyuTrial {
  const fail = (message: string): never => {
    throw new InputError(`${room.file}: ${message}`, room.file);
  };
  const result = room.result ?? fail('the room has no final judgement');
  const judge = room.roles.Judge ?? fail('the room has no judge (roles.Judge)');
  const created = roomCreated(
    room,
    question,
    displayed,
    experimentId,
    judge,
    nyuArm(room),
    `${experimentId}.${room.name}`,
  );
  const events: TrialEvent[] = [];
  let round = 0;
  let continues = 0;
  let verdict = false;
  for (const step of room.rounds) {
    if (step.kind === 'speeches') {
      round += 1;
      events.push(...speechEvents(room, step, created, question, round));
    } else if (step.kind === 'judge-feedback') {
      const at = Math.max(1, round);
      const text = renderSpans(step.content, room.tokens).trim();
      const meta = { participantId: slugify(step.speaker) };
      if (step.endDebate) {
        const same =
          step.distribution.length === result.finalJudgement.length &&
          step.distribution.every((p, i) => Math.abs(p - result.finalJudgement[i]!) < 1e-9);
        if (!same)
          fail(
            `the last JudgeFeedback (endDebate) gives [${step.distribution}] but ` +
              `status.Complete.result.judgingInfo.finalJudgement is [${result.finalJudgement}]`,
          );
        if (continues !== result.numContinues)
          fail(
            `the judge continued ${continues} times before deciding, but judgingInfo.numContinues is ${result.numContinues}`,
          );
        events.push({
          type: 'VerdictSubmitted',
          round: at,
          probabilities: result.finalJudgement,
          ...(text ? { rationale: text } : {}),
          meta,
        });
        verdict = true;
        break;
      }
      continues += 1;
      if (text) events.push({ type: 'JudgeInterjected', round: at, text, meta });
      events.push({ type: 'BeliefReported', round: at, probabilities: step.distribution, meta });
    }
    // NegotiateEnd and OfflineJudgments: not imported (see the module comment).
  }
  if (!verdict) fail('no JudgeFeedback with endDebate=true, although the room has a final judgement');
  return { room: room.name, created, events };
}

/** The arm of an offline judgment: `<arm>-offline`, or `<arm>-negotiated` for a room without a live judge. */
export function nyuOfflineArm(room: Pick<NyuRoom, 'isHuman' | 'isDebate' | 'roles'>): string {
  return `${nyuArm(room)}-${room.roles.Judge === undefined ? 'negotiated' : 'offline'}`;
}

/**
 * One trial per offline judgment of the room that reached a final judgement (endDebate). The
 * transcript is the room's speeches, with the live judge's comments (which the debaters answered);
 * the offline judge's i-th stepped judgment follows the i-th speech round (the 0th is their prior);
 * a timed judgment follows the whole transcript.
 */
function offlineTrials(
  room: NyuRoom,
  question: Question,
  displayed: [number, number],
  experimentId: string,
): { trials: NyuTrial[]; unfinished: number } {
  const trials: NyuTrial[] = [];
  let unfinished = 0;
  const judges = room.rounds.flatMap((r) => (r.kind === 'offline-judgments' ? r.judges : []));
  const speechRounds = room.rounds.filter((r) => r.kind === 'speeches').length;
  for (const judge of judges) {
    const last = judge.turns.at(-1);
    if (!last?.endDebate) {
      unfinished += 1;
      continue;
    }
    const trialId = `${experimentId}.${room.name}.${slugify(judge.name)}`;
    const created = roomCreated(
      room,
      question,
      displayed,
      experimentId,
      judge.name,
      nyuOfflineArm(room),
      trialId,
    );
    const stepped = judge.mode === 'stepped';
    if (stepped && judge.turns.length > speechRounds + 1)
      throw new InputError(
        `${room.file}: offline judge ${judge.name} gave ${judge.turns.length} stepped judgments for ${speechRounds} speech rounds`,
        room.file,
      );
    const meta = { participantId: slugify(judge.name) };
    const events: TrialEvent[] = [];
    const judgeTurn = (turn: NyuOfflineJudge['turns'][number], round: number) => {
      const text = renderSpans(turn.content, room.tokens).trim();
      if (turn.endDebate) {
        events.push({
          type: 'VerdictSubmitted',
          round: Math.max(1, round),
          probabilities: turn.distribution,
          ...(text ? { rationale: text } : {}),
          meta,
        });
        return true;
      }
      if (text) events.push({ type: 'JudgeInterjected', round: Math.max(1, round), text, meta });
      events.push({
        type: 'BeliefReported',
        round: Math.max(1, round),
        probabilities: turn.distribution,
        meta,
      });
      return false;
    };
    let round = 0;
    let next = 0;
    let done = stepped && judgeTurn(judge.turns[next++]!, 0);
    for (const step of room.rounds) {
      if (done) break;
      if (step.kind === 'speeches') {
        round += 1;
        events.push(...speechEvents(room, step, created, question, round));
        if (stepped && next < judge.turns.length) done = judgeTurn(judge.turns[next++]!, round);
      } else if (step.kind === 'judge-feedback') {
        const text = renderSpans(step.content, room.tokens).trim();
        if (text)
          events.push({
            type: 'JudgeInterjected',
            round: Math.max(1, round),
            text,
            meta: { participantId: slugify(step.speaker) },
          });
      }
    }
    // timed judges (and stepped ones with turns left after the last speech) judge the whole transcript
    while (!done && next < judge.turns.length) done = judgeTurn(judge.turns[next++]!, round);
    trials.push({ room: room.name, created, events });
  }
  return { trials, unfinished };
}

/**
 * Converts NYU rooms into the project's records. Only rooms in the paper's analysis
 * (`includedInPaper`) unless `all` is set; rooms without a judge's final judgement are never trials.
 */
export function nyuToTrials(rooms: readonly NyuRoom[], options: NyuToTrialsOptions = {}): NyuImport {
  const experimentId = options.experimentId ?? NYU_DATASET_NAME;
  const { questions, byRoom } = nyuQuestions(rooms);
  const selected = rooms
    .filter((r) => isImportedRoom(r, options.all))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const trials = selected.map((room) => {
    const { question, displayed } = byRoom.get(room.name)!;
    return roomToTrial(room, question, displayed, experimentId);
  });
  return { questions, participants: roomParticipants(selected), trials };
}

/** Everyone who spoke or judged in the rooms (including offline judges), as participants. */
function roomParticipants(rooms: readonly NyuRoom[]): NyuParticipant[] {
  const participants = new Map<string, NyuParticipant>();
  const add = (pseudonym: string) => {
    const p = participantOf(pseudonym);
    const known = participants.get(p.id);
    if (known && known.label !== p.label)
      throw new InputError(
        `NYU data: pseudonyms "${known.label}" and "${p.label}" both become participant id "${p.id}"`,
        'NYU data',
      );
    participants.set(p.id, p);
  };
  for (const room of rooms) {
    for (const role of ['Debater A', 'Debater B', 'Judge']) {
      const who = room.roles[role];
      if (who !== undefined) add(who);
    }
    for (const step of room.rounds) {
      if (step.kind === 'speeches') for (const s of step.speeches) add(s.speaker);
      if (step.kind === 'judge-feedback') add(step.speaker);
      if (step.kind === 'offline-judgments') for (const j of step.judges) add(j.name);
    }
  }
  return [...participants.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Whether a room's offline judgments are imported: finished, and (unless `all`) in the paper. */
export function hasImportedOfflineJudgments(room: NyuRoom, all = false): boolean {
  return (
    room.status === 'complete' &&
    (all || room.includedInPaper) &&
    room.rounds.some((r) => r.kind === 'offline-judgments' && r.judges.length > 0)
  );
}

/**
 * The offline judgments as their own experiment's trials (see the module comment), with the paper's
 * exclusions (`includedInPaper`) unless `all`. `unfinished` counts offline judgments that never
 * reached a final judgement, which are not trials.
 */
export function nyuOfflineToTrials(
  rooms: readonly NyuRoom[],
  options: NyuToTrialsOptions = {},
): NyuImport & { unfinished: number } {
  const experimentId = options.experimentId ?? `${NYU_DATASET_NAME}-offline`;
  const { questions, byRoom } = nyuQuestions(rooms);
  const selected = rooms
    .filter((r) => hasImportedOfflineJudgments(r, options.all))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  let unfinished = 0;
  const trials = selected.flatMap((room) => {
    const { question, displayed } = byRoom.get(room.name)!;
    const made = offlineTrials(room, question, displayed, experimentId);
    unfinished += made.unfinished;
    return made.trials;
  });
  return { questions, participants: roomParticipants(selected), trials, unfinished };
}

/** Arms in the paper's order (human debate, human consultancy, AI debate, AI consultancy), variants after. */
function armRank(arm: string): number {
  const base = NYU_ARMS.findIndex((a) => arm === a || arm.startsWith(`${a}-`));
  return base * 3 + (arm.endsWith('-offline') ? 1 : arm.endsWith('-negotiated') ? 2 : 0);
}

/** The experiment an import describes: its arms, NYU's judges and NYU's reward. */
export function nyuExperimentConfig(
  data: NyuImport,
  experimentId = NYU_DATASET_NAME,
  about = 'Reanalysis of the NYU 2023 debate study, imported from its released data.',
): ExperimentConfig {
  const judgeIds = [...new Set(data.trials.map((t) => t.created.judgeId))].sort();
  const armNames = [...new Set(data.trials.map((t) => t.created.arm))].sort(
    (a, b) => armRank(a) - armRank(b) || (a < b ? -1 : 1),
  );
  const arms = armNames.flatMap((name) => {
    const trials = data.trials.filter((t) => t.created.arm === name);
    const first = trials[0];
    if (!first) return [];
    const mode = <T>(values: T[]): T => {
      const counts = new Map<string, { value: T; n: number }>();
      for (const value of values) {
        const key = JSON.stringify(value);
        const entry = counts.get(key) ?? { value, n: 0 };
        entry.n += 1;
        counts.set(key, entry);
      }
      return [...counts.values()].sort((a, b) => b.n - a.n)[0]!.value;
    };
    const rules = trials.map((t) => t.created.rules);
    return [
      {
        name,
        protocol: first.created.rules.protocol,
        rounds: Math.max(...rules.map((r) => r.rounds)),
        speeches: mode(rules.map((r) => r.speeches)),
        charLimit: mode(rules.map((r) => r.charLimit)),
        quoteLimit: mode(rules.map((r) => r.quoteLimit)),
        judgeMayEndEarly: true,
        beliefsEachRound: true,
        trialsPerQuestion: 1,
        arguer: name.startsWith('ai-')
          ? { kind: 'llm', model: 'gpt-4' }
          : { kind: 'human', platform: 'terminal' },
        judgePools: [NYU_JUDGE_POOL],
      },
    ];
  });
  return ExperimentConfigSchema.parse({
    name: experimentId,
    description:
      `${about} ${NYU_ATTRIBUTION}. ` +
      'Rounds are the most speech rounds any imported trial of the arm had; judges could end earlier.',
    seed: experimentId,
    dataset: { bundled: 'nyu-2023-quality' },
    judges: [{ name: NYU_JUDGE_POOL, ids: judgeIds, participant: { kind: 'human', platform: 'terminal' } }],
    arms,
    reward: NYU_REWARD,
  });
}

/** What an import wrote (zero everywhere when it had been imported before). */
export interface NyuImportSummary {
  experimentId: string;
  questions: number;
  participants: number;
  trials: number;
  /** Trials whose events (and judgment) this call appended. */
  completed: number;
  byArm: Record<string, number>;
  /** The offline judgments, imported as experiment `<experimentId>-offline` (null with `offline: false`). */
  offline: (Omit<NyuImportSummary, 'offline'> & { unfinished: number }) | null;
}

export interface NyuImportOptions extends NyuToTrialsOptions {
  /** Also import the offline judgments as experiment `<experimentId>-offline`. Default true. */
  offline?: boolean;
}

/**
 * Writes the NYU data into the database as an experiment: questions (dataset "nyu-2023"), the
 * experiment, participants, and every trial with its events and judgment; then the offline judgments
 * as experiment `<experimentId>-offline`. Idempotent: trials already complete are left alone, so a
 * second import (or a re-run after a crash) adds nothing.
 */
export async function importNyuDataset(
  db: Database,
  dir: string,
  options: NyuImportOptions = {},
): Promise<NyuImportSummary> {
  const experimentId = options.experimentId ?? NYU_DATASET_NAME;
  const rooms = await readNyuDebates(dir);
  const data = nyuToTrials(rooms, { ...options, experimentId });
  const live = await writeNyuExperiment(db, dir, data, nyuExperimentConfig(data, experimentId));
  if (options.offline === false) return { ...live, offline: null };
  const offlineId = `${experimentId}-offline`;
  const offline = nyuOfflineToTrials(rooms, { ...options, experimentId: offlineId });
  if (offline.trials.length === 0) return { ...live, offline: null };
  const config = nyuExperimentConfig(
    offline,
    offlineId,
    'Offline judgments of the NYU 2023 debate study: judges who read a finished room later (arms <arm>-offline), and rooms without a live judge that the debaters ended by a NegotiateEnd vote (arms <arm>-negotiated).',
  );
  const written = await writeNyuExperiment(db, dir, offline, config);
  return { ...live, offline: { ...written, unfinished: offline.unfinished } };
}

async function writeNyuExperiment(
  db: Database,
  dir: string,
  data: NyuImport,
  config: ExperimentConfig,
): Promise<Omit<NyuImportSummary, 'offline'>> {
  const experimentId = config.name;
  const written = await db.questions.upsertMany(NYU_DATASET_NAME, data.questions, dir);
  await db.experiments.ensure({
    id: experimentId,
    name: config.name,
    seed: config.seed,
    config: config as unknown as Record<string, unknown>,
    configHash: configHash(config),
  });
  const before = new Set((await db.participants.list(experimentId)).map((p) => p.id));
  await db.participants.upsertMany(
    experimentId,
    data.participants.map((p) => ({ ...p, spec: p.spec as unknown as Record<string, unknown> })),
  );
  // Through the same paths as a planned run: trialInput for the rows, appendFor for the logs.
  const everyoneIsPerson = () => true;
  const created = await db.trials.createMany(
    data.trials.map(({ created }, ordinal) =>
      trialInput(created, ordinal, NYU_DATASET_NAME, everyoneIsPerson),
    ),
  );
  const nextSeq = new Map<string, number>();
  for (let afterId: string | undefined; ; ) {
    const page = await db.trials.list(experimentId, { limit: 1000, ...(afterId ? { afterId } : {}) });
    for (const t of page) nextSeq.set(t.id, t.nextSeq);
    if (page.length < 1000) break;
    afterId = page.at(-1)!.id;
  }
  const store = databaseTrialStore(db);
  const record = { isPerson: everyoneIsPerson, reward: config.reward };
  let completed = 0;
  const byArm: Record<string, number> = {};
  for (const trial of data.trials) {
    byArm[trial.created.arm] = (byArm[trial.created.arm] ?? 0) + 1;
    const seq = nextSeq.get(trial.created.trialId);
    if (seq === 1 + trial.events.length) continue;
    if (seq !== 1)
      throw new Error(
        `trial ${trial.created.trialId} holds ${seq ?? 0} events where the import has ${1 + trial.events.length}; ` +
          `delete experiment "${experimentId}" and import again`,
      );
    const { input } = appendFor(foldEvents([trial.created]), trial.events, record);
    if (!input.judgment) throw new Error(`trial ${trial.created.trialId}: no verdict`);
    await store.append(input);
    completed += 1;
  }
  return {
    experimentId,
    questions: written.questions,
    participants: data.participants.filter((p) => !before.has(p.id)).length,
    trials: created,
    completed,
    byArm,
  };
}
