import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseStoredConfig, shortHash, type TrialEvent } from '@oversight/core';
import type { Database, JudgmentRow as StoredJudgment } from '@oversight/db';
import {
  assessQuality,
  auditDesign,
  type JudgedTrial,
  type QualitySummary,
  qualityTables,
  summarizeQuality,
  trialQuestions,
} from '@oversight/runner';
import {
  analyzeExperiment,
  blankJudgmentRow,
  designAuditText,
  formatReportText,
  formatTableText,
  interjectionSummary,
  interjectionTable,
  type JudgmentRow,
  type JudgmentTable,
  JudgmentTableBuilder,
  type JudgmentTableRow,
  type ParticipantLabel,
  renderReportHtml,
  selectJudgments,
} from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { resolveUserPath } from '../config-file.ts';
import { resolveDataFolder, withDatabase } from '../database.ts';
import { env } from '../env.ts';
import { UsageError } from '../exit-codes.ts';
import { limitHeapGrowth } from '../memory.ts';
import { transcriptOf } from '../transcripts.ts';

type Role = 'judge' | 'honest' | 'dishonest';

/**
 * Who a participant was, as reports and exports label it, from a stored participant spec: a model
 * of a person ('simulated-…' kinds), an AI model ('llm', with its model; on the wrong side, the
 * separately trained model its `induction: { method: 'model' }` names), a person ('human'), or —
 * for kinds this code does not know yet — the kind's own name, so a new kind is labelled, not lost.
 */
export function labelOfSpec(
  kind: string,
  spec: Record<string, unknown> | undefined,
  role: Role = 'honest',
): ParticipantLabel {
  if (kind.startsWith('simulated')) return { kind: 'simulated', model: null };
  if (kind === 'llm') {
    const induction = spec?.induction as { method?: unknown; model?: unknown } | undefined;
    const model =
      role === 'dishonest' && induction?.method === 'model' && typeof induction.model === 'string'
        ? induction.model
        : spec?.model;
    return { kind: 'model', model: typeof model === 'string' ? model : null };
  }
  if (kind === 'human') return { kind: 'person', model: null };
  return { kind, model: null };
}

type Spec = { kind?: unknown } & Record<string, unknown>;

/**
 * participant id → label, from the experiment's participants, falling back on its stored config
 * (judge pools list ids with one spec; an arm's arguer specs cover arguers the participants table
 * lacks, e.g. in experiments written before it was filled).
 */
export async function participantLabels(
  db: Database,
  experimentId: string,
): Promise<(id: string | null, arm: string, role: Role) => ParticipantLabel | null> {
  const [participants, experiment] = await Promise.all([
    db.participants.list(experimentId),
    db.experiments.get(experimentId),
  ]);
  const byId = new Map<string, { kind: string; spec: Record<string, unknown> | undefined }>(
    participants.map((p) => [p.id, { kind: p.kind, spec: p.spec }]),
  );
  const config = (experiment?.config ?? {}) as {
    judges?: { ids?: unknown; participant?: Spec }[];
    arms?: { name?: unknown; arguer?: Spec; dishonestArguer?: Spec }[];
  };
  for (const pool of Array.isArray(config.judges) ? config.judges : []) {
    const spec = pool?.participant;
    if (!Array.isArray(pool?.ids) || typeof spec?.kind !== 'string') continue;
    for (const id of pool.ids)
      if (typeof id === 'string' && !byId.has(id)) byId.set(id, { kind: spec.kind, spec });
  }
  const arms = new Map((Array.isArray(config.arms) ? config.arms : []).map((a) => [a?.name, a]));
  const labels = new Map<string, ParticipantLabel>();
  return (id, arm, role) => {
    if (id === null) return null;
    const known = byId.get(id);
    if (known) {
      const key = `${role}\u0000${id}`;
      const found = labels.get(key) ?? labelOfSpec(known.kind, known.spec, role);
      labels.set(key, found);
      return found;
    }
    const a = arms.get(arm);
    const spec =
      role === 'dishonest' ? (a?.dishonestArguer ?? a?.arguer) : role === 'honest' ? a?.arguer : undefined;
    return typeof spec?.kind === 'string' ? labelOfSpec(spec.kind, spec, role) : null;
  };
}

/** The stored judgments with the kinds (and models) of their judge and arguers. */
export async function labelledJudgments(
  db: Database,
  experimentId: string,
  rows: readonly StoredJudgment[],
  label?: Awaited<ReturnType<typeof participantLabels>>,
): Promise<JudgmentRow[]> {
  return labelRows(rows, label ?? (await participantLabels(db, experimentId)));
}

