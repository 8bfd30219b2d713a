import type { ArguerSpeech } from './speeches.ts';

/**
 * Supervised fine-tuning rows in the chat format OpenAI-compatible trainers read: `{"messages":
 * [system, user, assistant]}` and nothing else, since some trainers refuse unknown keys. Where a
 * row came from is in the manifest, line by line.
 */

export function sftRow(speech: ArguerSpeech): string {
  return JSON.stringify({ messages: [...speech.prompt, { role: 'assistant', content: speech.text }] });
}

/** The manifest's account of an SFT row. */
export function sftSource(speech: ArguerSpeech) {
  return {
    kind: 'speech' as const,
    experimentId: speech.experimentId,
    trialId: speech.trialId,
    seq: speech.seq,
    arm: speech.arm,
    role: speech.role,
    round: speech.round,
    questionId: speech.questionId,
    storyId: speech.storyId,
    author: speech.author,
    judgeBelief: speech.judgeBelief,
    prompt: speech.promptCheck,
  };
}
