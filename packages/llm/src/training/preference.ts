import type { ChatMessage } from '../chat.ts';
import type { ArguerSpeech, Author } from './speeches.ts';

/**
 * Preference pairs for DPO-style training, in the conversational form TRL and similar trainers read:
 * `{"prompt": [system, user], "chosen": [assistant], "rejected": [assistant], "source": {...}}`.
 * Both texts of a pair answer the same prompt. Two kinds:
 *
 * - `best-of-n`: of the candidates sampled for one speech, the one the scoring judge model gave the
 *   highest probability on the arguer's answer against the one it gave the lowest;
 * - `outcome`: two speeches written from the same prompt (same question, answer order, side and
 *   transcript so far, in different trials), one whose judge ended above the threshold on the
 *   speaker's answer against one whose judge did not.
 */

export interface PairSide {
  experimentId: string;
  trialId: string;
  seq: number;
  /** best-of-n: the candidate's index (0-based); null for a logged speech. */
  candidate: number | null;
  /** best-of-n: the scorer's probability; outcome: the judge's final probability, on the argued answer. */
  score: number;
  author: Author;
}

export interface PreferencePair {
  kind: 'best-of-n' | 'outcome';
  storyId: string;
  questionId: string;
  prompt: ChatMessage[];
  chosen: { text: string } & PairSide;
  rejected: { text: string } & PairSide;
  promptCheck: ArguerSpeech['promptCheck'];
}

export function pairSource(pair: PreferencePair) {
  const side = ({ text: _text, ...rest }: PreferencePair['chosen']) => rest;
  return {
    kind: pair.kind,
    storyId: pair.storyId,
    questionId: pair.questionId,
    chosen: side(pair.chosen),
    rejected: side(pair.rejected),
    prompt: pair.promptCheck,
  };
}

export function preferenceRow(pair: PreferencePair): string {
  return JSON.stringify({
    prompt: pair.prompt,
    chosen: [{ role: 'assistant', content: pair.chosen.text }],
    rejected: [{ role: 'assistant', content: pair.rejected.text }],
    source: pairSource(pair),
  });
}

/** The best and worst scored candidates of a best-of-n speech, when they differ. */
export function bestOfNPair(speech: ArguerSpeech): PreferencePair | null {
  const scored = (speech.candidates ?? []).flatMap((c, i) =>
    c.score === null || c.text.trim() === '' ? [] : [{ ...c, score: c.score, index: i }],
  );
  if (scored.length < 2) return null;
  // Ties go to the earlier candidate, as the arguer kept the earlier one.
  let best = scored[0]!;
  let worst = scored[0]!;
  for (const c of scored) {
    if (c.score > best.score) best = c;
    if (c.score < worst.score) worst = c;
  }
  if (best.score === worst.score || best.text === worst.text) return null;
  const at = (c: typeof best) => ({
    text: c.text,
    experimentId: speech.experimentId,
    trialId: speech.trialId,
    seq: speech.seq,
    candidate: c.index,
    score: c.score,
    author: speech.author,
  });
  return {
    kind: 'best-of-n',
    storyId: speech.storyId,
    questionId: speech.questionId,
    prompt: speech.prompt,
    chosen: at(best),
    rejected: at(worst),
    promptCheck: speech.promptCheck,
  };
}

/** A logged speech kept for outcome pairing: everything but its prompt, which its group holds once. */
export type PairableSpeech = Omit<ArguerSpeech, 'prompt'>;

const byPlace = (a: PairableSpeech, b: PairableSpeech) =>
  compareIds(a.experimentId, b.experimentId) || compareIds(a.trialId, b.trialId) || a.seq - b.seq;

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pairs within speeches of one prompt: the most convincing speech with the least convincing, the
 * second with the second, and so on, so no speech is in two pairs and the pairs have the widest
 * margins the group allows. `minBelief` is the outcome rule's threshold.
 */
export function outcomePairs(
  prompt: ChatMessage[],
  group: readonly PairableSpeech[],
  minBelief: number,
): PreferencePair[] {
  const won = group.filter((s) => s.judgeBelief > minBelief);
  const lost = group.filter((s) => s.judgeBelief <= minBelief);
  won.sort((a, b) => b.judgeBelief - a.judgeBelief || byPlace(a, b));
  lost.sort((a, b) => a.judgeBelief - b.judgeBelief || byPlace(a, b));
  const pairs: PreferencePair[] = [];
  const at = (s: PairableSpeech) => ({
    text: s.text,
    experimentId: s.experimentId,
    trialId: s.trialId,
    seq: s.seq,
    candidate: null,
    score: s.judgeBelief,
    author: s.author,
  });
  for (let i = 0; i < Math.min(won.length, lost.length); i++) {
    const chosen = won[i]!;
    const rejected = lost[i]!;
    if (chosen.text === rejected.text) continue;
    pairs.push({
      kind: 'outcome',
      storyId: chosen.storyId,
      questionId: chosen.questionId,
      prompt,
      chosen: at(chosen),
      rejected: at(rejected),
      promptCheck:
        chosen.promptCheck === 'matched' && rejected.promptCheck === 'matched' ? 'matched' : 'unsent',
    });
  }
  return pairs;
}
