// The few statements that carry megabytes (appending a batch of trials, planning a batch, reading logs)
// go to the driver directly rather than through Prisma's client: per call, Prisma costs a few hundred
// microseconds of CPU and copies its parameters, and it keeps the last hundred or so calls'
// parameters alive (a 2.5 MB batch each: hundreds of megabytes). Everything else goes through Prisma.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import type { Prisma } from './generated/prisma/client.ts';

/** Runs one statement built with Prisma.sql and returns its rows. */
export type RawQuery = <T>(query: Prisma.Sql) => Promise<T[]>;

// A Date is written as its UTC time (as Prisma writes DateTime columns, which are `timestamp` without a
// zone), whatever the process's time zone. Reading timestamps back, select them `AT TIME ZONE 'UTC'`.
const values = (query: Prisma.Sql) => query.values.map((v) => (v instanceof Date ? v.toISOString() : v));

export function poolQuery(pool: pg.Pool): RawQuery {
  return async <T>(query: Prisma.Sql) => (await pool.query(query.text, values(query))).rows as T[];
}

export function pgliteQuery(db: PGlite): RawQuery {
  return async <T>(query: Prisma.Sql) => (await db.query<T>(query.text, values(query))).rows;
}
