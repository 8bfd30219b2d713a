// Every word a person must read reaches them, in payloads Discord accepts (checked by the fake's
// rules, which cite Discord's documentation): a speech preview with many long quotes, the survey with
// long questions and choices, a long consent text, a leaderboard of 50.
import {
  type ActResult,
  COMMENT_MAX,
  PLATFORM_BOX_MAX,
  previewSpeech,
  speechBoxLimit,
} from '@oversight/chat';
import type { Question } from '@oversight/core';
import { loadBundledQuestions } from '@oversight/runner';
import {
  longConsent,
  longSurvey,
  messageProblems,
  modalInputs,
  modalProblems,
  modalText,
} from '@oversight/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { actReply, consentReply, leaderboardReply, modalPayload, surveyPages } from '../src/render.ts';

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

describe('forms and long replies', () => {
  const action = { kind: 'numbers' as const, ref: 'AbCdEfGhIjKl', position: 4 };

  it('shows four answers of over 300 characters whole above their boxes, within five components', () => {
    const answers = ['A', 'B', 'C', 'D'].map(
      (l) => `${l}. ${'An answer that goes on and on 👩‍👩‍👧‍👦 שָׁלוֹם '.repeat(8)}`,
    );
    const modal = modalPayload({ kind: 'numbers', action, title: 'Your credence', answers, after: 'either' });
    expect(modalProblems(modal as unknown as Record<string, unknown>)).toEqual([]);
    const shown = modalText(modal as unknown as Record<string, unknown>).replaceAll(/\\(.)/g, '$1');
    for (const a of answers) expect(shown).toContain(a);
    expect(modalInputs(modal as unknown as Record<string, unknown>)).toHaveLength(4);
  });

  it('gives the speech box and the comment box the limits the chat layer sets for every platform, and says them', () => {
    for (const charLimit of [500, 1500, 2500]) {
      const speech = modalPayload({
        kind: 'speech',
        action: { ...action, kind: 'speak' },
        title: 'Your speech, round 1',
        label: 'Cite the story',
        maxLength: speechBoxLimit(charLimit),
        limits: `Up to ${charLimit} characters.`,
      }) as unknown as Record<string, unknown>;
      expect(modalProblems(speech)).toEqual([]);
      const [box] = modalInputs(speech);
      expect(box!.max_length).toBe(Math.min(PLATFORM_BOX_MAX, charLimit * 2 + 200));
      expect(modalText(speech)).toContain(`Up to ${speechBoxLimit(charLimit)} characters in this box.`);
      expect(modalText(speech)).toContain(`Up to ${charLimit} characters.`);
    }
    const comment = modalPayload({
      kind: 'comment',
      action: { ...action, kind: 'comment' },
      title: 'A question or comment',
      label: 'For the arguers (they all see it)',
      required: true,
      maxLength: COMMENT_MAX,
    }) as unknown as Record<string, unknown>;
    expect(modalInputs(comment)[0]!.max_length).toBe(COMMENT_MAX);
    expect(modalText(comment)).toContain(`Up to ${COMMENT_MAX} characters.`);
  });

  it('lays a survey of five long questions and 25 long choices out in valid pages, every word whole', () => {
    const questions = longSurvey();
    let answered = 0;
    const seen: string[] = [];
    while (answered < questions.length) {
      const modal = modalPayload({
        kind: 'survey',
        action: { kind: 'survey', ref: 'AbCdEfGhIjKl', position: 0 },
        title: 'A few questions',
        questions: questions.slice(answered),
        answered,
        total: questions.length,
      }) as unknown as Record<string, unknown>;
      expect(modalProblems(modal)).toEqual([]);
      const text = modalText(modal).replaceAll(/\\(.)/g, '$1');
      const inputs = modalInputs(modal);
      for (const input of inputs) {
        const q = questions.find((x) => x.id === input.custom_id)!;
        expect(text).toContain(q.question);
        if (q.kind === 'choice')
          expect((input.options as Array<{ label: string }>).map((o) => o.label)).toEqual(q.options);
        seen.push(q.id);
      }
      answered += inputs.length;
    }
    expect(seen).toEqual(questions.map((q) => q.id));
    expect(surveyPages(questions).length).toBe(2);
  });

  it('splits a 6,000-character consent and a 50-line leaderboard over messages Discord takes, every line whole', () => {
    const text = longConsent();
    const reply = consentReply(
      'study',
      { text, version: '2' },
      { accept: 'ov1:accept:study:0', decline: 'ov1:decline:study:0' },
    );
    if (reply.kind !== 'message') throw new Error('expected messages');
    const messages = [reply.message, ...(reply.more ?? [])];
    for (const m of messages)
      expect(messageProblems(m as Record<string, unknown>, 'interaction')).toEqual([]);
    const shown = messages.flatMap((m) => (m.embeds ?? []).map((e) => e.description ?? '')).join(' ');
    expect(shown.replace(/\s+/g, ' ')).toBe(text.replace(/\s+/g, ' '));
    expect(messages.at(-1)!.components!.length).toBe(1);
    const judges = Array.from({ length: 50 }, (_, i) => ({
      rank: i + 1,
      name: `Judge with a long pseudonym number ${i + 1} 🧪`,
      n: 12,
      meanReward: -0.5,
      accuracy: 0.75,
    }));
    const board = leaderboardReply('study', {
      judges,
      honest: [],
      dishonest: [],
      totals: { judges: 60, honest: 0, dishonest: 0 },
    });
    if (board.kind !== 'message') throw new Error('expected messages');
    const all = [board.message, ...(board.more ?? [])];
    for (const m of all) expect(messageProblems(m as Record<string, unknown>, 'interaction')).toEqual([]);
    const lines = all
      .flatMap((m) => (m.embeds ?? []).flatMap((e) => (e.fields ?? []).map((f) => f.value)))
      .join('\n')
      .split('\n');
    for (const j of judges) expect(lines).toContain(`${j.rank}. ${j.name}: -0.500 (12 judged, 75% correct)`);
    expect(lines).toContain('…and 10 more');
  });
});