/** The rows with their participants' labels (`label` from participantLabels, read once per experiment). */
export function labelRows(
  rows: readonly StoredJudgment[],
  label: Awaited<ReturnType<typeof participantLabels>>,
): JudgmentRow[] {
  return rows.map((r) => {
    const judge = label(r.judgeId, r.arm, 'judge');
    const honest = label(r.honestArguerId, r.arm, 'honest');
    const dishonest = label(r.dishonestArguerId, r.arm, 'dishonest');
    return {
      ...(r as JudgmentRow),
      judgeKind: judge?.kind ?? null,
      judgeModel: judge?.model ?? null,
      honestArguerKind: honest?.kind ?? null,
      honestArguerModel: honest?.model ?? null,
      dishonestArguerKind: dishonest?.kind ?? null,
      dishonestArguerModel: dishonest?.model ?? null,
    };
  });
}

/** The stored arms whose people judged another experiment's finished trials again (`source` in the config). */
async function offlineArms(db: Database, experimentId: string): Promise<Set<string>> {
  const stored = await db.experiments.get(experimentId);
  if (!stored) return new Set();
  return new Set(
    parseStoredConfig(stored.config)
      .arms.filter((a) => a.source)
      .map((a) => a.name),
  );
}

/**
 * Every judgment of the experiment, read page by page straight into columns (typed arrays and codes,
 * @oversight/stats' judgment table): the bootstrap and the models need all of them at once, but not
 * an object per judgment (some 400 bytes each; a million of them were most of `analyze`'s memory),
 * nor a copy of the same judge, arm and question names per judgment. Each row is labelled with its
 * participants' kinds and the transcript it judged, copied, and not kept.
 *
 * An arm whose people judged another experiment's finished trials again (`source`): each of its
 * judgments judged its source trial's transcript (its first event says which), so that `analyze`
 * pairs it with the live judge and with the other people who judged the same transcript. Read only
 * for such arms, one first event per trial.
 */
export async function loadJudgmentTable(db: Database, experimentId: string): Promise<JudgmentTable> {
  const label = await participantLabels(db, experimentId);
  const offline = await offlineArms(db, experimentId);
  // sized for the judgments there are (it grows if more arrive meanwhile): no copies as it fills
  const builder = new JudgmentTableBuilder(await db.judgments.count(experimentId));
  // one object, filled again for every stored row (the builder copies what it needs)
  const row: JudgmentTableRow = { ...blankJudgmentRow(), transcriptId: null };
  for await (const batch of db.judgments.stream(experimentId, 5000))
    for (const r of batch) {
      const judge = label(r.judgeId, r.arm, 'judge');
      const honest = label(r.honestArguerId, r.arm, 'honest');
      const dishonest = label(r.dishonestArguerId, r.arm, 'dishonest');
      row.trialId = r.trialId;
      row.arm = r.arm;
      row.protocol = r.protocol as JudgmentRow['protocol'];
      row.questionId = r.questionId;
      row.storyId = r.storyId;
      row.judgeId = r.judgeId;
      row.arguerHonest = r.arguerHonest;
      row.induction = r.induction;
      row.honestArguerId = r.honestArguerId;
      row.dishonestArguerId = r.dishonestArguerId;
      row.probCorrect = r.probCorrect;
      row.correct = r.correct;
      row.rounds = r.rounds;
      row.reward = r.reward;
      row.beliefs = r.beliefs;
      row.judgeKind = judge?.kind ?? null;
      row.judgeModel = judge?.model ?? null;
      row.honestArguerKind = honest?.kind ?? null;
      row.honestArguerModel = honest?.model ?? null;
      row.dishonestArguerKind = dishonest?.kind ?? null;
      row.dishonestArguerModel = dishonest?.model ?? null;
      row.transcriptId = transcriptOf(experimentId, r.trialId);
      if (offline.has(r.arm)) {
        const first = (await db.events.load(r.trialId))[0]?.payload as TrialEvent | undefined;
        if (first?.type === 'TrialCreated' && first.offline) row.transcriptId = first.offline.trialId;
      }
      builder.add(row);
    }
  return builder.finish();
}

/**
 * Judgments of one or more experiments, in that order, and which judgments are whose. Analysing
 * several together (say, human judges and an AI judge re-judging the same debates) compares their
 * arms; arm names that clash get the experiment's id.
 */
