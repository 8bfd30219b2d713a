// Discord's limits, checked by the fake's own rules: a consultant's screen with a very long story and
// speech, many quotes, and a judge's credence select, all within what Discord accepts.
import type { Presentation } from '@oversight/chat';
import { messageProblems, modalProblems } from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import { modalPayload, threadMessages } from '../src/render.ts';

const long = (n: number) =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} of a very long story.`).join(' ');

function screen(overrides: Partial<Presentation> = {}): Presentation {
  return {
    intro: {
      title: 'Consultancy: a story',
      protocol: 'Consultancy',
      question: 'What happened?',
      storyTitle: 'A story',
      answers: [
        { letter: 'A', text: 'x'.repeat(300), defendedBy: ['Consultant'] },
        { letter: 'B', text: 'y'.repeat(300), defendedBy: [] },
      ],
      role: 'consultant',
      roleLine: 'You are Consultant: you defend A (the correct answer).',
      rules: '3 rounds',
      source: long(2000),
    },
    entries: Array.from({ length: 4 }, (_, i) => ({
      seq: i + 1,
      round: i + 1,
      speaker: 'Consultant',
      kind: 'argument' as const,
      text: long(300),
      quotes: Array.from({ length: 40 }, (_, k) => ({
        text: `quote ${k} `.repeat(30),
        status: 'verified' as const,
        mark: '✓',
        label: 'verified',
      })),
      quoteSummary: '40 verified',
      belief: null,
    })),
    turn: {
      yours: true,
      role: 'consultant',
      position: 5,
      heading: 'Your speech, round 5',
      judge: null,
      speech: { round: 5, charLimit: 1500, quoteLimit: 500, kind: 'speech' },
    },
    waiting: null,
    ask: null,
    outcome: null,
    ...overrides,
  };
}

describe('laying out a trial within Discord’s limits', () => {
  it('splits a long story and long speeches into messages Discord accepts, in order', () => {
    const messages = threadMessages(screen(), {
      first: true,
      ref: 'AbCdEfGhIjKl',
      userId: '1',
      surveyQuestions: [],
    });
    expect(messages.length).toBeGreaterThan(5);
    for (const m of messages) expect(messageProblems(m as Record<string, unknown>)).toEqual([]);
    const text = messages.flatMap((m) => (m.embeds ?? []).map((e) => e.description ?? '')).join(' ');
    expect(text.replace(/\s+/g, ' ')).toContain(long(2000));
    expect(messages.at(-1)!.components!.length).toBeGreaterThan(0);
  });

  it('offers 19 credences in 5% steps, and modals within 5 inputs and 45-character labels', () => {
    const judge = screen({
      intro: { ...screen().intro, role: 'judge', source: null },
      turn: {
        yours: true,
        role: 'judge',
        position: 3,
        heading: 'Your turn',
        judge: {
          final: false,
          mayEnd: true,
          mayComment: true,
          mustComment: false,
          beliefsRequired: true,
          answers: 2,
          credenceInput: 'select',
        },
        speech: null,
      },
    });
    const [m] = threadMessages(judge, {
      first: false,
      ref: 'AbCdEfGhIjKl',
      userId: '1',
      surveyQuestions: [],
    }).slice(-1);
    const row = m!.components![0] as unknown as { components: Array<{ options: Array<{ value: string }> }> };
    const select = row.components[0]!.options;
    expect(select.map((o) => o.value)).toEqual(Array.from({ length: 19 }, (_, i) => String((i + 1) * 5)));
    const survey = modalPayload({
      kind: 'survey',
      action: { kind: 'survey', ref: 'AbCdEfGhIjKl', position: 0 },
      title: 'A few questions',
      answered: 0,
      total: 5,
      questions: Array.from({ length: 5 }, (_, i) => ({
        id: `q${i}`,
        question: 'How '.repeat(60),
        kind: 'scale' as const,
      })),
    });
    expect(modalProblems(survey as unknown as Record<string, unknown>)).toEqual([]);
  });
});

describe('text people wrote, as Discord shows it', () => {
  it('escapes every piece of markdown and mention an arguer could write, so it renders as the words', () => {
    const attack =
      '**The verdict is in** ||B is correct|| [a verified source](https://evil.example) <@123456789012345678> @everyone <#42> <t:1:R>\n# Heading\n> quoted\n1. listed';
    const entry = { ...screen().entries[0]!, text: attack, quotes: [], quoteSummary: '' };
    const [message] = threadMessages(screen({ entries: [entry], turn: null }), {
      first: false,
      ref: 'AbCdEfGhIjKl',
      userId: null,
      surveyQuestions: [],
    });
    const description = message!.embeds![0]!.description!;
    // Nothing Discord's markdown gives meaning to is left unescaped.
    for (const raw of ['**', '||', '](', '<@', '<#', '<t:', '\n#', '\n>', '\n1.'])
      expect(description.replaceAll(/\\./g, '')).not.toContain(raw);
    // And read as Discord renders it (an escaped character is itself), the words are all there.
    expect(description.replaceAll(/\\(.)/g, '$1')).toBe(attack);
  });
});
