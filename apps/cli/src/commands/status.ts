import { ExperimentConfigSchema, formatMoney } from '@oversight/core';
import type { Database } from '@oversight/db';
import { abortedTrials, anytimeStandings, evaluateStopping, STOPPING_RULE } from '@oversight/runner';
import { anytimeStatusLine } from '@oversight/stats';
import { type Command, DATA_DIR_OPTION, stringOption } from '../command.ts';
import { withDatabase } from '../database.ts';
import { listSome } from '../suggest.ts';
import { count, describeCounts } from '../words.ts';

export const statusCommand: Command = {
  name: 'status',
  usage: 'status [experiment]',
  summary: 'trials by status, and model tokens and cost, per experiment',
  options: { ...DATA_DIR_OPTION },
  async run(input) {
    const [only] = input.positionals;
    return withDatabase(stringOption(input, 'data-dir'), async (db) => {
      const experiments = (await db.experiments.list()).filter((e) => !only || e.id === only);
      if (only && experiments.length === 0) {
        console.error(`no experiment "${only}" in ${db.location}`);
        return 2;
      }
      if (experiments.length === 0)
        console.log(`no experiments yet in ${db.location}; start one with  oversight run <config>`);
      for (const experiment of experiments) {
        const counts = await db.trials.countByStatus(experiment.id);
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        console.log(`${experiment.id}: ${count(total, 'trial')}: ${describeCounts(counts) || 'none'}`);
        for (const line of await waitingLines(db, experiment.id)) console.log(`  ${line}`);
        for (const line of await anytimeLines(db, experiment.id, experiment.config)) console.log(`  ${line}`);
        if (counts.aborted) for (const line of await abortLines(db, experiment.id)) console.log(`  ${line}`);
        for (const line of await paymentLines(db, experiment.id)) console.log(`  ${line}`);
        const cost = await db.llm.costSummary(experiment.id);
        if (cost.total.calls > 0) {
          const armTrials = new Map(Object.entries(await db.trials.countByArm(experiment.id)));
          // A cost of $0 for calls no price applied to would read as free: say there is no price instead.
          const prices = pricesOf(experiment.config);
          const unpriced = cost.paidModels.filter((model) => !prices[model]);
          const priced = unpriced.length < cost.paidModels.length || cost.paidModels.length === 0;
          const money = (usd: number, digits: number) => (priced ? `$${usd.toFixed(digits)}` : 'no prices');
          const line = (name: string, c: typeof cost.total, trials: number) =>
            `  ${name.padEnd(26)} ${String(c.calls).padStart(7)} ${String(c.cachedCalls).padStart(7)} ${String(c.promptTokens).padStart(11)} ${String(c.completionTokens).padStart(10)} ${money(c.costUsd, 4).padStart(11)} ${(trials ? money(c.costUsd / trials, 5) : '–').padStart(11)}`;
          console.log(
            `  model usage: ${'calls'.padStart(23)} ${'cached'.padStart(7)} ${'tokens in'.padStart(11)} ${'tokens out'.padStart(10)} ${'cost'.padStart(11)} ${'per trial'.padStart(11)}`,
          );
          for (const [arm, c] of Object.entries(cost.byArm))
            console.log(line(arm, c, armTrials.get(arm) ?? 0));
          if (cost.noTrial.calls > 0) console.log(line('(not tied to a trial)', cost.noTrial, 0));
          console.log(line('total', cost.total, total));
          if (!priced)
            console.log(
              `  (no prices configured for ${listSome(unpriced)}: add "llm": { "prices": { "${unpriced[0]}": { "input": 2.5, "output": 10 } } } (USD per million tokens) to the config for costs of calls from then on)`,
            );
          else if (unpriced.length > 0)
            console.log(
              `  (cost from the price table in the config, USD per million tokens; cached calls cost nothing; no price configured for ${listSome(unpriced)}, whose calls are not in the cost)`,
            );
          else
            console.log(
              '  (cost from the price table in the config, USD per million tokens; cached calls cost nothing)',
            );
        }
      }
      return 0;
    });
  },
};

/** Who the waiting trials wait on (by pseudonymous id), open seats, and who can take part. */
async function waitingLines(db: Database, experimentId: string): Promise<string[]> {
  // Counted by the database: a million trials due is one aggregate, not a million rows.
  const owed = await db.trials.owedSummary(experimentId);
  const people = (await db.participants.list(experimentId)).filter((p) => p.kind === 'human');
  const lines: string[] = [];
  const onPeople = new Map<string, Map<string, number>>();
  let automatic = 0;
  for (const o of owed) {
    if (!o.human) {
      automatic += o.moves;
      continue;
    }
    const who = o.participantId ?? '(open seat)';
    const roles = onPeople.get(who) ?? new Map<string, number>();
    roles.set(o.role, (roles.get(o.role) ?? 0) + o.moves);
    onPeople.set(who, roles);
  }
  for (const [who, roles] of [...onPeople].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const what = [...roles].map(([role, n]) => `${n} as ${role}`).join(', ');
    lines.push(`waiting on ${who}: ${what}`);
  }
  if (automatic > 0)
    lines.push(`${automatic} moves due from models or simulated participants (run or serve drives them)`);
  if (people.length > 0) {
    const names = people.map(
      (p) =>
        `${p.id} (${p.label}${p.identity?.startsWith('terminal:') ? `, --as ${p.identity.slice(9)}` : ''}${p.leftAt ? ', left' : ''})`,
    );
    lines.push(`people: ${names.join(', ')}`);
  }
  return lines;
}

