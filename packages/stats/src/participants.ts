/**
 * Which participants were simulated, models (which) or people — per arm and for the whole report,
 * from the kinds the rows carry (an export or `oversight analyze` fills them from the database).
 * Rows without kinds are counted as "not recorded", so a CSV from elsewhere still analyses.
 */
import type { JudgmentRow } from './judgment.ts';
import { type JudgmentTable, judgmentTable } from './judgment-table.ts';

export interface ParticipantCounts {
  /** Judgments per label: "simulated", "person", "model gpt-4o", "not recorded", or another kind. */
  judges: Record<string, number>;
  arguers: Record<string, number>;
}

export interface ParticipantSummary extends ParticipantCounts {
  /** Plain words, e.g. "judges: simulated; debaters: model gpt-4o". */
  description: string;
  anySimulated: boolean;
}

const NOT_RECORDED = 'not recorded';

/** The label of one participant: its kind, with the model for models. */
export function participantLabel(kind: string | null | undefined, model: string | null | undefined): string {
  if (kind === undefined || kind === null || kind === '') return NOT_RECORDED;
  return kind === 'model' && model ? `model ${model}` : kind;
}

function describe(counts: Record<string, number>): string {
  // 'person' is the value in exports; in a sentence about a group of participants, 'people'
  const labels = Object.entries(counts)
    .map(([label, n]) => [label === 'person' ? 'people' : label, n] as const)
    .sort((a, b) => b[1] - a[1]);
  if (labels.length === 0) return 'none';
  if (labels.length === 1) return labels[0]![0];
  return labels.map(([label, n]) => `${label} (${n})`).join(', ');
}

/** Counts the kinds of judges and arguers over the judgments `idx` of `rows`. */
export function summariseParticipants(
  rows: readonly JudgmentRow[],
  idx: ArrayLike<number>,
  arguerNoun: string,
): ParticipantSummary {
  return participantsOf(judgmentTable(rows), idx, arguerNoun);
}

/** summariseParticipants on the columns of judgment-table.ts. */
export function participantsOf(
  t: JudgmentTable,
  idx: ArrayLike<number>,
  arguerNoun: string,
): ParticipantSummary {
  // counts per label code; the records list labels in order of first appearance, as before
  const L = t.labelNames.length;
  const judgeCount = new Float64Array(L);
  const arguerCount = new Float64Array(L);
  const judgeOrder: number[] = [];
  const arguerOrder: number[] = [];
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const j = t.judgeLabel[i]!;
    if (judgeCount[j]!++ === 0) judgeOrder.push(j);
    if (t.honestArguer[i] !== -1) {
      const h = t.honestLabel[i]!;
      if (arguerCount[h]!++ === 0) arguerOrder.push(h);
    }
    if (t.dishonestArguer[i] !== -1) {
      const d = t.dishonestLabel[i]!;
      if (arguerCount[d]!++ === 0) arguerOrder.push(d);
    }
  }
  const record = (order: number[], counts: Float64Array) => {
    const out: Record<string, number> = {};
    for (const c of order) out[t.labelNames[c]!] = counts[c]!;
    return out;
  };
  const judges = record(judgeOrder, judgeCount);
  const arguers = record(arguerOrder, arguerCount);
  const parts = [`judges: ${describe(judges)}`];
  if (Object.keys(arguers).length > 0) parts.push(`${arguerNoun}: ${describe(arguers)}`);
  return {
    judges,
    arguers,
    description: parts.join('; '),
    anySimulated: 'simulated' in judges || 'simulated' in arguers,
  };
}

/** One line for a report's header: what was simulated where, and who took part in each arm. */
export function participantsHeadline(
  arms: readonly { label: string; participants: ParticipantSummary }[],
): string {
  const simulated = arms.filter((a) => a.participants.anySimulated);
  const unknown = arms.filter(
    (a) => NOT_RECORDED in a.participants.judges || NOT_RECORDED in a.participants.arguers,
  );
  const head =
    simulated.length === 0
      ? unknown.length === 0
        ? 'No participant was simulated.'
        : `Participant kinds were not recorded for ${unknown.length === arms.length ? 'any arm' : unknown.map((a) => a.label).join(', ')} (the rows carry no judgeKind / arguer kinds), so whether they were simulated is not known.`
      : `SIMULATED participants (models of people, told the truth; not evidence about people) in ${
          simulated.length === arms.length ? 'every arm' : simulated.map((a) => a.label).join(', ')
        }.`;
  return `${head} Participants by arm: ${arms.map((a) => `${a.label} (${a.participants.description})`).join('; ')}.`;
}
