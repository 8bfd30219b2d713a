/**
 * Text a participant wrote (a speech, a judge's question, a sandwiching message), or a dataset's
 * question and answers, shown to people: it is data, never markup and never the system's voice.
 * This is the platform-neutral half of one rendering rule; each app then escapes what its own markup
 * gives meaning to (Discord's markdown and mentions, Slack's mrkdwn, a terminal's escape sequences).
 *
 * Here: control characters go (an ANSI escape can clear a terminal and print anything; a carriage
 * return can overwrite a line), and so do the Unicode controls that reorder text as displayed
 * (bidirectional embeddings, overrides and isolates: they can make one answer letter look like
 * another); right-to-left text itself is untouched. And the marks the apps use to show checked quotes
 * (« » around a quote, ✓ ✗ before its status) are replaced when typed, so only the checker sets them.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const SYSTEM_MARKS: Record<string, string> = {
  '«': '"',
  '»': '"',
  '✓': 'v',
  '✔': 'v',
  '✗': 'x',
  '✘': 'x',
};

export function participantText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .replace(/[«»✓✔✗✘]/g, (mark) => SYSTEM_MARKS[mark]!);
}

/**
 * A speech as people read it: `participantText`, then each `<quote>` (the one tag an arguer may
 * write, checked by `verifyQuotes`) set off by « ». The quote marks in the result are the checker's.
 */
export function speechForPeople(text: string): string {
  // Paired exactly as verifyQuotes pairs them, so a lone tag stays text and marks nothing.
  return participantText(text).replace(/<quote>([\s\S]*?)<\/quote>/gi, '«$1»');
}
