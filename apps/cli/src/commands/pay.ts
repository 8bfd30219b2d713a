import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  baseBonus,
  bonusFor,
  describePaymentRule,
  formatMoney,
  type PaymentRule,
  parseStoredConfig,
} from '@oversight/core';
import type { Database, PaymentBatchRow, PaymentInput, PaymentRow } from '@oversight/db';
import { assessQuality } from '@oversight/runner';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { withDatabase } from '../database.ts';
import { UsageError } from '../exit-codes.ts';
import {
  type BonusLine,
  MTURK_API,
  mturkBonusCsv,
  mturkSendBonus,
  PlatformError,
  PROLIFIC_API,
  parseAwsKey,
  prolificBonusCsv,
  prolificPay,
  prolificSetUp,
} from '../payment-platforms.ts';
import { count } from '../words.ts';

type Platform = 'prolific' | 'mturk';
const PLATFORMS: readonly Platform[] = ['prolific', 'mturk'];
const KEY_ENV: Record<Platform, string> = { prolific: 'PROLIFIC_API_KEY', mturk: 'MTURK_API_KEY' };
const RULE_NAMES: Record<string, string> = {
  catchAccuracy: 'catch-trial accuracy',
  attentionChecks: 'attention checks',
  flaggedTurns: 'flagged turns',
};

/** What one person is due now, and what they were paid before. */
interface Due {
  participantId: string;
  label: string;
  platformId: string;
  assignmentId: string | null;
  targetMinor: number;
  paidMinor: number;
  points: number;
  judgments: number;
  excludedBy: string[];
}

/** A platform id goes into a CSV line and an API call as it is: refuse anything that could break either. */
const PLATFORM_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** MTurk's UniqueRequestToken (at most 64 characters): the same for the same bonus, so a repeat is refused. */
function requestToken(experimentId: string, batch: number, participantId: string): string {
  return `ovs-${createHash('sha256').update(`${experimentId}\u0000${batch}\u0000${participantId}`).digest('hex').slice(0, 48)}`;
}

/** An MTurk batch results CSV (or any CSV with WorkerId and AssignmentId columns): worker → assignment. */
export function parseAssignments(text: string, file: string): Map<string, string> {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  const [header, ...body] = rows;
  const worker = header?.indexOf('WorkerId') ?? -1;
  const assignment = header?.indexOf('AssignmentId') ?? -1;
  if (worker < 0 || assignment < 0)
    throw new UsageError(
      `${file}: needs a header with WorkerId and AssignmentId columns (MTurk's batch results CSV has both)`,
    );
  const map = new Map<string, string>();
  for (const r of body) {
    const w = r[worker]?.trim();
    const a = r[assignment]?.trim();
    if (w && a && !map.has(w)) map.set(w, a);
  }
  return map;
}

/** Writes the file whole or not at all: a reader never finds half a bonus list. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temp, text, { flush: true });
  await rename(temp, file);
}

function bonusLines(rows: readonly PaymentRow[]): BonusLine[] {
  return rows.map((r) => ({
    platformId: r.platformId,
    assignmentId: r.assignmentId,
    amountMinor: r.amountMinor,
    reason: r.reason,
    requestToken: r.requestToken,
  }));
}

function fileText(platform: Platform, rows: readonly PaymentRow[], currency: string): string {
  return platform === 'prolific'
    ? prolificBonusCsv(bonusLines(rows), currency)
    : mturkBonusCsv(bonusLines(rows));
}

function reasonFor(experiment: string, due: Due, rule: PaymentRule): string {
  if (due.excludedBy.length > 0)
    return `Base bonus for the ${experiment} study: your judgments did not meet its pre-registered quality checks (${due.excludedBy.map((r) => RULE_NAMES[r] ?? r).join(', ')}).`;
  if (due.judgments === 0) return `Bonus for taking part in the ${experiment} study.`;
  return `Bonus for the ${experiment} study by the scoring rule you were told: ${due.points.toFixed(2)} points of reward over ${count(due.judgments, 'verdict')}, at ${describePaymentRule(rule)}.`;
}

/**
 * Who is due what now: each person who joined from the platform and finished a trial (as judge or
 * arguer) is due the rule's bonus for their rewards (an excluded judge the base or nothing, as the
 * config says), less what the recorded batches paid them. A bonus is never taken back: a person due
 * less than they were paid (a later verdict lowered their sum, or a later exclusion) is paid nothing new.
 */