async function loadAll(
  db: Database,
  experimentIds: readonly string[],
): Promise<{ table: JudgmentTable; from: number[] }> {
  const tables = await Promise.all(experimentIds.map((id) => loadJudgmentTable(db, id)));
  const from: number[] = [];
  let n = 0;
  for (const t of tables) {
    from.push(n);
    n += t.n;
  }
  from.push(n);
  if (tables.length === 1) return { table: tables[0]!, from };
  const armOwners = new Map<string, Set<string>>();
  for (const [k, t] of tables.entries())
    for (const arm of t.armNames)
      armOwners.set(arm, (armOwners.get(arm) ?? new Set()).add(experimentIds[k]!));
  const builder = new JudgmentTableBuilder(n);
  for (const [k, t] of tables.entries()) {
    const owner = experimentIds[k]!;
    builder.append(t, undefined, (arm) => ((armOwners.get(arm)?.size ?? 1) > 1 ? `${owner}/${arm}` : arm));
  }
  return { table: builder.finish(), from };
}

export async function analyzeStored(
  db: Database,
  experimentIds: readonly string[],
  seed: string,
  armOrder?: string[],
) {
  return (await analyzeWithQuality(db, experimentIds, seed, armOrder)).report;
}

/**
 * The analysis as pre-registered: each experiment's catch trials are left out of the main results and
 * its quality-control exclusion rules applied (judges they exclude are left out), with the figures for
 * the report's exclusions, with-and-without and catch-accuracy tables (one summary per experiment that
 * has a `qualityControl` section).
 */
export async function analyzeWithQuality(
  db: Database,
  experimentIds: readonly string[],
  seed: string,
  armOrder?: string[],
  phases?: Phases,
) {
  // Every judgment is held at once here, so the tighter bound (more time in the collector) pays.
  limitHeapGrowth(20, 0);
  const { table: all, from } = await loadAll(db, experimentIds);
  phases?.done('read');
  if (all.n === 0) throw new UsageError(`${experimentIds.join(', ')}: no finished judgments yet`);
  let keep: Uint8Array | null = null;
  const quality: QualitySummary[] = [];
  for (const [k, id] of experimentIds.entries()) {
    const experiment = await db.experiments.get(id);
    const config = experiment?.config as { qualityControl?: unknown } | undefined;
    if (!config?.qualityControl) continue;
    // What the rules read, for this experiment's judgments only.
    const mine: JudgedTrial[] = [];
    for (let i = from[k]!; i < from[k + 1]!; i++)
      mine.push({
        experimentId: id,
        trialId: all.trialId[i]!,
        judgeId: all.judgeNames[all.judge[i]!]!,
        questionId: all.questionNames[all.question[i]!]!,
        arm: all.armNames[all.arm[i]!]!,
        correct: all.correct[i] === 1,
      });
    const assessment = await assessQuality(db, id, mine);
    const main = mine.filter((r) => !assessment.catchQuestions.has(r.questionId));
    quality.push(summarizeQuality(assessment, main));
    keep ??= new Uint8Array(all.n).fill(1);
    mine.forEach((r, j) => {
      const excluded = r.judgeId !== null && assessment.excluded.has(r.judgeId);
      if (assessment.catchQuestions.has(r.questionId) || excluded) keep![from[k]! + j] = 0;
    });
  }
  let table = all;
  if (keep) {
    const kept: number[] = [];
    for (let i = 0; i < all.n; i++) if (keep[i]) kept.push(i);
    table = selectJudgments(all, kept);
  }
  if (table.n === 0)
    throw new UsageError(
      `${experimentIds.join(', ')}: every finished judgment is a catch trial or by an excluded judge; nothing is left for the main analysis`,
    );
  phases?.done('quality control');
  // The bootstrap takes a numeric seed; derive it from the experiment's so reports are reproducible.
  const report = analyzeExperiment(table, {
    seed: Number.parseInt(shortHash(seed).slice(0, 8), 16),
    ...(armOrder ? { armOrder } : {}),
  });
  phases?.done('analysis');
  // Said with the results themselves, so no reader of them misses what was left out.
  for (const q of quality) {
    const excludedJudgments = q.withAndWithout.reduce(
      (a, r) => a + r.all.judgments - r.included.judgments,
      0,
    );
    report.notes.push(
      `${q.experimentId}: by its pre-registered quality control, ${q.catchJudgments} catch-trial judgment(s) and ${excludedJudgments} judgment(s) by ${q.judgesExcluded} excluded judge(s) are left out of these results (see the exclusions tables).`,
    );
  }
  return { report, quality };
}

/**
 * The time of each phase of `analyze`, and the process's peak resident memory at its end, printed on
 * stderr with OVERSIGHT_TIMINGS=1 (for the benchmarks: packages/stats/bench/analyze-small.ts and
 * bench/million.bench.ts read the line).
 */
