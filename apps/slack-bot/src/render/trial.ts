import { type ChatAction, type Entry, encodeAction, type Outcome, type Presentation } from '@oversight/chat';
import {
  type Block,
  context,
  cut,
  esc,
  fallback,
  md,
  messagesOf,
  plain,
  SLACK,
  type SlackMessage,
  sections,
  textContext,
  textSections,
} from '../limits.ts';

/**
 * A trial in a Slack thread, from the platform-neutral presentation: the parent message (question,
 * answers in the trial's order, the person's role), each speech as a reply with its quotes marked, the
 * person's turn as a button that opens the modal, and the outcome. Only layout lives here.
 */

const button = (text: string, action: ChatAction, style?: 'primary' | 'danger'): Block => ({
  type: 'button',
  text: plain(text, SLACK.buttonText),
  action_id: encodeAction(action),
  ...(style ? { style } : {}),
});

export function actions(...elements: Block[]): Block {
  return { type: 'actions', elements };
}

/** The thread's parent: what the trial is about, as this person may know it. */
export function introMessage(p: Presentation): SlackMessage {
  const { intro } = p;
  const answers = intro.answers
    .map((a) => {
      const by = a.defendedBy.length ? `  _(${a.defendedBy.join(', ')})_` : '';
      return `*${a.letter}.* ${esc(a.text)}${by}`;
    })
    .join('\n');
  const blocks: Block[] = [
    { type: 'header', text: plain(intro.title, SLACK.headerText) },
    ...sections(`*Question:* ${esc(intro.question)}`),
    ...sections(answers),
    context(esc(intro.roleLine)),
    context(esc(intro.rules)),
  ];
  return messagesOf(blocks, fallback(`${intro.title}: ${intro.question}`))[0]!;
}

/** The story, for those who may read it (arguers, the oracle baseline's judge), as thread replies. */
export function storyMessages(p: Presentation): SlackMessage[] {
  if (!p.intro.source) return [];
  const blocks = [
    context(
      `*The story${p.intro.storyTitle ? `: ${esc(p.intro.storyTitle)}` : ''}* (the judge cannot see it)`,
    ),
    ...sections(esc(p.intro.source)),
  ];
  return messagesOf(blocks, fallback(`The story: ${p.intro.storyTitle}`));
}

function entryBlocks(entry: Entry): Block[] {
  const kind =
    entry.kind === 'argument'
      ? `round ${entry.round}`
      : entry.kind === 'interjection'
        ? `question or comment after round ${entry.round}`
        : `belief after round ${entry.round}`;
  const blocks: Block[] = [context(`*${esc(entry.speaker)}* · ${kind}`)];
  if (entry.kind === 'belief') {
    blocks.push(...sections(`Your credence: *${esc(entry.belief ?? '')}*`));
    return blocks;
  }
  // What people wrote is shown as text: Slack renders plain_text literally.
  blocks.push(...textSections(entry.text));
  if (entry.quotes.length > 0) {
    const lines = entry.quotes.map((q) => `${q.mark} ${q.label}: «${cut(q.text, 300)}»`);
    // One context element per quote, ten to a block (Slack's limit), the summary first.
    blocks.push(context(`Quotes: ${entry.quoteSummary}`));
    for (let i = 0; i < lines.length; i += SLACK.contextElements)
      blocks.push(textContext(...lines.slice(i, i + SLACK.contextElements)));
  }
  if (entry.belief) blocks.push(context(`Credence: ${esc(entry.belief)}`));
  return blocks;
}

/**
 * New entries as replies. Entries of one round arriving together (simultaneous speeches) share a
 * message when they fit; a speech too long for one message continues in the next.
 */
export function entryMessages(entries: readonly Entry[]): Array<SlackMessage & { lastSeq: number }> {
  const out: Array<SlackMessage & { lastSeq: number }> = [];
  let group: Entry[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const blocks = group.flatMap((e, i) =>
      i > 0 ? [{ type: 'divider' }, ...entryBlocks(e)] : entryBlocks(e),
    );
    const text = fallback(group.map((e) => `${e.speaker}: ${e.text}`).join('\n'));
    for (const m of messagesOf(blocks, text)) out.push({ ...m, lastSeq: group.at(-1)!.seq });
    group = [];
  };
  for (const entry of entries) {
    const prev = group.at(-1);
    const together =
      prev && prev.kind === 'argument' && entry.kind === 'argument' && prev.round === entry.round;
    if (!together) flush();
    group.push(entry);
  }
  flush();
  return out;
}