async function whatIsDue(
  db: Database,
  experimentId: string,
  platform: Platform,
  rule: PaymentRule,
  assignments: Map<string, string> | null,
): Promise<{ due: Due[]; elsewhere: number; recorded: PaymentRow[] }> {
  const [participants, judgments, recorded] = await Promise.all([
    db.participants.list(experimentId),
    db.judgments.list(experimentId),
    db.payments.list(experimentId),
  ]);
  const rewards = new Map<string, number[]>();
  const argued = new Set<string>();
  for (const j of judgments) {
    rewards.set(j.judgeId, [...(rewards.get(j.judgeId) ?? []), j.reward]);
    if (j.honestArguerId) argued.add(j.honestArguerId);
    if (j.dishonestArguerId) argued.add(j.dishonestArguerId);
  }
  const quality = await assessQuality(db, experimentId, judgments);
  const paid = new Map<string, number>();
  for (const p of recorded) paid.set(p.participantId, (paid.get(p.participantId) ?? 0) + p.amountMinor);
  const due: Due[] = [];
  const missingAssignment: string[] = [];
  const badIds: string[] = [];
  let elsewhere = 0;
  for (const p of participants) {
    if (!p.identity) continue;
    const took = rewards.has(p.id) || argued.has(p.id);
    if (!took) continue;
    const prefix = `${platform}:`;
    if (!p.identity.startsWith(prefix)) {
      elsewhere += 1;
      continue;
    }
    const platformId = p.identity.slice(prefix.length);
    if (!PLATFORM_ID.test(platformId)) {
      badIds.push(p.label);
      continue;
    }
    let assignmentId: string | null = null;
    if (platform === 'mturk') {
      const fromSpec = (p.spec as { assignmentId?: unknown }).assignmentId;
      assignmentId =
        typeof fromSpec === 'string' && fromSpec ? fromSpec : (assignments?.get(platformId) ?? null);
      if (!assignmentId) missingAssignment.push(p.label);
    }
    const excludedBy = (quality.excluded.get(p.id) ?? []).map((e) => e.rule);
    const mine = rewards.get(p.id) ?? [];
    const bonus =
      excludedBy.length === 0
        ? bonusFor(rule, mine)
        : rule.excludedJudges === 'base'
          ? baseBonus(rule)
          : { ...baseBonus(rule), minor: 0 };
    due.push({
      participantId: p.id,
      label: p.label,
      platformId,
      assignmentId,
      targetMinor: bonus.minor,
      paidMinor: paid.get(p.id) ?? 0,
      points: mine.reduce((a, b) => a + b, 0),
      judgments: mine.length,
      excludedBy,
    });
  }
  if (badIds.length > 0)
    throw new UsageError(
      `the ${platform} ids of ${badIds.join(', ')} hold characters a bonus file cannot carry (letters, digits, "_" and "-" only); nothing was recorded`,
    );
  if (missingAssignment.length > 0)
    throw new UsageError(
      `MTurk pays a bonus for an assignment, and none is known for ${missingAssignment.join(', ')}: pass --assignments FILE (the batch results CSV MTurk lets you download, with WorkerId and AssignmentId columns); nothing was recorded`,
    );
  return { due, elsewhere, recorded };
}

