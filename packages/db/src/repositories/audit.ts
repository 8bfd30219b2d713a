import { Prisma } from '../generated/prisma/client.ts';
import type { RawQuery } from '../raw.ts';

/**
 * What a design audit reads of an experiment's plan, counted by the database: every trial's first
 * event (TrialCreated) is read where it is stored and only what the audit reads of it leaves, with
 * counts, where reading the events themselves took 25 s of `analyze` for half a million trials.
 */

/**
 * Trials of one experiment alike in what the audit checks, counted. The values are the first event's
 * own JSON values (grouped by the database's JSON equality, under which two values are equal exactly
 * when JavaScript reads them as the same), so the caller reads them as it would read the event.
 */
export interface PlanCellRow {
  arm: unknown;
  questionId: unknown;
  /** null when absent. */
  dataset: unknown;
  /** Set on a new attempt at an aborted trial; null when absent. */
  retryOf: unknown;
  /** How many arguers the trial has. */
  arguers: number;
  /** The first arguer's `honest`; null when absent. */
  firstHonest: unknown;
  /** Original answer indices in the order shown, and the index in it of the correct answer. */
  displayed: unknown;
  correctDisplayed: unknown;
  /** The judge seat is left to a person (`judgeId` null) or held by one of the judge ids given. */
  byPerson: boolean;
  trials: number;
}

/** A trial whose judge is a person, or a seat for one (see AuditRepository.personJudged). */
export interface PersonJudgedRow {
  trialId: string;
  /** As the trial's first event says. */
  experimentId: string;
  arm: string;
  protocol: string;
  /** The arm's pace (`rules.paceSeconds`), null when it has none. */
  paceSeconds: number | null;
}

export interface AuditRepository {
  /**
   * The experiment's trials grouped as PlanCellRow says, each group with its count, in the order of
   * each group's first trial by id (so that reading them in order meets every arm, question and
   * cell where reading the trials one by one in id order would first meet it). `judgeIds`: the judges
   * who are people. One statement; the trials' first events are read by the database.
   */
  planCells(experimentId: string, judgeIds: readonly string[]): Promise<PlanCellRow[]>;
  /**
   * The experiment's trials (new attempts at aborted ones left out) whose first event gives the
   * judge seat to nobody yet (`judgeId` null: a person takes it) or to one of `judgeIds`, by id.
   */
  personJudged(experimentId: string, judgeIds: readonly string[]): Promise<PersonJudgedRow[]>;
}

// JavaScript's truthiness of a JSON value (absent, null, false, 0, "" are false).
const truthy = (value: Prisma.Sql) =>
  Prisma.sql`coalesce(${value} NOT IN ('null'::jsonb, 'false'::jsonb, '0'::jsonb, '""'::jsonb), false)`;

/** The judge seat left to a person (JSON null), or held by one of `judgeIds`. */
const byPerson = (p: Prisma.Sql, judgeIds: readonly string[]) => Prisma.sql`(${p}->'judgeId' = 'null'::jsonb
  OR (jsonb_typeof(${p}->'judgeId') = 'string' AND ${p}->>'judgeId' = ANY(${[...judgeIds]}::text[])))`;

/** The experiment's trials with their first event's payload (`p`): the Trial key, then the event's. */
const firstEvents = (experimentId: string) => Prisma.sql`
  SELECT e."trialId", e."payload" AS p
  FROM "Trial" t JOIN "TrialEvent" e ON e."trialId" = t."id" AND e."seq" = 0
  WHERE t."experimentId" = ${experimentId}`;

export function auditRepository(raw: RawQuery): AuditRepository {
  return {
    async planCells(experimentId, judgeIds) {
      const rows = await raw<PlanCellRow & { first: string }>(Prisma.sql`
        WITH f AS (${firstEvents(experimentId)})
        SELECT f.p->'arm' AS "arm", f.p->'questionId' AS "questionId", f.p->'dataset' AS "dataset",
          f.p->'retryOf' AS "retryOf", jsonb_array_length(f.p->'arguers') AS "arguers",
          f.p->'arguers'->0->'honest' AS "firstHonest", f.p->'displayed' AS "displayed",
          f.p->'correctDisplayed' AS "correctDisplayed", ${byPerson(Prisma.sql`f.p`, judgeIds)} AS "byPerson",
          count(*)::int AS "trials", min(f."trialId") AS "first"
        FROM f
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        ORDER BY "first"`);
      return rows.map(({ first: _, ...row }) => row);
    },

    personJudged(experimentId, judgeIds) {
      return raw<PersonJudgedRow>(Prisma.sql`
        WITH f AS (${firstEvents(experimentId)})
        SELECT f."trialId", f.p->>'experimentId' AS "experimentId", f.p->>'arm' AS "arm",
          f.p->'rules'->>'protocol' AS "protocol", f.p->'rules'->'paceSeconds' AS "paceSeconds"
        FROM f
        WHERE NOT ${truthy(Prisma.sql`f.p->'retryOf'`)}
          AND ${byPerson(Prisma.sql`f.p`, judgeIds)}
        ORDER BY f."trialId"`);
    },
  };
}
