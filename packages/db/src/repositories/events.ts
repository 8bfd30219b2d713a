import { AppendConflictError, DuplicateMoveError } from '../errors.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type {
  AppendInput,
  AppendResult,
  JudgmentRowInput,
  MoveReceiptRow,
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
   * Appends events at seq expectedSeq, expectedSeq + 1, … and, in the same statement, updates the trial
   * (nextSeq, status, judge), replaces who owes the next moves, records new seats, writes "your turn"
   * notices to the outbox, the Judgment row and the move's receipt when given. Throws, having written
   * nothing, AppendConflictError if the log is no longer at expectedSeq (another writer won, or this
   * append already happened), or DuplicateMoveError if the receipt's key was recorded before.
   */
  append(input: AppendInput): Promise<AppendResult>;
  /** The receipt of a person's move by its idempotency key, if that move was recorded. */
  receipt(key: string): Promise<MoveReceiptRow | null>;
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
        result = await prisma.$queryRaw<Array<{ updated: number }>>(appendStatement(input, recordedAt));
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (constraint === 'MoveReceipt_pkey' && input.receipt)
          throw new DuplicateMoveError(input.receipt.key);
        if (constraint === 'TrialEvent_pkey') throw await conflict(prisma, trialId, expectedSeq);
        if (constraint !== null)
          throw new Error(
            `append to trial ${trialId}: the unique key ${constraint} already holds this row; nothing was written`,
            { cause: error },
          );
        throw error;
      }
      if (result[0]?.updated !== 1) throw await conflict(prisma, trialId, expectedSeq);
      return { nextSeq: expectedSeq + events.length, recordedAt };
    },

    async receipt(key) {
      return prisma.moveReceipt.findUnique({ where: { key } });
    },
  };
}

/** Channel of the NOTIFY sent when a trial needs driving or a person has a new notice (server only). */
export const NOTIFY_CHANNEL = 'oversight';

