// Every word a person must read reaches them, in payloads Discord accepts (checked by the fake's
// rules, which cite Discord's documentation): a speech preview with many long quotes, the survey with
// long questions and choices, a long consent text, a leaderboard of 50.
import { type ActResult, previewSpeech } from '@oversight/chat';
import type { Question } from '@oversight/core';
import { loadBundledQuestions } from '@oversight/runner';
import { messageProblems } from '@oversight/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { actReply } from '../src/render.ts';

let story: Question;

beforeAll(async () => {
  story = (await loadBundledQuestions()).find((q) => q.id === 'double-cross-dee37c3f')!;
});

/** A draft that quotes `count` sentences of the story (each over 90 characters), padded to `visible` characters. */
export function quotingDraft(source: string, count: number, visible: number): string {
  const sentences = source
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 90 && s.length < 200 && !/[<>]/.test(s));
  const quotes = sentences.slice(0, count).map((s) => `<quote>${s}</quote>`);
  let text = quotes.join(' As the story says, ');
  const filler = ' This shows the answer I defend is the one the story supports.';
  while (text.replace(/<\/?quote>/g, '').length + filler.length <= visible) text += filler;
  return text;
}

describe('the speech preview', () => {
  it('fits Discord’s 6,000 characters of embeds with a 4,000-character draft of 25 long quotes, and shows every quote’s check', () => {
    const rules = { charLimit: 3800, quoteLimit: null };
    const draft = quotingDraft(story.source, 25, 3600);
    expect(draft.length).toBeGreaterThan(3900);
    expect(draft.length).toBeLessThanOrEqual(4000);
    const preview = previewSpeech(draft, story.source, rules);
    expect(preview.problems).toEqual([]);
    expect(preview.quotes.length).toBe(25);
    const result: ActResult = {
      status: 'preview',
      preview,
      send: { kind: 'send', ref: 'AbCdEfGhIjKl', position: 3 },
    };
    const reply = actReply(result, { kind: 'speak', ref: 'AbCdEfGhIjKl', position: 3 });
    if (reply.kind !== 'message') throw new Error('expected a message');
    // Discord refuses a message whose embeds hold more than 6,000 characters (50035).
    expect(messageProblems(reply.message as Record<string, unknown>, 'interaction')).toEqual([]);
    // Send reads the speech back from the first embed: all of it, exactly as typed.
    expect(reply.message.embeds![0]!.description).toBe(preview.text);
    // Every quote's check is there, by its number.
    const checks = reply.message.embeds!.flatMap((e) => (e.fields ?? []).map((f) => f.value)).join('\n');
    for (let i = 1; i <= 25; i++) expect(checks).toMatch(new RegExp(`(^|\\n)✓ ${i}\\. |\\b${i}\\b`));
  });
});
