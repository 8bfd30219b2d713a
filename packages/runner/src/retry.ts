import { foldEvents, type TrialCreated, type TrialEvent } from '@oversight/core';
import type { Database } from '@oversight/db';
import { trialInput } from './experiment.ts';
import type { IsPerson } from './record.ts';
import { STOPPING_RULE } from './stopping.ts';

/**
 * Aborted trials are kept as they are (their log says why they stopped) and can be tried again: each
 * retry is a new trial, recorded as such (`retryOf`, `attempt`), with the same design (question,
 * answer order, who defends what) and its own seed, so the balance of the experiment is kept and
 * nothing of the first attempt is rewritten.
 */

export interface AbortedTrial {
  trialId: string;
  arm: string;
  reason: string;
  by: string | null;
  /** The attempt that replaced it, if one was made. */
  retriedAs: string | null;
}

/** The experiment's aborted trials with their reasons, in trial id order. */
export async function abortedTrials(db: Database, experimentId: string): Promise<AbortedTrial[]> {
  const out: AbortedTrial[] = [];
  const retried = new Map<string, string>();
  const rows: Array<{ id: string; arm: string }> = [];
  for (let afterId: string | undefined; ; ) {
    const page = await db.trials.list(experimentId, { limit: 1000, ...(afterId ? { afterId } : {}) });
    for (const t of page) {
      if (t.status === 'aborted') rows.push({ id: t.id, arm: t.arm });
      const retryOf = /^(.*)\.r(\d+)$/.exec(t.id);
      if (retryOf && attemptOf(t.id) > attemptOf(retried.get(retryOf[1]!) ?? ''))
        retried.set(retryOf[1]!, t.id);
    }
    if (page.length < 1000) break;
    afterId = page.at(-1)!.id;
  }
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const logs = await db.events.loadMany(batch.map((r) => r.id));
    for (const row of batch) {
      const last = logs.get(row.id)?.at(-1)?.payload as TrialEvent | undefined;
      const aborted = last?.type === 'TrialAborted' ? last : null;
      out.push({
        trialId: row.id,
        arm: row.arm,
        reason: aborted?.reason ?? 'unknown',
        by: aborted?.by ?? null,
        retriedAs: latest(retried, row.id),
      });
    }
  }
  return out;
}

const baseOf = (id: string) => /^(.*)\.r\d+$/.exec(id)?.[1] ?? id;
const attemptOf = (id: string) => Number(/\.r(\d+)$/.exec(id)?.[1] ?? 1);

/** The newest attempt made after this one, if any. */
function latest(retried: Map<string, string>, id: string): string | null {
  const newest = retried.get(baseOf(id));
  return newest && attemptOf(newest) > attemptOf(id) ? newest : null;
}

/**
 * Plans a new attempt for every aborted trial not retried yet (optionally only those whose reason
 * contains `reasonContains`). Returns the new trials' ids; `run` or `serve` then drives them.
 */
export async function retryAbortedTrials(
  db: Database,
  experimentId: string,
  isPerson: IsPerson,
  options: { reasonContains?: string } = {},
): Promise<string[]> {
  // Trials the stopping rule stopped are not failures to try again: their arm's answer is known.
  const aborted = (await abortedTrials(db, experimentId)).filter(
    (t) =>
      t.retriedAs === null &&
      t.by !== STOPPING_RULE &&
      (!options.reasonContains || t.reason.includes(options.reasonContains)),
  );
  if (aborted.length === 0) return [];
  const counts = await db.trials.countByStatus(experimentId);
  let ordinal = Object.values(counts).reduce((a, b) => a + b, 0);
  const created: string[] = [];
  for (let i = 0; i < aborted.length; i += 500) {
    const batch = aborted.slice(i, i + 500);
    const logs = await db.events.loadMany(batch.map((t) => t.trialId));
    const inputs = batch.map((t) => {
      const first = foldEvents((logs.get(t.trialId) ?? []).map((e) => e.payload as TrialEvent)).created;
      const original = first.retryOf ?? first.trialId;
      const attempt = (first.attempt ?? 1) + 1;
      const retry: TrialCreated = {
        ...first,
        trialId: `${original}.r${attempt}`,
        seed: `${first.retryOf ? first.seed.replace(/\/attempt-\d+$/, '') : first.seed}/attempt-${attempt}`,
        retryOf: original,
        attempt,
      };
      return retry;
    });
    const rows = [];
    for (const retry of inputs) {
      const dataset = retry.dataset ?? (await db.trials.get(retry.retryOf!))?.dataset ?? '';
      rows.push(trialInput(retry, ordinal++, dataset, isPerson));
      created.push(retry.trialId);
    }
    await db.trials.createMany(rows);
  }
  return created;
}
