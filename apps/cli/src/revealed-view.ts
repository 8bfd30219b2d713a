import type { JudgmentRecord, MoveMeta, Question, TrialState } from '@oversight/core';
import { LETTERS, ROLE_NAMES } from './terminal-view.ts';

/**
 * What `oversight show` adds to the judge's screen: everything the judge could not see — the
 * correct answer, who was assigned it, how each move was made, and the source passage each quote
 * matched.
 */

const percent = (p: number) => `${(p * 100).toFixed(0)}%`;

function describeMeta(meta: MoveMeta | undefined): string {
  if (!meta) return '';
  const parts = [
    meta.participantId,
    meta.simulated ? 'simulated' : undefined,
    meta.model ? `model ${meta.model}` : undefined,
    meta.induction ? `induction ${meta.induction}` : undefined,
    meta.candidates ? `best of ${meta.candidates}` : undefined,
    meta.promptHash ? `prompt ${meta.promptHash.slice(0, 10)}` : undefined,
    meta.positionBias !== undefined ? `position bias ${meta.positionBias.toFixed(2)}` : undefined,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function renderRevealed(
  state: TrialState,
  question: Question,
  judgment: JudgmentRecord | null,
  labels: ReadonlyMap<string, string>,
): string {
  const { created, verdict, aborted } = state;
  const who = (id: string | undefined | null) => (id ? (labels.get(id) ?? id) : '(nobody yet)');
  const lines = [
    '── Revealed: what the judge did not see',
    `experiment ${created.experimentId} · arm ${created.arm} · question ${question.id} (story ${question.storyId})`,
    `judge: ${who(state.seats.judge)}`,
    `answer order: ${created.displayed.map((original, i) => `${LETTERS[i]} = answer ${original + 1} of the question`).join(', ')}`,
    `correct answer: ${LETTERS[created.correctDisplayed]}. ${question.answers[question.correctIndex] ?? ''}`,
  ];
  for (const arguer of created.arguers) {
    lines.push(
      `${ROLE_NAMES[arguer.role] ?? arguer.role}: ${who(state.seats[arguer.role])}, defended ${LETTERS[arguer.answer]} ` +
        `(${arguer.honest ? 'the correct answer: honest' : 'a wrong answer: dishonest'})`,
    );
  }
  if (created.induction) lines.push(`wrong side induced by: ${created.induction}`);
  if (verdict) {
    const beliefs = verdict.probabilities.map((p, i) => `${LETTERS[i]} ${percent(p)}`).join(', ');
    lines.push(`verdict in round ${verdict.round}: ${beliefs}${describeMeta(verdict.meta)}`);
    if (verdict.rationale) lines.push(`  why: ${verdict.rationale}`);
  }
  if (judgment)
    lines.push(
      `outcome: ${judgment.correct ? 'correct' : 'wrong'} (p(correct) ${percent(judgment.probCorrect)}), ` +
        `${judgment.rounds} continues, reward ${judgment.reward.toFixed(3)}`,
    );
  if (aborted)
    lines.push(
      `aborted${aborted.role ? ` on ${ROLE_NAMES[aborted.role] ?? aborted.role}'s move` : ''}: ${aborted.reason}`,
    );
  if (!verdict && !aborted) lines.push('not finished yet');

  const moves = state.entries.filter(({ event }) => event.meta);
  if (moves.length > 0) {
    lines.push('', 'how each move was made:');
    for (const { seq, event } of moves) {
      const role = event.type === 'ArgumentSubmitted' ? event.role : 'judge';
      lines.push(`  #${seq} [round ${event.round}] ${ROLE_NAMES[role] ?? role}${describeMeta(event.meta)}`);
    }
  }
  const quotes = state.arguments.flatMap((a) => a.quotes.map((q) => ({ round: a.round, role: a.role, q })));
  const doubtful = quotes.filter(({ q }) => q.status !== 'verified');
  if (quotes.length > 0)
    lines.push('', `quotes: ${quotes.length - doubtful.length} of ${quotes.length} verified word for word`);
  for (const { round, role, q } of doubtful) {
    lines.push(
      `  [round ${round}] ${ROLE_NAMES[role] ?? role}: «${excerpt(q.text, 80)}» ${q.status} (${percent(q.similarity)})`,
    );
    if (q.span)
      lines.push(
        `      nearest passage, characters ${q.span[0]}–${q.span[1]}: «${excerpt(question.source.slice(q.span[0], q.span[1]))}»`,
      );
  }
  if (state.feedback.length > 0) {
    lines.push('', 'feedback after the verdict:');
    for (const f of state.feedback) lines.push(`  ${who(f.participantId)}: ${JSON.stringify(f.answers)}`);
  }
  return lines.join('\n');
}