export class Phases {
  private last = performance.now();
  private readonly spent: string[] = [];
  done(phase: string): void {
    const now = performance.now();
    const peak = process.resourceUsage().maxRSS / 1024;
    this.spent.push(`${phase} ${((now - this.last) / 1000).toFixed(3)} s (peak ${peak.toFixed(0)} MB)`);
    this.last = now;
  }
  toString(): string {
    return `timings: ${this.spent.join(', ')}`;
  }
}

/**
 * Where a report goes unless --out says otherwise: under the data folder (by default the
 * repository's git-ignored `.oversight/`), never among the repository's tracked files.
 */
export function defaultReportDir(
  dataDirOption: string | undefined,
  experimentIds: readonly string[],
): string {
  return path.join(resolveDataFolder(dataDirOption).dir, 'reports', experimentIds.join('+'));
}

export const analyzeCommand: Command = {
  name: 'analyze',
  usage: 'analyze <experiment> [more experiments] [--out DIR] [--seed TEXT]',
  summary:
    'win rates with intervals and tests per arm, protocol comparisons; writes report.html and report.json (default: under the data folder, .oversight/reports/)',
  options: {
    ...DATA_DIR_OPTION,
    out: {
      type: 'string',
      valueName: 'DIR',
      description: 'folder for report.html and report.json',
      defaultText: 'reports/<experiments> in the data folder (outside the tracked files)',
      output: 'folder',
    },
    seed: {
      type: 'string',
      valueName: 'TEXT',
      description: 'seed of the bootstrap resampling',
      defaultText: "the experiment's seed",
    },
  },
  async run(input) {
    const experimentIds = input.positionals;
    const [first] = experimentIds;
    if (!first) throw new UsageError('analyze needs an experiment id (see  oversight status)');
    const dataDir = stringOption(input, 'data-dir');
    const phases = env.OVERSIGHT_TIMINGS === '1' ? new Phases() : undefined;
    return withDatabase(dataDir, async (db) => {
      phases?.done('open');
      const experiments = await Promise.all(experimentIds.map((id) => db.experiments.get(id)));
      const missing = experimentIds.filter((_, i) => !experiments[i]);
      if (missing.length > 0)
        throw new UsageError(`no experiment ${missing.map((m) => `"${m}"`).join(', ')} in ${db.location}`);
      const seed = stringOption(input, 'seed') ?? experiments[0]!.seed;
      const { report, quality } = await analyzeWithQuality(db, experimentIds, seed, undefined, phases);
      const audit = await auditDesign(db, experimentIds);
      phases?.done('design audit');
      const questions = await trialQuestions(db, experimentIds);
      phases?.done('questions asked');
      const interjections = questions.some((q) => q.asked > 0) ? interjectionSummary(questions) : null;
      const extraTables = [
        ...(interjections ? [interjectionTable(interjections)] : []),
        ...quality.flatMap(qualityTables),
      ];
      console.log(formatReportText(report));
      for (const t of extraTables) console.log(`\n${formatTableText(t)}`);
      console.log(`\n${designAuditText(audit)}`);
      for (const id of experimentIds) {
        const counts = await db.trials.countByStatus(id);
        const missing = Object.entries(counts).filter(([status, n]) => status !== 'finished' && n > 0);
        if (missing.length > 0) {
          // Unfinished trials are not judgments; say so, since dropping aborted trials can bias a comparison.
          const list = missing.map(([status, n]) => `${n} ${status}`).join(', ');
          console.log(
            `\nNote: ${id} also has ${list} trials, not counted above (see  oversight status ${id}).`,
          );
        }
      }
      const out = stringOption(input, 'out');
      const outDir = out ? resolveUserPath(out) : defaultReportDir(dataDir, experimentIds);
      await mkdir(outDir, { recursive: true });
      await writeFile(
        path.join(outDir, 'report.json'),
        `${JSON.stringify(
          {
            ...report,
            ...(interjections ? { interjections } : {}),
            ...(quality.length > 0 ? { qualityControl: quality } : {}),
            designAudit: audit,
          },
          null,
          2,
        )}\n`,
      );
      await writeFile(
        path.join(outDir, 'report.html'),
        renderReportHtml(report, {
          title: `Experiment ${experimentIds.join(' + ')}`,
          designAudit: audit,
          extraTables,
        }),
      );
      console.log(`\nreport: ${path.join(outDir, 'report.html')}  data: ${path.join(outDir, 'report.json')}`);
      if (phases) {
        phases.done('report');
        console.error(String(phases));
      }
      return 0;
    });
  },
};
