import type { ChatService } from '@oversight/chat';
import type { Database } from '@oversight/db';
import {
  anytimeStandings,
  assessQuality,
  EXCLUSION_RULE_NAMES,
  type QualityAssessment,
  summarizeQuality,
} from '@oversight/runner';
import { newcombeInterval, wilsonInterval } from '@oversight/stats';
import { type Html, html } from './html.ts';

/**
 * The researcher's live view: read-only, behind a token from the environment, and it never shows a
 * participant's platform identity (people appear by pseudonym and participant id only). Per
 * experiment: trials by status and per arm, judge accuracy per arm with its interval, the main
 * contrast (the first two arms' accuracy difference, Newcombe's interval), whom the waiting trials
 * wait on, people active now, trials an automatic participant has owed a move for long (stuck), and
 * model cost so far. Per arm also the anytime-valid sequence of the win rate (runner's
 * anytimeStandings, what `oversight status` prints) and judge quality: catch-trial accuracy, the median
 * time a judge's turn was open, and the accuracy once the pre-registered exclusion rules have left
 * judges out (runner's assessQuality, what `analyze` and `pay` apply); and who was excluded by which
 * rule and who was screened out, as counts.
 */

export interface ArmStatus {
  arm: string;
  protocol: string;
  trials: number;
  finished: number;
  judgments: number;
  correct: number;
  accuracy: number | null;
  interval: { lower: number; upper: number } | null;
  meanReward: number | null;
  /** The anytime-valid sequence of the correct answer's win rate (valid however often this page reloads). */
  anytime: {
    lower: number;
    upper: number;
    n: number;
    known: 'above' | 'below' | null;
    why: string | null;
  } | null;
  /** Judgments on catch questions in this arm, and how many were correct. */
  catchTrials: { n: number; correct: number };
  /** The median seconds a judge's turn in this arm was open (turns the browser measured), and how many. */
  turnSeconds: { median: number | null; turns: number };
  /** The arm's judgments (catch trials left out) once the exclusion rules have left judges out. */
  afterExclusions: { judgments: number; accuracy: number | null };
}