/**
 * One line per arm: its anytime-valid confidence sequence now and whether its answer is known
 * (valid however often status is run); with the config's stopping rule, its alpha and, per
 * comparison, the pairs it watches.
 */
async function anytimeLines(db: Database, experimentId: string, stored: unknown): Promise<string[]> {
  const parsed = ExperimentConfigSchema.safeParse(stored);
  const config = parsed.success ? parsed.data : null;
  const rule = config?.stopping;
  const { alpha, arms } = await anytimeStandings(db, experimentId, config);
  if (arms.length === 0) return [];
  const lines = [
    `win rate of the correct answer, anytime-valid ${Math.round((1 - alpha) * 100)}% sequences (valid however often you look)${rule ? `; stopping rule: per ${rule.per}, alpha ${alpha}` : ''}:`,
    ...arms.map(({ arm, status }) => `  ${anytimeStatusLine(arm, status, alpha)}`),
  ];
  if (config && rule?.per === 'comparison') {
    const evaluation = await evaluateStopping(db, experimentId, config);
    for (const { label, status } of evaluation?.standings ?? [])
      lines.push(
        `  ${label}: ${status.lower.toFixed(2)} to ${status.upper.toFixed(2)} after ${status.n} judgments; ${status.known ? `the answer is known at alpha = ${alpha}` : `not known yet (${status.why})`}`,
      );
  }
  return lines;
}

/** Why trials were stopped, most common reason first, and how to try them again. */
async function abortLines(db: Database, experimentId: string): Promise<string[]> {
  const all = (await abortedTrials(db, experimentId)).filter((t) => t.retriedAs === null);
  // The stopping rule's stops are not failures: listed apart, and not offered for retry.
  const byRule = all.filter((t) => t.by === STOPPING_RULE);
  const aborted = all.filter((t) => t.by !== STOPPING_RULE);
  const ruleArms = new Map<string, number>();
  for (const t of byRule) ruleArms.set(t.arm, (ruleArms.get(t.arm) ?? 0) + 1);
  const byReason = new Map<string, number>();
  for (const t of aborted) {
    // The participant's id would keep equal causes apart (each arm's arguer has its own); the role says enough.
    const reason = t.reason.replace(/^\S+ \((\S+)\): /, '$1: ');
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  const lines = [...byReason]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([reason, n]) => `stopped (${n}): ${reason.length > 160 ? `${reason.slice(0, 157)}...` : reason}`);
  if (byReason.size > 5) lines.push(`stopped for ${byReason.size - 5} other reasons too`);
  for (const [arm, n] of ruleArms) {
    const reason = byRule.find((t) => t.arm === arm)!.reason;
    lines.push(`${arm}: ${n} trials not started were stopped by the ${reason}`);
  }
  if (aborted.length > 0)
    lines.push(`try them again with  oversight retry ${experimentId}  (the stopped trials are kept)`);
  return lines;
}

/** The config's price table (USD per million tokens by model), read leniently from a stored config. */
function pricesOf(config: unknown): Record<string, unknown> {
  const prices = (config as { llm?: { prices?: unknown } } | null)?.llm?.prices;
  return prices && typeof prices === 'object' ? (prices as Record<string, unknown>) : {};
}

/** The bonus batches `pay` recorded: how many, how much, and which were not sent through an API. */
async function paymentLines(db: Database, experimentId: string): Promise<string[]> {
  const batches = await db.payments.batches(experimentId);
  if (batches.length === 0) return [];
  const payments = await db.payments.list(experimentId);
  const currency = batches[0]!.currency;
  const total = payments.reduce((a, p) => a + p.amountMinor, 0);
  const people = new Set(payments.map((p) => p.participantId)).size;
  const lines = [
    `bonuses: ${count(batches.length, 'batch', 'batches')} recorded, ${count(payments.length, 'bonus', 'bonuses')} to ${count(people, 'person', 'people')}, ${formatMoney(total, currency)} in all (${batches[0]!.platform})`,
  ];
  const open = batches.filter((b) => b.submitStartedAt && !b.paidAt).map((b) => b.batch);
  if (open.length > 0)
    lines.push(
      `sent through the API with no answer recorded: batch ${open.join(', ')} (check them on the platform before anything else)`,
    );
  return lines;
}
