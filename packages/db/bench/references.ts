// What the PostgreSQL server itself does in the same run, as references for the project's figures:
// pgbench's single-row durable INSERT transactions, and COPY of the project's own event rows into a
// table shaped like TrialEvent. Both use the server's own client tools (pgbench, psql).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PostgresServer } from '../test/pg-server.ts';

/** A scratch folder the server's user can read and write (the tools run as `postgres` when we are root). */
function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-ref-'));
  fs.chmodSync(dir, 0o777);
  return dir;
}

/**
 * Single-row INSERT transactions per second, each committed durably (the server's own settings), from
 * `clients` pgbench clients for `seconds`: rows of one JSON payload of about `payloadBytes`, as events are.
 */
export function pgbenchInserts(
  server: PostgresServer,
  databaseUrl: string,
  { clients = 32, seconds = 10, payloadBytes = 530 } = {},
): number {
  const dir = scratch();
  try {
    server.tool(
      'psql',
      [
        '-q',
        '-c',
        'DROP TABLE IF EXISTS ref_pgbench; CREATE TABLE ref_pgbench (id bigserial PRIMARY KEY, payload jsonb NOT NULL)',
      ],
      { databaseUrl },
    );
    const payload = JSON.stringify({
      type: 'ArgumentSubmitted',
      text: 'x'.repeat(Math.max(0, payloadBytes - 40)),
    });
    const script = path.join(dir, 'insert.sql');
    fs.writeFileSync(script, `INSERT INTO ref_pgbench (payload) VALUES ('${payload}');\n`, { mode: 0o644 });
    const threads = Math.min(clients, os.cpus().length);
    const out = server.tool(
      'pgbench',
      ['-n', '-c', String(clients), '-j', String(threads), '-T', String(seconds), '-f', script],
      {
        databaseUrl,
      },
    );
    const tps = /tps = ([\d.]+)/.exec(out)?.[1];
    if (!tps) throw new Error(`pgbench printed no rate:\n${out}`);
    return Number(tps);
  } finally {
    server.tool('psql', ['-q', '-c', 'DROP TABLE IF EXISTS ref_pgbench'], { databaseUrl });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Rows per second COPY writes (psql's \copy, one transaction, durable commit): up to `rows` of the
 * project's own events (seq > 0, as a run writes them) into a table with TrialEvent's columns and key.
 */
export function copyEvents(
  server: PostgresServer,
  databaseUrl: string,
  rows = 200_000,
): { rows: number; rate: number } {
  const dir = scratch();
  const file = path.join(dir, 'events.copy');
  try {
    server.tool(
      'psql',
      [
        '-q',
        '-c',
        `\\copy (SELECT "trialId", "seq", "type", "payload", "recordedAt" FROM "TrialEvent" WHERE "seq" > 0 LIMIT ${rows}) TO '${file}'`,
      ],
      { databaseUrl },
    );
    const copied = fs.readFileSync(file, 'utf8').split('\n').length - 1;
    server.tool(
      'psql',
      ['-q', '-c', 'DROP TABLE IF EXISTS ref_copy; CREATE TABLE ref_copy (LIKE "TrialEvent" INCLUDING ALL)'],
      {
        databaseUrl,
      },
    );
    const started = performance.now();
    server.tool('psql', ['-q', '-c', `\\copy ref_copy FROM '${file}'`], { databaseUrl });
    const seconds = (performance.now() - started) / 1000;
    return { rows: copied, rate: copied / seconds };
  } finally {
    server.tool('psql', ['-q', '-c', 'DROP TABLE IF EXISTS ref_copy'], { databaseUrl });
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