export const payCommand: Command = {
  name: 'pay',
  usage:
    'pay <experiment> --platform prolific|mturk --out FILE [--submit [--endpoint URL] [--study ID]] [--assignments FILE] [--batch N]',
  summary:
    "records the bonuses now due by the config's payment rule (once: a second pay pays only what is new) and writes the platform's bulk-bonus file; --submit also sends them",
  options: {
    ...DATA_DIR_OPTION,
    platform: { type: 'string', valueName: 'prolific|mturk', description: "the config's payment.platform" },
    out: {
      type: 'string',
      valueName: 'FILE',
      description:
        "the bonus file: Prolific's participant_id,amount lines, or MTurk's SendBonus rows (WorkerId, AssignmentId, BonusAmount, Reason, UniqueRequestToken)",
      output: 'file',
    },
    batch: {
      type: 'string',
      valueName: 'N',
      description: 'write (or with --submit, send) batch N as recorded before, recording nothing new',
    },
    assignments: {
      type: 'string',
      valueName: 'FILE',
      description:
        'MTurk: the batch results CSV (WorkerId, AssignmentId) for workers whose assignment the web app did not record',
    },
    submit: {
      type: 'boolean',
      description: 'send the batch through the platform API (key from PROLIFIC_API_KEY or MTURK_API_KEY)',
    },
    endpoint: {
      type: 'string',
      valueName: 'URL',
      description: "the platform API's address",
      defaultText: `${PROLIFIC_API} or ${MTURK_API}`,
    },
    study: {
      type: 'string',
      valueName: 'ID',
      description: 'Prolific --submit: the study id the bonuses are for',
    },
  },
  async run(input) {
    const [experimentId] = input.positionals;
    if (!experimentId) throw new UsageError('pay needs an experiment id (see  pnpm oversight status)');
    const platform = stringOption(input, 'platform');
    if (!platform || !PLATFORMS.includes(platform as Platform))
      throw new UsageError(
        `pay needs --platform prolific or --platform mturk${platform ? ` (not "${platform}")` : ''}`,
      );
    const out = stringOption(input, 'out');
    if (!out) throw new UsageError('pay needs --out FILE: where the bonus file is written');
    const submit = input.values.submit === true;
    const endpoint = submitEndpoint(platform as Platform, stringOption(input, 'endpoint'), submit);
    const batchOption = stringOption(input, 'batch');
    const onlyBatch = batchOption === undefined ? null : Number(batchOption);
    if (onlyBatch !== null && !(Number.isInteger(onlyBatch) && onlyBatch >= 1))
      throw new UsageError(`--batch takes a batch number (1, 2, …), not "${batchOption}"`);
    const study = stringOption(input, 'study');
    if (submit && platform === 'prolific' && !study)
      throw new UsageError(
        "Prolific pays bonuses per study: pass --study STUDY_ID (the id in the study's URL) with --submit",
      );
    // The key is read before anything is recorded, so a missing key stops a submit before it starts.
    const key = submit ? process.env[KEY_ENV[platform as Platform]] : undefined;
    if (submit && !key)
      throw new UsageError(
        `--submit needs the ${platform} API key in the environment variable ${KEY_ENV[platform as Platform]}`,
      );
    const assignmentsFile = stringOption(input, 'assignments');
    const assignments = assignmentsFile
      ? parseAssignments(await readFile(resolveUserPath(assignmentsFile), 'utf8'), assignmentsFile)
      : null;

    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const experiment = await db.experiments.get(experimentId);
      if (!experiment) throw new UsageError(`no experiment "${experimentId}" in ${db.location}`);
      const config = parseStoredConfig(experiment.config);
      const rule = config.payment;
      if (!rule)
        throw new UsageError(
          `${experimentId} has no payment rule: a bonus must be pre-registered in the config ("payment": base, ratePerPoint, floor, cap, currency, platform) before the experiment runs, and its stored config cannot change`,
        );
      if (rule.platform !== platform)
        throw new UsageError(
          `${experimentId} is paid through ${rule.platform === 'none' ? 'no platform (payment.platform is "none": pay the bonuses outside the tool; its status texts still show them)' : rule.platform}, not ${platform}; use --platform ${rule.platform}`,
        );
      const outFile = resolveUserPath(out);
      let batch: PaymentBatchRow;
      let rows: PaymentRow[];
      if (onlyBatch !== null) {
        const found = (await db.payments.batches(experimentId)).find((b) => b.batch === onlyBatch);
        if (!found)
          throw new UsageError(
            `${experimentId} has no payment batch ${onlyBatch} (see the batches pay printed)`,
          );
        batch = found;
        rows = (await db.payments.list(experimentId)).filter((p) => p.batch === onlyBatch);
        await writeAtomically(outFile, fileText(platform as Platform, rows, batch.currency));
        console.log(
          `Batch ${onlyBatch} as recorded on ${batch.createdAt.toISOString()}: ${count(rows.length, 'bonus', 'bonuses')}, ${formatMoney(sum(rows), batch.currency)}, written to ${outFile}.`,
        );
      } else {
        const { due, elsewhere, recorded } = await whatIsDue(
          db,
          experimentId,
          platform as Platform,
          rule,
          assignments,
        );
        const batches = await db.payments.batches(experimentId);
        const next = (batches.at(-1)?.batch ?? 0) + 1;
        const owed = due.filter((d) => d.targetMinor > d.paidMinor);
        const payments: PaymentInput[] = owed.map((d) => ({
          participantId: d.participantId,
          platformId: d.platformId,
          assignmentId: d.assignmentId,
          amountMinor: d.targetMinor - d.paidMinor,
          points: d.points,
          judgments: d.judgments,
          excludedBy: d.excludedBy.length ? d.excludedBy.join(',') : null,
          reason: reasonFor(experimentId, d, rule),
          requestToken: requestToken(experimentId, next, d.participantId),
        }));
        console.log(`Payment rule (${experimentId}): ${describePaymentRule(rule)}.`);
        describeExclusions(due, rule);
        if (elsewhere > 0)
          console.log(
            `${count(elsewhere, 'person', 'people')} joined from another platform than ${platform}: not paid here.`,
          );
        const over = due.filter((d) => d.targetMinor < d.paidMinor);
        if (over.length > 0)
          console.log(
            `${count(over.length, 'person was', 'people were')} paid more before than is due now (${over.map((d) => d.label).join(', ')}): a bonus is not taken back; nothing more for them.`,
          );
        if (payments.length === 0) {
          const earlier = recorded.length
            ? ` ${count(recorded.length, 'bonus', 'bonuses')} in ${count(batches.length, 'batch', 'batches')} recorded before (pay --batch N writes one again).`
            : '';
          console.log(`Nothing new is due: no batch recorded, no file written.${earlier}`);
          return 0;
        }
        // Recorded first, then written: a crash after the record leaves a batch whose file is written
        // again with --batch N (the same lines), never a file whose bonuses a later pay would repeat.
        const won = await db.payments.record({
          experimentId,
          batch: next,
          platform,
          currency: rule.currency,
          payments,
        });
        if (!won)
          throw new UsageError(
            `another pay recorded batch ${next} of ${experimentId} while this one ran; nothing was recorded here. Run pay again: it pays only what is still due`,
          );
        batch = (await db.payments.batches(experimentId)).find((b) => b.batch === next)!;
        rows = (await db.payments.list(experimentId)).filter((p) => p.batch === next);
        await writeAtomically(outFile, fileText(platform as Platform, rows, rule.currency));
        console.log(
          `Batch ${next} recorded: ${count(rows.length, 'bonus', 'bonuses')}, ${formatMoney(sum(rows), rule.currency)} in all (${formatMoney(sum(recorded) + sum(rows), rule.currency)} with the batches before). File: ${outFile}`,
        );
        if (!submit)
          console.log(
            platform === 'prolific'
              ? "Upload it once, in the study's submissions page: More → Bulk bonus payment (or run pay with --submit). If this file is lost, pay --batch N writes it again."
              : 'Send each row once with SendBonus (or run pay with --submit: a repeat of a row is refused by its UniqueRequestToken). If this file is lost, pay --batch N writes it again.',
          );
      }
      if (submit) await submitBatch(db, platform as Platform, batch, rows, endpoint, key!, study);
      return 0;
    });
  },
};