// One statement, so one round trip and atomic without an interactive transaction (which would hold
// PGlite's only connection, or a pooled connection, across several round trips). The guarded UPDATE
// comes first: a concurrent writer blocks on the trial's row lock and then, under READ COMMITTED,
// re-checks `nextSeq` and matches nothing, so every INSERT that reads from `upd` inserts nothing either.
// If a row was still written behind our back, the (trialId, seq) key fails the whole statement.
function appendStatement(input: AppendInput, recordedAt: Date) {
  const { trialId, expectedSeq, events, trial, judgment, receipt } = input;
  const at = Prisma.sql`${recordedAt}::timestamp(3)`;
  const judgeSet =
    trial.judgeId !== undefined ? Prisma.sql`, "judgeId" = ${trial.judgeId}::text` : Prisma.empty;
  const ctes: Prisma.Sql[] = [
    Prisma.sql`ins AS (
      INSERT INTO "TrialEvent" ("trialId", "seq", "type", "payload", "recordedAt")
      SELECT upd."id", ${expectedSeq}::int + (e.ord - 1)::int, e.value->>'type', e.value, ${at}
      FROM upd, jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS e(value, ord)
      RETURNING 1
    )`,
    // Rows of roles no longer due go; the others are upserted (disjoint rows, as one statement requires).
    Prisma.sql`owed_gone AS (
      DELETE FROM "OwedMove" o USING upd
      WHERE o."trialId" = upd."id" AND NOT (o."role" = ANY(${input.owed.map((o) => o.role)}::text[]))
      RETURNING 1
    )`,
  ];
  if (input.owed.length > 0)
    ctes.push(Prisma.sql`owed_now AS (
      INSERT INTO "OwedMove" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "ordinal", "sinceSeq", "since", "human")
      SELECT upd."id", x."role", x."participantId", upd."experimentId", upd."arm", upd."storyId", upd."ordinal", x."sinceSeq", ${at}, x."human"
      FROM upd, jsonb_to_recordset(${JSON.stringify(input.owed)}::jsonb)
        AS x("role" text, "participantId" text, "sinceSeq" int, "human" boolean)
      ON CONFLICT ("trialId", "role") DO UPDATE SET
        "participantId" = EXCLUDED."participantId", "human" = EXCLUDED."human", "sinceSeq" = EXCLUDED."sinceSeq",
        "since" = CASE WHEN "OwedMove"."sinceSeq" = EXCLUDED."sinceSeq" THEN "OwedMove"."since" ELSE EXCLUDED."since" END
      RETURNING 1
    )`);
  if (input.seats?.length)
    ctes.push(Prisma.sql`seated AS (
      INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
      SELECT upd."id", x."role", x."participantId", upd."experimentId", upd."arm", upd."storyId", ${at}
      FROM upd, jsonb_to_recordset(${JSON.stringify(input.seats)}::jsonb) AS x("role" text, "participantId" text)
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`);
  if (input.notify?.length)
    ctes.push(Prisma.sql`noticed AS (
      INSERT INTO "Notification" ("experimentId", "trialId", "participantId", "role", "sinceSeq", "kind", "createdAt")
      SELECT upd."experimentId", upd."id", x."participantId", x."role", x."sinceSeq", 'your-turn', ${at}
      FROM upd, jsonb_to_recordset(${JSON.stringify(input.notify)}::jsonb)
        AS x("participantId" text, "role" text, "sinceSeq" int)
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`);
  if (receipt)
    ctes.push(Prisma.sql`receipt AS (
      INSERT INTO "MoveReceipt" ("key", "trialId", "seq", "events", "participantId", "platform", "ref", "recordedAt")
      SELECT ${receipt.key}::text, upd."id", ${expectedSeq}::int, ${events.length}::int,
        ${receipt.participantId}::text, ${receipt.platform}::text, ${receipt.ref}::text, ${at}
      FROM upd
      RETURNING 1
    )`);
  if (judgment)
    ctes.push(Prisma.sql`jud AS (
      INSERT INTO "Judgment" ("trialId", "experimentId", "arm", "protocol", "questionId", "storyId", "judgeId",
        "arguerHonest", "induction", "honestArguerId", "dishonestArguerId",
        "probCorrect", "correct", "rounds", "reward", "beliefs")
      SELECT upd."id", upd."experimentId", upd."arm", upd."protocol", upd."questionId", upd."storyId", upd."judgeId",
        ${judgment.arguerHonest ?? null}::boolean, ${judgment.induction ?? null}::text,
        ${judgment.honestArguerId ?? null}::text, ${judgment.dishonestArguerId ?? null}::text,
        ${judgment.probCorrect}::float8, ${judgment.correct}::boolean, ${judgment.rounds}::int,
        ${judgment.reward}::float8, ${JSON.stringify(judgment.beliefs)}::jsonb
      FROM upd
      RETURNING 1
    )`);
  // A NOTIFY (delivered at commit) wakes `serve` for a trial to drive and chat apps for a notice. A plain
  // SELECT in WITH runs only when referenced, hence the reference below.
  const wake = input.wake === true || (input.notify?.length ?? 0) > 0;
  if (wake)
    ctes.push(Prisma.sql`woke AS (
      SELECT pg_notify(${NOTIFY_CHANNEL}::text, upd."experimentId") FROM upd
    )`);
  return Prisma.sql`
    WITH upd AS (
      UPDATE "Trial"
      SET "nextSeq" = ${expectedSeq + events.length}::int, "status" = ${trial.status}::text,
          "updatedAt" = ${at}${judgeSet}
      WHERE "id" = ${trialId}::text AND "nextSeq" = ${expectedSeq}::int
      RETURNING "id", "experimentId", "arm", "protocol", "questionId", "storyId", "judgeId", "ordinal"
    ), ${Prisma.join(ctes, ', ')}
    SELECT (SELECT count(*) FROM upd)::int AS updated${wake ? Prisma.sql`, (SELECT count(*) FROM woke)::int AS woke` : Prisma.empty}`;
}

const denormalised = ['experimentId', 'arm', 'protocol', 'questionId', 'judgeId'] as const;

// Only on the verdict append (once per trial) and only when the caller passed these columns: one read.
// No race: a trial's identity columns never change after it is created, and its judge only by an append.
async function checkJudgmentMatchesTrial(prisma: PrismaClient, trialId: string, judgment: JudgmentRowInput) {
  const given = [...denormalised, 'storyId', 'trialId'].filter(
    (k) => judgment[k as keyof JudgmentRowInput] !== undefined,
  );
  if (given.length === 0) return;
  const trial = await prisma.trial.findUnique({ where: { id: trialId } });
  if (!trial) return; // the append itself reports the missing trial
  const actual: Record<string, string | null> = { trialId, storyId: trial.storyId };
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

/**
 * The constraint a unique violation broke, or null for any other error. Only the log's own key means
 * "another writer won"; any other violated key is a real error and must not be retried as a conflict.
 * Prisma reports a unique violation in a raw query as P2010 (raw query failed) or P2002, depending on the
 * adapter's error mapping; the PostgreSQL code 23505 and the constraint name are in the metadata or message.
 */
export function uniqueViolation(error: unknown): string | null {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return null;
  const text = `${JSON.stringify(error.meta)} ${error.message}`;
  if (error.code !== 'P2002' && !(error.code === 'P2010' && /23505|unique constraint/i.test(text)))
    return null;
  return /"?(\w+_pkey|\w+_key)"?/.exec(text)?.[1] ?? 'unknown';
}
