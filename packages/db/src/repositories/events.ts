import { AppendConflictError } from '../errors.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type {
  AppendInput,
  AppendResult,
  JudgmentRowInput,
  StoredEvent,
  StoredEventPayload,
} from '../types.ts';
import { chunks } from './json.ts';

export interface EventsRepository {
  /** The trial's log ordered by seq. */
  load(trialId: string): Promise<StoredEvent[]>;
  /** Logs of several trials; every requested id is a key (an unknown trial maps to []). */
  loadMany(trialIds: readonly string[]): Promise<Map<string, StoredEvent[]>>;
  /**
   * Appends events at seq expectedSeq, expectedSeq + 1, … and updates the trial (nextSeq, status,
   * waitingOn), plus the Judgment row when given, atomically. Throws AppendConflictError, having written
   * nothing, if the log is no longer at expectedSeq (another writer won, or this append already happened).
   */
  append(input: AppendInput): Promise<AppendResult>;
}

type EventRow = { trialId: string; seq: number; payload: unknown; recordedAt: Date };
const toEvent = (r: EventRow): StoredEvent => ({
  seq: r.seq,
  payload: r.payload as StoredEventPayload,
  recordedAt: r.recordedAt,
});

export function eventsRepository(prisma: PrismaClient): EventsRepository {
  return {
    async load(trialId) {
      const rows = await prisma.trialEvent.findMany({ where: { trialId }, orderBy: { seq: 'asc' } });
      return rows.map(toEvent);
    },

    async loadMany(trialIds) {
      const out = new Map<string, StoredEvent[]>(trialIds.map((id) => [id, []]));
      for (const ids of chunks([...new Set(trialIds)], 5_000)) {
        const rows = await prisma.trialEvent.findMany({
          where: { trialId: { in: ids } },
          orderBy: [{ trialId: 'asc' }, { seq: 'asc' }],
        });
        for (const r of rows) out.get(r.trialId)?.push(toEvent(r));
      }
      return out;
    },

    async append(input) {
      const { trialId, expectedSeq, events, judgment } = input;
      if (events.length === 0) throw new TypeError('append: no events given');
      for (const e of events) {
        if (typeof e?.type !== 'string')
          throw new TypeError('append: every event payload needs a string `type`');
      }
      if (judgment) await checkJudgmentMatchesTrial(prisma, trialId, judgment);
      const recordedAt = new Date();
      let result: Array<{ updated: number }>;
      try {
        result = await prisma.$queryRaw<Array<{ updated: number }>>(
          appendStatement(input, recordedAt, judgment),
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw await conflict(prisma, trialId, expectedSeq);
        throw error;
      }
      if (result[0]?.updated !== 1) throw await conflict(prisma, trialId, expectedSeq);
      return { nextSeq: expectedSeq + events.length, recordedAt };
    },
  };
}

// One statement, so one round trip and atomic without an interactive transaction (which would hold
// PGlite's only connection, or a pooled connection, across several round trips). The guarded UPDATE
// comes first: a concurrent writer blocks on the trial's row lock and then, under READ COMMITTED,
// re-checks `nextSeq` and matches nothing, so the INSERTs that read from `upd` insert nothing either.
// If a row was still written behind our back, the (trialId, seq) key fails the whole statement.
function appendStatement(input: AppendInput, recordedAt: Date, judgment: JudgmentRowInput | undefined) {
  const { trialId, expectedSeq, events, trial } = input;
  const judgmentCte = judgment
    ? Prisma.sql`, jud AS (
        INSERT INTO "Judgment" ("trialId", "experimentId", "arm", "protocol", "questionId", "storyId", "judgeId",
          "arguerHonest", "induction", "honestArguerId", "dishonestArguerId",
          "probCorrect", "correct", "rounds", "reward", "beliefs")
        SELECT upd."id", upd."experimentId", upd."arm", upd."protocol", upd."questionId", q."storyId", upd."judgeId",
          ${judgment.arguerHonest ?? null}::boolean, ${judgment.induction ?? null}::text,
          ${judgment.honestArguerId ?? null}::text, ${judgment.dishonestArguerId ?? null}::text,
          ${judgment.probCorrect}::float8, ${judgment.correct}::boolean, ${judgment.rounds}::int,
          ${judgment.reward}::float8, ${JSON.stringify(judgment.beliefs)}::jsonb
        FROM upd JOIN "Question" q ON q."id" = upd."questionId"
        RETURNING 1
      )`
    : Prisma.empty;
  return Prisma.sql`
    WITH upd AS (
      UPDATE "Trial"
      SET "nextSeq" = ${expectedSeq + events.length}::int, "status" = ${trial.status}::text,
          "waitingOn" = ${trial.waitingOn}::text, "updatedAt" = ${recordedAt}::timestamp(3)
      WHERE "id" = ${trialId}::text AND "nextSeq" = ${expectedSeq}::int
      RETURNING "id", "experimentId", "arm", "protocol", "questionId", "judgeId"
    ), ins AS (
      INSERT INTO "TrialEvent" ("trialId", "seq", "type", "payload", "recordedAt")
      SELECT upd."id", ${expectedSeq}::int + (e.ord - 1)::int, e.value->>'type', e.value, ${recordedAt}::timestamp(3)
      FROM upd, jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS e(value, ord)
      RETURNING 1
    )${judgmentCte}
    SELECT (SELECT count(*) FROM upd)::int AS updated`;
}

const denormalised = ['experimentId', 'arm', 'protocol', 'questionId', 'judgeId'] as const;

// Only on the verdict append (once per trial) and only when the caller passed these columns: one read.
// No race: a trial's identity columns never change after it is created.
async function checkJudgmentMatchesTrial(prisma: PrismaClient, trialId: string, judgment: JudgmentRowInput) {
  const given = [...denormalised, 'storyId', 'trialId'].filter(
    (k) => judgment[k as keyof JudgmentRowInput] !== undefined,
  );
  if (given.length === 0) return;
  const trial = await prisma.trial.findUnique({ where: { id: trialId }, include: { question: true } });
  if (!trial) return; // the append itself reports the missing trial
  const actual: Record<string, string> = { trialId, storyId: trial.question.storyId };
  for (const k of denormalised) actual[k] = trial[k];
  const wrong = given.filter((k) => judgment[k as keyof JudgmentRowInput] !== actual[k]);
  if (wrong.length > 0) {
    const detail = wrong.map((k) => `${k}: ${String(judgment[k as keyof JudgmentRowInput])} ≠ ${actual[k]}`);
    throw new Error(
      `append: the judgment does not match trial ${trialId} (${detail.join(', ')}); nothing was written`,
    );
  }
}

async function conflict(
  prisma: PrismaClient,
  trialId: string,
  expectedSeq: number,
): Promise<AppendConflictError> {
  const current = await prisma.trial.findUnique({ where: { id: trialId }, select: { nextSeq: true } });
  return new AppendConflictError(trialId, expectedSeq, current?.nextSeq ?? null);
}

// Prisma reports a unique violation in a raw query as P2010 (raw query failed) or P2002, depending on the
// adapter's error mapping; the PostgreSQL code 23505 appears in the metadata or the message.
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  return (
    error.code === 'P2010' &&
    /23505|unique constraint/i.test(`${JSON.stringify(error.meta)} ${error.message}`)
  );
}