const sum = (rows: readonly { amountMinor: number }[]) => rows.reduce((a, r) => a + r.amountMinor, 0);

function describeExclusions(due: readonly Due[], rule: PaymentRule): void {
  const excluded = due.filter((d) => d.excludedBy.length > 0);
  if (excluded.length === 0) return;
  const what =
    rule.excludedJudges === 'base'
      ? `paid the base only (${formatMoney(baseBonus(rule).minor, rule.currency)}; payment.excludedJudges: "base")`
      : 'paid nothing (payment.excludedJudges: "nothing")';
  console.log(
    `${count(excluded.length, 'judge')} excluded by the pre-registered quality-control rules ${excluded.length === 1 ? 'is' : 'are'} ${what}:`,
  );
  for (const d of excluded)
    console.log(`  ${d.label}: ${d.excludedBy.map((r) => RULE_NAMES[r] ?? r).join(', ')}`);
}

/** The API's address: the platform's own, or one given; a key never goes over plain HTTP beyond this machine. */
function submitEndpoint(platform: Platform, given: string | undefined, submit: boolean): string {
  if (given && !submit) throw new UsageError('--endpoint is for --submit');
  const value = given ?? (platform === 'prolific' ? PROLIFIC_API : MTURK_API);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--endpoint must be a URL such as ${platform === 'prolific' ? PROLIFIC_API : MTURK_API}, not "${value}"`,
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new UsageError(
      `--endpoint ${value}: the API key may only be sent over https (plain http only to this machine)`,
    );
  return url.toString();
}

/**
 * Sends a recorded batch. Prolific's pay call is not idempotent, so a batch is claimed in the
 * database (one guarded update) before its first call and never sent again after: a crash in between
 * leaves it for the researcher to check on the study page, never paid twice. MTurk's SendBonus carries
 * each bonus's UniqueRequestToken, so its unpaid rows may be sent again: MTurk refuses a repeat.
 */
async function submitBatch(
  db: Database,
  platform: Platform,
  batch: PaymentBatchRow,
  rows: readonly PaymentRow[],
  endpoint: string,
  key: string,
  study: string | undefined,
): Promise<void> {
  const { experimentId } = batch;
  if (platform === 'prolific') {
    if (batch.paidAt) {
      console.log(
        `Batch ${batch.batch} was paid through Prolific on ${batch.paidAt.toISOString()}; not sent again.`,
      );
      return;
    }
    if (!(await db.payments.claimSubmit(experimentId, batch.batch)))
      throw new UsageError(
        `batch ${batch.batch} was sent to Prolific before (started ${batch.submitStartedAt?.toISOString() ?? 'by another pay'}${batch.submitRef ? `, bulk bonus ${batch.submitRef}` : ''}) and its answer was not recorded. Prolific's pay call is not idempotent, so it is not sent again: check the study's bonuses on Prolific, and if they are missing, upload pay --batch ${batch.batch}'s file by hand`,
      );
    try {
      const bulkId = await prolificSetUp(
        endpoint,
        key,
        study!,
        prolificBonusCsv(bonusLines(rows), batch.currency),
      );
      await db.payments.setSubmitRef(experimentId, batch.batch, bulkId);
      await prolificPay(endpoint, key, bulkId);
      await db.payments.markPaid(experimentId, batch.batch);
      console.log(
        `Prolific accepted batch ${batch.batch} (bulk bonus ${bulkId}); it pays in the next minutes.`,
      );
    } catch (error) {
      // Whatever went wrong (a refusal, a lost connection, an answer that could not be read), the batch
      // stays claimed: whether Prolific paid can only be seen on Prolific.
      throw new UsageError(
        `${(error as Error).message}. Batch ${batch.batch} stays recorded and is marked as sent, so it is not sent twice: check the study's bonuses on Prolific, and if they are missing upload pay --batch ${batch.batch}'s file by hand`,
      );
    }
    return;
  }
  const credentials = parseAwsKey(key, KEY_ENV.mturk);
  await db.payments.claimSubmit(experimentId, batch.batch);
  let sent = 0;
  let repeats = 0;
  for (const row of rows) {
    if (row.paidAt) continue;
    let outcome: 'paid' | 'duplicate';
    try {
      outcome = await mturkSendBonus(endpoint, credentials, bonusLines([row])[0]!);
    } catch (error) {
      if (error instanceof PlatformError || error instanceof TypeError)
        throw new UsageError(
          `${(error as Error).message}. ${count(sent, 'bonus', 'bonuses')} of batch ${batch.batch} sent before this one; run pay --batch ${batch.batch} --submit again to send the rest (MTurk refuses a repeat of one already paid)`,
        );
      throw error;
    }
    await db.payments.markPaid(experimentId, batch.batch, [row.participantId]);
    if (outcome === 'duplicate') repeats += 1;
    else sent += 1;
  }
  const left = (await db.payments.list(experimentId)).filter((p) => p.batch === batch.batch && !p.paidAt);
  if (left.length === 0) await db.payments.markPaid(experimentId, batch.batch);
  console.log(
    `MTurk: ${count(sent, 'bonus', 'bonuses')} of batch ${batch.batch} sent${repeats ? `, ${repeats} already paid before (MTurk refused the repeat)` : ''}.`,
  );
}
