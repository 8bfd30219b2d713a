import { graphemeFloor } from './text.ts';

/**
 * Long text split to a platform's limits (Discord: 2,000 characters a message, 4,096 an embed
 * description; Slack: 3,000 a section), at paragraph, then line, then sentence, then word breaks,
 * so a long speech arrives as several readable parts, never cut mid-word when a break exists.
 */
export function splitText(text: string, limit: number): string[] {
  if (limit < 20) throw new RangeError('splitText: limit too small');
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    const cut =
      lastBreak(window, '\n\n', limit) ??
      lastBreak(window, '\n', limit) ??
      lastBreak(window, '. ', limit, 1) ??
      lastBreak(window, ' ', limit) ??
      hardCut(rest, limit);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** The end of the last `separator` in the window's second half (so parts are not tiny), or null. */
function lastBreak(window: string, separator: string, limit: number, keep = 0): number | null {
  const at = window.lastIndexOf(separator, limit - separator.length + keep);
  return at >= limit / 2 ? at + keep : null;
}

/**
 * A cut with no break near: on a grapheme boundary (never half an emoji or a letter without its
 * accent), and never between an escaping backslash and the character it escapes.
 */
function hardCut(text: string, limit: number): number {
  let at = graphemeFloor(text, limit);
  if (at === 0) at = limit;
  let slashes = 0;
  while (slashes < at && text[at - 1 - slashes] === '\\') slashes += 1;
  return slashes % 2 === 1 ? at - 1 : at;
}
