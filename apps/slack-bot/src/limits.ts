import { clip, splitText } from '@oversight/chat';

/**
 * Slack's Block Kit limits, and the few helpers that keep every message and view within them: long
 * text split into sections at readable breaks, blocks split into several messages, labels cut with an
 * ellipsis. Slack refuses a whole message that breaks one limit, so nothing is sent unchecked.
 */
export const SLACK = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  optionText: 75,
  viewTitle: 24,
  viewButton: 24,
  inputLabel: 2000,
  contextElements: 10,
  privateMetadata: 3000,
  plainTextInputMax: 3000,
  /** Fallback `text` of a message (notifications); Slack allows 40,000, a notification shows far less. */
  fallbackText: 3000,
} as const;

export type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Text as mrkdwn shows it literally: &, < and > escaped, so nobody's words can ping @channel. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One line within `max` characters: whitespace runs made single spaces, cut at a grapheme boundary with "…". */
export function cut(text: string, max: number): string {
  return clip(text.replace(/\s+/g, ' ').trim(), max);
}

export const plain = (text: string, max: number = SLACK.sectionText) => ({
  type: 'plain_text',
  text: cut(text, max) || ' ',
  emoji: true,
});
export const md = (text: string) => ({ type: 'mrkdwn', text });

/** Sections holding `mrkdwn` (already escaped), each within 3,000 characters. */
export function sections(mrkdwn: string): Block[] {
  if (mrkdwn.trim() === '') return [];
  return splitText(mrkdwn, SLACK.sectionText).map((part) => ({ type: 'section', text: md(part) }));
}

/**
 * Text people wrote (a speech, a question to the arguers), as Slack shows it: `plain_text` sections,
 * which Slack renders literally (no bold or quoted "system" lines, no links, no mentions), with the
 * line breaks kept; each within 3,000 characters.
 */
export function textSections(text: string): Block[] {
  if (text.trim() === '') return [];
  return splitText(text, SLACK.sectionText).map((part) => ({
    type: 'section',
    text: { type: 'plain_text', text: part, emoji: false },
  }));
}

/** A context block of literal text (see textSections). */
export function textContext(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts
      .slice(0, SLACK.contextElements)
      .map((t) => ({ type: 'plain_text', text: cut(t, SLACK.sectionText) || ' ', emoji: false })),
  };
}

/**
 * A message's top-level `text` (what notifications and screen readers show), which Slack parses as
 * mrkdwn: escaped, so words people wrote cannot ping (`<!channel>`, `<@U…>`) or link, and within
 * what a notification shows.
 */
export function fallback(text: string): string {
  return esc(cut(text, SLACK.fallbackText));
}

export function context(...texts: string[]): Block {
  return {
    type: 'context',
    elements: texts.slice(0, SLACK.contextElements).map((t) => md(cut(t, SLACK.sectionText))),
  };
}

/**
 * Blocks as few messages as the 50-block limit allows, each with `text` as its fallback. `text` must
 * already be a fallback (see `fallback`): it goes to Slack as it is.
 */
export function messagesOf(blocks: Block[], text: string): SlackMessage[] {
  const out: SlackMessage[] = [];
  for (let i = 0; i < blocks.length; i += SLACK.messageBlocks)
    out.push({ text, blocks: blocks.slice(i, i + SLACK.messageBlocks) });
  return out.length ? out : [{ text, blocks: [] }];
}

/** A view's blocks within its limit, the last one saying what was left out. */
export function fitView(blocks: Block[], limit: number = SLACK.viewBlocks): Block[] {
  if (blocks.length <= limit) return blocks;
  return [...blocks.slice(0, limit - 1), context(`…and ${blocks.length - limit + 1} more blocks not shown`)];
}
