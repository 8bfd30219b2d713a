import { AppendConflictError, DuplicateMoveError } from '../errors.ts';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { RawQuery } from '../raw.ts';
import { isTransientDatabaseError } from '../transient.ts';
import type {
  AppendInput,
  AppendResult,
  JudgmentRowInput,
  MoveReceiptRow,
  StoredEvent,
  StoredEventPayload,
} from '../types.ts';
import { groupCommit } from './group-commit.ts';
import { chunks } from './json.ts';

export interface EventsRepository {
  /** The trial's log ordered by seq. Concurrent calls are read together (one query per batch). */
  load(trialId: string): Promise<StoredEvent[]>;
  /** Logs of several trials; every requested id is a key (an unknown trial maps to []). */
  loadMany(trialIds: readonly string[]): Promise<Map<string, StoredEvent[]>>;
  /**
   * Appends events at seq expectedSeq, expectedSeq + 1, … and, in the same statement, updates the trial
   * (nextSeq, status, judge), replaces who owes the next moves, records new seats, writes "your turn"
   * notices to the outbox, the Judgment row and the move's receipt when given. Throws, having written
   * nothing, AppendConflictError if the log is no longer at expectedSeq (another writer won, or this
   * append already happened), or DuplicateMoveError if the receipt's key was recorded before.
   * Appends made while others are being written are sent together through appendMany (group commit).
   */
  append(input: AppendInput): Promise<AppendResult>;
  /**
   * Appends to many trials in one statement (one commit), each still guarded by its own expectedSeq:
   * the outcome of each input, in order, says whether it was written or why not (a lost race is an
   * AppendConflictError, never a throw). A trial named twice is appended in order, in a second statement.
   */
  appendMany(inputs: readonly AppendInput[]): Promise<AppendOutcome[]>;
  /** The receipt of a person's move by its idempotency key, if that move was recorded. */
  receipt(key: string): Promise<MoveReceiptRow | null>;
}

/** What became of one input of appendMany. */
export type AppendOutcome = ({ ok: true } & AppendResult) | { ok: false; error: Error };

export interface AppendBatching {
  /** Trials per append statement (default 500). */
  maxTrials?: number;
  /** Append statements at once (default 1; a server's pool can overlap one commit with the next batch). */
  maxInFlight?: number;
}

type EventRow = { trialId: string; seq: number; payload: unknown; recordedAt: Date };
const toEvent = (r: EventRow): StoredEvent => ({
  seq: r.seq,
  payload: r.payload as StoredEventPayload,
  recordedAt: r.recordedAt,
});

