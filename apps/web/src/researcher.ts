import type { ChatService } from '@oversight/chat';
import type { Database } from '@oversight/db';
import { newcombeInterval, wilsonInterval } from '@oversight/stats';
import { type Html, html } from './html.ts';

/**
 * The researcher's live view: read-only, behind a token from the environment, and it never shows a
 * participant's platform identity (people appear by pseudonym and participant id only). Per
 * experiment: trials by status and per arm, judge accuracy per arm with its interval, the main
 * contrast (the first two arms' accuracy difference, Newcombe's interval), whom the waiting trials
 * wait on, people active now, trials an automatic participant has owed a move for long (stuck), and
 * model cost so far.
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
    const arms: ArmStatus[] = config.arms.map((arm) => {
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
    });
  }
  return out;
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
<table><thead><tr><th>Arm</th><th>Protocol</th><th>Trials</th><th>Finished</th><th>Judged</th><th>Accuracy (95% CI)</th><th>Mean reward</th></tr></thead><tbody>
${e.arms.map(
  (a) =>
    html`<tr><td>${a.arm}</td><td>${a.protocol}</td><td>${a.trials}</td><td>${a.finished}</td><td>${a.judgments}</td><td>${pct(a.accuracy)}${a.interval ? ` (${pct(a.interval.lower)} to ${pct(a.interval.upper)})` : ''}</td><td>${a.meanReward === null ? '–' : a.meanReward.toFixed(3)}</td></tr>`,
)}</tbody></table>
${e.contrast ? html`<p>Main contrast: accuracy in ${e.contrast.arms[0]} minus ${e.contrast.arms[1]}: ${pct(e.contrast.difference)} (95% CI ${pct(e.contrast.lower)} to ${pct(e.contrast.upper)}).</p>` : html`<p class="muted">Main contrast: not yet (two arms need judgments).</p>`}
<h3>Waiting on</h3>${e.waitingOn.length ? html`<ul>${e.waitingOn.map((w) => html`<li>${w.who}: ${w.trials}</li>`)}</ul>` : html`<p class="muted">Nobody.</p>`}
<h3>Stuck</h3>${e.stuck.length ? html`<ul>${e.stuck.map((s) => html`<li>trial ${s.trial}: ${s.role} has owed a move for ${s.minutes} minutes</li>`)}</ul>` : html`<p class="muted">Nothing: no automatic participant has owed a move for more than 5 minutes.</p>`}
</section>`,
)}`;
}