export interface ExperimentStatus {
  id: string;
  counts: Record<string, number>;
  arms: ArmStatus[];
  contrast: { arms: [string, string]; difference: number; lower: number; upper: number } | null;
  people: { joined: number; activeNow: number };
  waitingOn: Array<{ who: string; trials: number }>;
  stuck: Array<{ trial: string; role: string; minutes: number }>;
  cost: { calls: number; costUsd: number; promptTokens: number; completionTokens: number };
  /** The alpha of the anytime-valid sequences (the stopping rule's, else 0.05). */
  alpha: number;
  /** Judges excluded by each rule (a judge may be excluded by several), of those assessed. */
  exclusions: { assessed: number; excluded: number; byRule: Array<{ rule: string; judges: number }> };
  /** People a rule screened out (failed practice, a screen-out attention check), by rule. */
  screenedOut: Array<{ by: string; people: number }>;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Each arm's judge-quality columns, from the one assessment `analyze` and `pay` read. */
function qualityByArm(
  assessment: QualityAssessment,
  judgments: ReadonlyArray<{
    trialId: string;
    judgeId: string | null;
    questionId: string;
    arm: string;
    correct: boolean;
  }>,
  armOfTrial: ReadonlyMap<string, string>,
) {
  const main = judgments.filter((j) => !assessment.catchQuestions.has(j.questionId));
  const after = new Map(
    summarizeQuality(assessment, main).withAndWithout.map((r) => [r.arm, r.included] as const),
  );
  return (arm: string) => {
    const catches = judgments.filter((j) => j.arm === arm && assessment.catchQuestions.has(j.questionId));
    const seconds = assessment.turnSeconds
      .filter((t) => armOfTrial.get(t.trialId) === arm)
      .map((t) => t.seconds);
    const included = after.get(arm);
    return {
      catchTrials: { n: catches.length, correct: catches.filter((j) => j.correct).length },
      turnSeconds: { median: median(seconds), turns: seconds.length },
      afterExclusions: { judgments: included?.judgments ?? 0, accuracy: included?.accuracy ?? null },
    };
  };
}

/** An automatic participant owing a move this long is reported as stuck (its endpoint may be failing). */
const STUCK_MS = 5 * 60_000;

export async function researcherStatus(
  db: Database,
  chat: ChatService,
  experimentIds: readonly string[],
  activeWithinMs: number,
  now = Date.now(),
): Promise<ExperimentStatus[]> {
  const out: ExperimentStatus[] = [];
  for (const id of experimentIds) {
    const { config } = await chat.experiment(id);
    const trials = await db.trials.list(id);
    const judgments = await db.judgments.list(id);
    const standings = await anytimeStandings(db, id, config);
    const assessment = await assessQuality(db, id, judgments);
    const quality = qualityByArm(assessment, judgments, new Map(trials.map((t) => [t.id, t.arm])));
    const arms: ArmStatus[] = config.arms.map((arm) => {
      const anytime = standings.arms.find((a) => a.arm === arm.name)?.status;
      const mine = trials.filter((t) => t.arm === arm.name);
      const judged = judgments.filter((j) => j.arm === arm.name);
      const correct = judged.filter((j) => j.correct).length;
      const interval = judged.length ? wilsonInterval(correct, judged.length) : null;
      return {
        arm: arm.name,
        protocol: arm.protocol,
        trials: mine.length,
        finished: mine.filter((t) => t.status === 'finished').length,
        judgments: judged.length,
        correct,
        accuracy: judged.length ? correct / judged.length : null,
        interval: interval ? { lower: interval.lower, upper: interval.upper } : null,
        meanReward: judged.length ? judged.reduce((s, j) => s + j.reward, 0) / judged.length : null,
        anytime: anytime
          ? {
              lower: anytime.lower,
              upper: anytime.upper,
              n: anytime.n,
              known: anytime.known,
              why: anytime.why,
            }
          : null,
        ...quality(arm.name),
      };
    });
    const [a, b] = arms.filter((x) => x.judgments > 0);
    const contrast =
      a && b
        ? (() => {
            const ci = newcombeInterval(a.correct, a.judgments, b.correct, b.judgments);
            return {
              arms: [a.arm, b.arm] as [string, string],
              difference: a.correct / a.judgments - b.correct / b.judgments,
              lower: ci.lower,
              upper: ci.upper,
            };
          })()
        : null;
    const people = (await db.participants.list(id)).filter((p) => p.kind === 'human');
    const active = await db.participants.lastActive(id);
    const progress = await chat.progress(id);
    const owed = await db.trials.owedIn(id);
    const refs = new Map(trials.map((t) => [t.id, t.ref]));
    const stuck = owed
      .filter((o) => !o.human && now - o.since.getTime() > STUCK_MS)
      .map((o) => ({
        trial: refs.get(o.trialId) ?? '?',
        role: o.role,
        minutes: Math.round((now - o.since.getTime()) / 60_000),
      }));
    const cost = (await db.llm.costSummary(id)).total;
    const byRule = new Map<string, number>();
    for (const list of assessment.excluded.values())
      for (const rule of new Set(list.map((e) => e.rule))) byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
    const screened = new Map<string, number>();
    for (const p of people) {
      const by = (p.spec as { screenedOut?: { by?: unknown } }).screenedOut?.by;
      if (typeof by === 'string') screened.set(by, (screened.get(by) ?? 0) + 1);
    }
    out.push({
      id,
      counts: await db.trials.countByStatus(id),
      arms,
      contrast,
      people: {
        joined: people.length,
        activeNow: people.filter((p) => now - (active.get(p.id)?.getTime() ?? 0) <= activeWithinMs).length,
      },
      waitingOn: progress.waitingOn.map(([who, n]) => ({ who, trials: n })),
      stuck,
      cost: {
        calls: cost.calls,
        costUsd: cost.costUsd,
        promptTokens: cost.promptTokens,
        completionTokens: cost.completionTokens,
      },
      alpha: standings.alpha,
      exclusions: {
        assessed: assessment.judges.size,
        excluded: assessment.excluded.size,
        byRule: [...byRule].map(([rule, judges]) => ({ rule: EXCLUSION_RULE_NAMES[rule] ?? rule, judges })),
      },
      screenedOut: [...screened].map(([by, n]) => ({ by: SCREEN_OUT_NAMES[by] ?? by, people: n })),
    });
  }
  return out;
}

const SCREEN_OUT_NAMES: Record<string, string> = {
  qualification: 'failed practice',
  attentionCheck: 'screen-out attention check',
};

/** The anytime-valid sequence in a cell: "48.0% to 91.2% (n 12): above 50%" or why it says nothing yet. */
function anytimeCell(a: ArmStatus['anytime']): string {
  if (!a || a.n === 0) return '–';
  const range = `${pct(a.lower)} to ${pct(a.upper)} (n ${a.n})`;
  return a.known ? `${range}: ${a.known} 50%` : `${range}: not known yet`;
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);

export function researcherBody(status: ExperimentStatus[], updatedAt: Date): Html {
  return html`<h1>Live view</h1><p class="muted">Read-only. Updated ${updatedAt.toISOString()}; this page reloads every 5 seconds.</p>
${status.map(
  (e) => html`<section class="card"><h2>${e.id}</h2>
<p>Trials: ${Object.entries(e.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(
      ', ',
    )} · people: ${e.people.joined} joined, ${e.people.activeNow} active now · model calls: ${e.cost.calls} ($${e.cost.costUsd.toFixed(4)})</p>
<table><thead><tr><th>Arm</th><th>Protocol</th><th>Trials</th><th>Finished</th><th>Judged</th><th>Accuracy (95% CI)</th><th>Win rate (anytime-valid ${Math.round((1 - e.alpha) * 100)}% sequence)</th><th>Mean reward</th></tr></thead><tbody>
${e.arms.map(
  (a) =>
    html`<tr><td>${a.arm}</td><td>${a.protocol}</td><td>${a.trials}</td><td>${a.finished}</td><td>${a.judgments}</td><td>${pct(a.accuracy)}${a.interval ? ` (${pct(a.interval.lower)} to ${pct(a.interval.upper)})` : ''}</td><td>${anytimeCell(a.anytime)}</td><td>${a.meanReward === null ? '–' : a.meanReward.toFixed(3)}</td></tr>`,
)}</tbody></table>
<h3>Judge quality</h3>
<table><thead><tr><th>Arm</th><th>Catch trials correct</th><th>Median turn open</th><th>Accuracy after exclusions</th></tr></thead><tbody>
${e.arms.map(
  (a) =>
    html`<tr><td>${a.arm}</td><td>${a.catchTrials.n ? `${a.catchTrials.correct} of ${a.catchTrials.n}` : '–'}</td><td>${a.turnSeconds.median === null ? '–' : `${a.turnSeconds.median.toFixed(1)} s (${a.turnSeconds.turns} turns)`}</td><td>${a.afterExclusions.accuracy === null ? '–' : `${pct(a.afterExclusions.accuracy)} of ${a.afterExclusions.judgments}`}</td></tr>`,
)}</tbody></table>
<p>Exclusions (pre-registered rules, as <code>analyze</code> applies them): ${e.exclusions.excluded} of ${e.exclusions.assessed} judges${e.exclusions.byRule.length ? ` (${e.exclusions.byRule.map((r) => `${r.rule}: ${r.judges}`).join('; ')})` : ''} · screened out: ${e.screenedOut.length ? e.screenedOut.map((s) => `${s.by}: ${s.people}`).join('; ') : 'nobody'}</p>
${e.contrast ? html`<p>Main contrast: accuracy in ${e.contrast.arms[0]} minus ${e.contrast.arms[1]}: ${pct(e.contrast.difference)} (95% CI ${pct(e.contrast.lower)} to ${pct(e.contrast.upper)}).</p>` : html`<p class="muted">Main contrast: not yet (two arms need judgments).</p>`}
<h3>Waiting on</h3>${e.waitingOn.length ? html`<ul>${e.waitingOn.map((w) => html`<li>${w.who}: ${w.trials}</li>`)}</ul>` : html`<p class="muted">Nobody.</p>`}
<h3>Stuck</h3>${e.stuck.length ? html`<ul>${e.stuck.map((s) => html`<li>trial ${s.trial}: ${s.role} has owed a move for ${s.minutes} minutes</li>`)}</ul>` : html`<p class="muted">Nothing: no automatic participant has owed a move for more than 5 minutes.</p>`}
</section>`,
)}`;
}