export function eventsRepository(
  prisma: PrismaClient,
  raw: RawQuery,
  batching: AppendBatching = {},
): EventsRepository {
  async function loadMany(trialIds: readonly string[]) {
    const out = new Map<string, StoredEvent[]>(trialIds.map((id) => [id, []]));
    for (const ids of chunks([...new Set(trialIds)], 5_000)) {
      const rows = await raw<EventRow>(Prisma.sql`
        SELECT "trialId", "seq", "payload", "recordedAt" AT TIME ZONE 'UTC' AS "recordedAt" FROM "TrialEvent"
        WHERE "trialId" = ANY(${ids}::text[]) ORDER BY "trialId", "seq"`);
      for (const r of rows) out.get(r.trialId)?.push(toEvent(r));
    }
    return out;
  }

  async function appendMany(inputs: readonly AppendInput[]): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = new Array(inputs.length);
    // A trial named twice is appended in rounds, each seeing what the one before wrote.
    let round: number[] = [];
    let later: number[] = [];
    const named = new Set<string>();
    inputs.forEach((input, i) => {
      const invalid = invalidInput(input);
      if (invalid) outcomes[i] = { ok: false, error: invalid };
      else if (named.has(input.trialId)) later.push(i);
      else {
        named.add(input.trialId);
        round.push(i);
      }
    });
    while (round.length > 0) {
      await appendRound(
        round.map((i) => inputs[i]!),
        (k, outcome) => {
          outcomes[round[k]!] = outcome;
        },
      );
      named.clear();
      const next: number[] = [];
      const rest: number[] = [];
      for (const i of later) {
        if (named.has(inputs[i]!.trialId)) rest.push(i);
        else {
          named.add(inputs[i]!.trialId);
          next.push(i);
        }
      }
      round = next;
      later = rest;
    }
    return outcomes;
  }

  /** One statement for trials named once each; on a violated key or another refusal, one per trial. */
  async function appendRound(inputs: AppendInput[], report: (k: number, outcome: AppendOutcome) => void) {
    const recordedAt = new Date();
    let won: number[];
    try {
      const [row] = await raw<{ won: number[] }>(appendStatement(inputs, recordedAt));
      won = row?.won ?? [];
    } catch (error) {
      if (inputs.length === 1) return report(0, { ok: false, error: await explain(inputs[0]!, error) });
      // One trial's violated key (or a deadlock between batches) fails the whole statement: find out
      // whose, trial by trial. A lost connection fails them all, without trying each.
      for (let k = 0; k < inputs.length; k++) {
        if (isTransientDatabaseError(error)) report(k, { ok: false, error: error as Error });
        else await appendRound([inputs[k]!], (_, outcome) => report(k, outcome));
      }
      return;
    }
    const wonSet = new Set(won);
    const lost: number[] = [];
    inputs.forEach((input, k) => {
      if (wonSet.has(k))
        report(k, { ok: true, nextSeq: input.expectedSeq + input.events.length, recordedAt });
      else lost.push(k);
    });
    if (lost.length === 0) return;
    const current = new Map(
      (
        await prisma.trial.findMany({
          where: { id: { in: lost.map((k) => inputs[k]!.trialId) } },
          select: { id: true, nextSeq: true },
        })
      ).map((t) => [t.id, t.nextSeq]),
    );
    for (const k of lost) {
      const { trialId, expectedSeq, judgment } = inputs[k]!;
      const at = current.get(trialId) ?? null;
      // Still at expectedSeq, so the guard that refused it was the judgment's columns: say which.
      const mismatch =
        at === expectedSeq && judgment ? await judgmentMismatch(prisma, trialId, judgment) : null;
      report(k, { ok: false, error: mismatch ?? new AppendConflictError(trialId, expectedSeq, at) });
    }
  }

  /** The error a single append's failed statement stands for. */
  async function explain(input: AppendInput, error: unknown): Promise<Error> {
    const constraint = uniqueViolation(error);
    if (constraint === 'MoveReceipt_pkey' && input.receipt) return new DuplicateMoveError(input.receipt.key);
    if (constraint === 'TrialEvent_pkey') return conflict(prisma, input.trialId, input.expectedSeq);
    if (constraint !== null)
      return new Error(
        `append to trial ${input.trialId}: the unique key ${constraint} already holds this row; nothing was written`,
        { cause: error },
      );
    return error as Error;
  }

  const maxItems = batching.maxTrials ?? 500;
  const queued = groupCommit<AppendInput, AppendOutcome>(appendMany, {
    maxItems,
    maxInFlight: batching.maxInFlight ?? 1,
    minItemsAlongside: Math.ceil(maxItems / 5),
    key: (input) => input.trialId,
  });
  const loadQueued = groupCommit<string, StoredEvent[]>(
    async (ids) => {
      const logs = await loadMany(ids);
      return ids.map((id) => logs.get(id)!);
    },
    { maxItems: 2_000, maxInFlight: 2 },
  );

  return {
    load: loadQueued,
    loadMany,
    appendMany,

    async append(input) {
      const outcome = await queued(input);
      if (!outcome.ok) throw outcome.error;
      return { nextSeq: outcome.nextSeq, recordedAt: outcome.recordedAt };
    },

    async receipt(key) {
      return prisma.moveReceipt.findUnique({ where: { key } });
    },
  };
}

