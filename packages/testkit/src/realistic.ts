import type { Question } from '@oversight/core';
import type { ReplyFn } from './fake-openai/types.ts';

/**
 * What a real study puts in front of people, for the chat apps' tests: the bundled NYU/QuALITY
 * stories (27-34k characters), answers over 300 characters that differ only late in the sentence,
 * a question with four answers, a consent text of 6,000 characters, a five-question survey with long
 * questions and 25 long choices, speeches near a 2,500-character limit full of quotes, emoji and
 * right-to-left text, and words an arguer or a dataset could write to ping people or fake a link.
 */

/** Emoji that are several UTF-16 units each (a family, a flag, a skin tone), and right-to-left words. */
export const WORLD_TEXT = {
  emoji: '👩‍👩‍👧‍👦 🇫🇷 👍🏽 🧪',
  hebrew: 'שָׁלוֹם עֲלֵיכֶם',
  arabic: 'مرحبا بالعالم',
} as const;

/** Words that would ping people or render as a link or as system text if not escaped. */
export const HOSTILE =
  '<!channel> <!here> <!subteam^S0123> <@U0BOSS001> @everyone <@123456789012345678> <@&223344556677889900> **B is correct** ||spoiler|| [a verified source](https://evil.example) <https://evil.example|click>';

/** The bundled question whose two answers (314 and 335 characters) differ only after their first words. */
export const LONG_ANSWERS_QUESTION = 'double-cross-dee37c3f';

/**
 * The study's questions: the long-answer NYU question as it is, and another bundled question given
 * four answers (two more, long, with emoji and right-to-left text, one with words that must not
 * ping), its title and question carrying emoji too.
 */
export function realisticQuestions(bundled: readonly Question[]): Question[] {
  const long = bundled.find((q) => q.id === LONG_ANSWERS_QUESTION);
  if (!long) throw new Error(`the bundled dataset has no question ${LONG_ANSWERS_QUESTION}`);
  const other = bundled.find((q) => q.storyId !== long.storyId && q.answers.every((a) => a.length > 40));
  if (!other) throw new Error('the bundled dataset has no second question with long answers');
  const four: Question = {
    ...other,
    id: `${other.id}-four`,
    storyTitle: `${other.storyTitle} ${WORLD_TEXT.emoji}`,
    question: `${other.question} (${WORLD_TEXT.hebrew} ${WORLD_TEXT.emoji})`,
    answers: [
      ...other.answers,
      `${other.answers[0]} — or so one of the characters claims at the end, though the narrator hints otherwise ${WORLD_TEXT.emoji} ${WORLD_TEXT.arabic}; this answer goes on to be longer than three hundred characters so that no label can hold it and every word of it must still reach the judge whole.`,
      `None of the above: ${HOSTILE} ${WORLD_TEXT.hebrew} — an answer a careless dataset could carry, whose marks must show as text and never notify anyone or link anywhere.`,
    ],
  };
  return [long, four];
}

/** A consent text of at least 6,000 characters whose last sentence is the one that matters. */
export const CONSENT_LAST_SENTENCE =
  'By clicking "I accept" you confirm that you have read all of the above, including this last sentence. ✅';

export function longConsent(length = 6000): string {
  const paragraph = (n: number) =>
    `${n}. You will read short debates about stories you have not read and say which answer you believe is correct. We record your answers, your credences and how long each step takes, under a pseudonym; we never store your platform name with your answers. ${n % 3 === 0 ? `${WORLD_TEXT.hebrew} ${WORLD_TEXT.emoji}` : ''}`;
  const parts: string[] = [];
  for (let n = 1; parts.join('\n\n').length < length - CONSENT_LAST_SENTENCE.length; n++)
    parts.push(paragraph(n));
  return `${parts.join('\n\n')}\n\n${CONSENT_LAST_SENTENCE}`;
}

/** Five questions of 250-300 characters: scales, a choice among 25 long options, free text. */
export function longSurvey() {
  const q = (topic: string) =>
    `Thinking about the whole trial you just judged, including every speech, every quote and how the arguers answered your questions, ${topic}? Please take your time: there are no right or wrong answers and we read every response ${WORLD_TEXT.emoji}.`;
  // Each choice 90-100 characters (the config allows 100), some with emoji, never cut inside one.
  const aspects = ['quotes', 'logic', 'tone', 'answers to my questions', 'confidence'];
  const choices = Array.from({ length: 25 }, (_, k) => {
    let text = `Choice ${k + 1}: the arguer's ${aspects[k % 5]} mattered most to me${k % 4 === 0 ? ' 🧪👍🏽' : ''}`;
    for (const word of ' in this trial, more than anything else I read or was shown'.split(/(?= )/))
      if (text.length + word.length <= 100) text += word;
    return text;
  });
  return [
    { id: 'clarity', question: q('how clear were the arguments'), kind: 'scale' as const },
    { id: 'trust', question: q('how much did you trust the quotes you were shown'), kind: 'scale' as const },
    {
      id: 'effort',
      question: q('how hard did you have to work to reach your verdict'),
      kind: 'scale' as const,
    },
    {
      id: 'reason',
      question: q('which one thing decided your verdict'),
      kind: 'choice' as const,
      options: choices,
    },
    { id: 'notes', question: q('is there anything else you would like to tell us'), kind: 'text' as const },
  ];
}

/**
 * A model arguer writing near the limit: the story's long sentences quoted (found in the prompt, so
 * each quote is verified), emoji, right-to-left words, and words that must not ping or link.
 */
export function speechReplier(sources: readonly string[], visible = 2300): ReplyFn {
  const sentencesOf = (source: string) =>
    source
      .split(/(?<=[.!?])\s+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 60 && s.length < 160 && !/[<>]/.test(s));
  return (request) => {
    if (request.response_format) return '{"choice": 0, "score": 0.5}';
    const prompt = JSON.stringify(request.messages);
    const source =
      sources.find((s) => prompt.includes(JSON.stringify(s.slice(0, 200)).slice(1, -1))) ?? sources[0]!;
    const sentences = sentencesOf(source);
    const round = (prompt.match(/round/gi) ?? []).length;
    let text = `${WORLD_TEXT.emoji} ${HOSTILE} ${WORLD_TEXT.hebrew}.`;
    for (let k = 0; k < 12 && text.replace(/<\/?quote>/g, '').length < visible - 200; k++) {
      const s = sentences[(round * 7 + k * 13) % sentences.length]!;
      text += ` The story says <quote>${s}</quote> and that settles point ${k + 1}.`;
    }
    const filler = ` Read carefully ${WORLD_TEXT.arabic}.`;
    while (text.replace(/<\/?quote>/g, '').length + filler.length < visible) text += filler;
    return text;
  };
}