/** The person's turn: what is asked of them and the button that opens the modal for it. */
export function turnMessage(p: Presentation, ref: string): SlackMessage | null {
  const turn = p.turn;
  if (!turn) return null;
  const at = (kind: ChatAction['kind']): ChatAction => ({ kind, ref, position: turn.position });
  if (turn.judge) {
    const j = turn.judge;
    if (j.mustComment && j.beliefsRequired) {
      // This study wants a credence with every message: the message goes in the modal beside it.
      const blocks: Block[] = [
        ...sections(
          `*${esc(turn.heading)}*\nThis study asks for your credence with every message to the assistant.`,
        ),
        actions(button('Write with my credence', at('numbers'), 'primary')),
      ];
      return { text: fallback(`${turn.heading}: write to the assistant`), blocks };
    }
    if (j.mustComment) {
      const blocks: Block[] = [
        ...sections(`*${esc(turn.heading)}*\nWrite to the assistant *in this thread*; it answers here.`),
        context('When you are ready, give your answer with your credence for each option.'),
        actions(button('Give my answer', at('numbers'), 'primary')),
      ];
      return { text: fallback(`${turn.heading}: write to the assistant in this thread`), blocks };
    }
    const can = [
      j.final ? 'submit your verdict' : 'give your credence and continue',
      !j.final && j.mayEnd ? 'or end with a verdict' : '',
      !j.final && j.mayComment ? '(with a question or comment for the arguers if you like)' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const blocks: Block[] = [
      ...sections(`*${esc(turn.heading)}*: ${can}.`),
      actions(button(j.final ? 'Submit verdict' : 'Judge now', at('numbers'), 'primary')),
    ];
    return { text: fallback(`${turn.heading}: your turn to judge`), blocks };
  }
  if (turn.speech) {
    const s = turn.speech;
    const budget = `${s.charLimit} characters${s.quoteLimit === null ? '' : `, of which ${s.quoteLimit} quoted`}`;
    const blocks: Block[] = [
      ...sections(
        `*${esc(turn.heading)}*\nCite the story with <quote>…</quote>; each quote is checked before you send (${budget}).`.replace(
          /<(\/?)quote>/g,
          '&lt;$1quote&gt;',
        ),
      ),
      actions(button(`Write your ${s.kind}`, at('speak'), 'primary')),
    ];
    return { text: fallback(`${turn.heading}: your turn`), blocks };
  }
  return null;
}

/** The judge may ask the arguers while they write (arms whose judge may ask at any time): the button. */
export function askMessage(p: Presentation, ref: string): SlackMessage | null {
  if (!p.ask) return null;
  const left = p.ask.left === null ? '' : ` (${p.ask.left} left)`;
  return {
    text: 'The arguers are writing; you may ask them a question.',
    blocks: [
      context(`The arguers are writing. A question now is answered in their next speeches${esc(left)}.`),
      actions(button('Ask the arguers', { kind: 'ask', ref, position: p.ask.position })),
    ],
  };
}

export function outcomeBlocks(outcome: Outcome, reward: boolean): Block[] {
  const lines = [
    `*The correct answer was ${outcome.correct}.*`,
    ...outcome.lines.map((l) => `• ${esc(l)}`),
    `Final credence: ${esc(outcome.credence)}`,
  ];
  if (reward && outcome.reward !== null) lines.push(`Your reward: *${outcome.reward.toFixed(3)}*`);
  return sections(lines.join('\n'));
}

/** After the verdict: who was right, who defended what, the reward, and the survey if there is one. */
export function outcomeMessage(p: Presentation, ref: string, surveyQuestions: number): SlackMessage {
  const outcome = p.outcome!;
  const blocks: Block[] = [
    { type: 'header', text: plain('The verdict is in', SLACK.headerText) },
    ...outcomeBlocks(outcome, true),
  ];
  if (surveyQuestions > 0)
    blocks.push(
      context(`A short survey: ${surveyQuestions} question${surveyQuestions === 1 ? '' : 's'}.`),
      actions(button('Answer the survey', { kind: 'survey', ref, position: 0 })),
    );
  return { text: fallback(`The verdict is in: the correct answer was ${outcome.correct}.`), blocks };
}

/** What replaces a turn's buttons once it is answered (so an old button is not clicked by mistake). */
export function answeredMessage(text: string): SlackMessage {
  return {
    text: fallback(text),
    blocks: [{ type: 'section', text: md(`✓ ${esc(cut(text, SLACK.sectionText - 2))}`) }],
  };
}

/** A refusal or a notice shown to one person only. */
export function noteMessage(text: string, p?: Presentation | null): SlackMessage {
  const blocks: Block[] = sections(esc(text));
  if (p?.waiting) blocks.push(context(esc(p.waiting)));
  return { text: fallback(text), blocks };
}