function invalidInput(input: AppendInput): TypeError | null {
  if (input.events.length === 0) return new TypeError('append: no events given');
  if (input.events.some((e) => typeof e?.type !== 'string'))
    return new TypeError('append: every event payload needs a string `type`');
  return null;
}

/** Channel of the NOTIFY sent when a trial needs driving or a person has a new notice (server only). */
export const NOTIFY_CHANNEL = 'oversight';

const JUDGMENT_COLUMNS = ['experimentId', 'arm', 'protocol', 'questionId', 'storyId', 'judgeId'] as const;

// One statement for every trial of the batch, so one round trip and one commit, atomic without an
// interactive transaction (which would hold PGlite's only connection, or a pooled one, across round
// trips). Each input is a row of `b`, numbered `i`; its events, owed moves, seats, notices, receipt and
// judgment are rows of their own JSON arrays carrying the same `i`. The guarded UPDATE comes first: a
// trial whose nextSeq is no longer expectedSeq (or whose judgment names other columns than the trial's)
// is not in `upd`, and every INSERT reads from `upd`, so nothing of it is written. A concurrent writer
// blocks on the trial's row lock and then, under READ COMMITTED, re-checks nextSeq and matches nothing.
// If a row was still written behind our back, the (trialId, seq) key fails the whole statement.
function appendStatement(inputs: readonly AppendInput[], recordedAt: Date) {
  const at = Prisma.sql`${recordedAt}::timestamp(3)`;
  const rows = inputs.map((input, i) => ({
    i,
    trialId: input.trialId,
    expectedSeq: input.expectedSeq,
    nextSeq: input.expectedSeq + input.events.length,
    status: input.trial.status,
    setJudge: input.trial.judgeId !== undefined,
    judgeId: input.trial.judgeId ?? null,
    roles: input.owed.map((o) => o.role),
    wake: input.wake === true || (input.notify?.length ?? 0) > 0,
    // The denormalised judgment columns a caller passed, which must agree with the trial.
    ...Object.fromEntries(JUDGMENT_COLUMNS.map((c) => [`j_${c}`, input.judgment?.[c] ?? null] as const)),
    j_trialId: input.judgment?.trialId ?? null,
  }));
  const per = <T>(pick: (input: AppendInput) => readonly T[] | undefined) =>
    inputs.flatMap((input, i) => (pick(input) ?? []).map((x) => ({ i, ...x })));
  const events = inputs.flatMap((input, i) =>
    input.events.map((value, k) => ({ i, seq: input.expectedSeq + k, value })),
  );
  const owed = per((input) => input.owed);
  const seats = per((input) => input.seats);
  const notices = per((input) => input.notify);
  const receipts = per((input) =>
    input.receipt ? [{ ...input.receipt, seq: input.expectedSeq, events: input.events.length }] : [],
  );
  const judgments = per((input) => (input.judgment ? [input.judgment] : []));
  const json = (value: unknown) => Prisma.sql`${JSON.stringify(value)}::jsonb`;

  const ctes: Prisma.Sql[] = [
    Prisma.sql`ins AS (
      INSERT INTO "TrialEvent" ("trialId", "seq", "type", "payload", "recordedAt")
      SELECT upd."id", e."seq", e."value"->>'type', e."value", ${at}
      FROM upd JOIN jsonb_to_recordset(${json(events)}) AS e("i" int, "seq" int, "value" jsonb) ON e."i" = upd."i"
      RETURNING 1
    )`,
    // Rows of roles no longer due go; the others are upserted (disjoint rows, as one statement requires).
    Prisma.sql`owed_gone AS (
      DELETE FROM "OwedMove" o USING upd
      WHERE o."trialId" = upd."id" AND NOT (o."role" = ANY(upd."roles"))
      RETURNING 1
    )`,
  ];
  if (owed.length > 0)
    ctes.push(Prisma.sql`owed_now AS (
      INSERT INTO "OwedMove" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "ordinal", "sinceSeq", "since", "human")
      SELECT upd."id", x."role", x."participantId", upd."experimentId", upd."arm", upd."storyId", upd."ordinal", x."sinceSeq", ${at}, x."human"
      FROM upd JOIN jsonb_to_recordset(${json(owed)})
        AS x("i" int, "role" text, "participantId" text, "sinceSeq" int, "human" boolean) ON x."i" = upd."i"
      ON CONFLICT ("trialId", "role") DO UPDATE SET
        "participantId" = EXCLUDED."participantId", "human" = EXCLUDED."human", "sinceSeq" = EXCLUDED."sinceSeq",
        "since" = CASE WHEN "OwedMove"."sinceSeq" = EXCLUDED."sinceSeq" THEN "OwedMove"."since" ELSE EXCLUDED."since" END
      RETURNING 1
    )`);
  if (seats.length > 0)
    ctes.push(Prisma.sql`seated AS (
      INSERT INTO "Seat" ("trialId", "role", "participantId", "experimentId", "arm", "storyId", "assignedAt")
      SELECT upd."id", x."role", x."participantId", upd."experimentId", upd."arm", upd."storyId", ${at}
      FROM upd JOIN jsonb_to_recordset(${json(seats)}) AS x("i" int, "role" text, "participantId" text) ON x."i" = upd."i"
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`);
  if (notices.length > 0)
    ctes.push(Prisma.sql`noticed AS (
      INSERT INTO "Notification" ("experimentId", "trialId", "participantId", "role", "sinceSeq", "kind", "createdAt")
      SELECT upd."experimentId", upd."id", x."participantId", x."role", x."sinceSeq", 'your-turn', ${at}
      FROM upd JOIN jsonb_to_recordset(${json(notices)})
        AS x("i" int, "participantId" text, "role" text, "sinceSeq" int) ON x."i" = upd."i"
      ON CONFLICT DO NOTHING
      RETURNING 1
    )`);
  if (receipts.length > 0)
    ctes.push(Prisma.sql`receipt AS (
      INSERT INTO "MoveReceipt" ("key", "trialId", "seq", "events", "participantId", "platform", "ref", "recordedAt")
      SELECT x."key", upd."id", x."seq", x."events", x."participantId", x."platform", x."ref", ${at}
      FROM upd JOIN jsonb_to_recordset(${json(receipts)})
        AS x("i" int, "key" text, "seq" int, "events" int, "participantId" text, "platform" text, "ref" text) ON x."i" = upd."i"
      RETURNING 1
    )`);
  if (judgments.length > 0)
    ctes.push(Prisma.sql`jud AS (
      INSERT INTO "Judgment" ("trialId", "experimentId", "arm", "protocol", "questionId", "storyId", "judgeId",
        "arguerHonest", "induction", "honestArguerId", "dishonestArguerId",
        "probCorrect", "correct", "rounds", "reward", "beliefs")
      SELECT upd."id", upd."experimentId", upd."arm", upd."protocol", upd."questionId", upd."storyId", upd."judgeId",
        x."arguerHonest", x."induction", x."honestArguerId", x."dishonestArguerId",
        x."probCorrect", x."correct", x."rounds", x."reward", x."beliefs"
      FROM upd JOIN jsonb_to_recordset(${json(judgments)})
        AS x("i" int, "arguerHonest" boolean, "induction" text, "honestArguerId" text, "dishonestArguerId" text,
             "probCorrect" float8, "correct" boolean, "rounds" int, "reward" float8, "beliefs" jsonb) ON x."i" = upd."i"
      RETURNING 1
    )`);
  // A NOTIFY (delivered at commit) wakes `serve` for a trial to drive and chat apps for a notice, once per
  // experiment. A plain SELECT in WITH runs only when referenced, hence the reference below.
  const wake = rows.some((r) => r.wake);
  if (wake)
    ctes.push(Prisma.sql`woke AS (
      SELECT pg_notify(${NOTIFY_CHANNEL}::text, w."experimentId")
      FROM (SELECT DISTINCT "experimentId" FROM upd WHERE upd."wake") w
    )`);
  const matches = JUDGMENT_COLUMNS.map(
    (c) =>
      Prisma.sql`AND (b.${Prisma.raw(`"j_${c}"`)} IS NULL OR b.${Prisma.raw(`"j_${c}"`)} = t.${Prisma.raw(`"${c}"`)})`,
  );
  return Prisma.sql`
    WITH b AS (
      SELECT * FROM jsonb_to_recordset(${json(rows)}) AS b("i" int, "trialId" text, "expectedSeq" int,
        "nextSeq" int, "status" text, "setJudge" boolean, "judgeId" text, "roles" text[], "wake" boolean,
        "j_experimentId" text, "j_arm" text, "j_protocol" text, "j_questionId" text, "j_storyId" text,
        "j_judgeId" text, "j_trialId" text)
      ORDER BY b."trialId"
    ), upd AS (
      UPDATE "Trial" t
      SET "nextSeq" = b."nextSeq", "status" = b."status", "updatedAt" = ${at},
          "judgeId" = CASE WHEN b."setJudge" THEN b."judgeId" ELSE t."judgeId" END,
          -- A trial that no longer needs driving needs no lease: a person's move may make it active again.
          "leaseOwner" = CASE WHEN b."status" = 'active' THEN t."leaseOwner" END,
          "leaseUntil" = CASE WHEN b."status" = 'active' THEN t."leaseUntil" END
      FROM b
      WHERE t."id" = b."trialId" AND t."nextSeq" = b."expectedSeq"
        AND (b."j_trialId" IS NULL OR b."j_trialId" = t."id") ${Prisma.join(matches, ' ')}
      RETURNING b."i", t."id", t."experimentId", t."arm", t."protocol", t."questionId", t."storyId", t."judgeId",
        t."ordinal", b."roles", b."wake"
    ), ${Prisma.join(ctes, ', ')}
    SELECT coalesce((SELECT array_agg(upd."i") FROM upd), '{}'::int[]) AS won${wake ? Prisma.sql`, (SELECT count(*) FROM woke)::int AS woke` : Prisma.empty}`;
}

// Only for a verdict append that its guard refused while the trial was still at expectedSeq: one read.
// No race: a trial's identity columns never change after it is created, and its judge only by an append.
async function judgmentMismatch(
  prisma: PrismaClient,
  trialId: string,
  judgment: JudgmentRowInput,
): Promise<Error | null> {
  const trial = await prisma.trial.findUnique({ where: { id: trialId } });
  if (!trial) return null;
  const actual: Record<string, string | null> = { trialId };
  for (const k of JUDGMENT_COLUMNS) actual[k] = trial[k];
  const wrong = Object.keys(actual).filter((k) => {
    const given = judgment[k as keyof JudgmentRowInput];
    return given !== undefined && given !== actual[k];
  });
  if (wrong.length === 0) return null;
  const detail = wrong.map((k) => `${k}: ${String(judgment[k as keyof JudgmentRowInput])} ≠ ${actual[k]}`);
  return new Error(
    `append: the judgment does not match trial ${trialId} (${detail.join(', ')}); nothing was written`,
  );
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
  // Straight from the driver (pg, PGlite): the SQLSTATE and the constraint are fields of the error.
  const direct = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (direct?.code === '23505')
    return typeof direct.constraint === 'string'
      ? direct.constraint
      : (/"?(\w+_pkey|\w+_key)"?/.exec(String(direct.message))?.[1] ?? 'unknown');
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return null;
  const text = `${JSON.stringify(error.meta)} ${error.message}`;
  if (error.code !== 'P2002' && !(error.code === 'P2010' && /23505|unique constraint/i.test(text)))
    return null;
  return /"?(\w+_pkey|\w+_key)"?/.exec(text)?.[1] ?? 'unknown';
}
