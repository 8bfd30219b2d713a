/**
 * Cutting text for a platform's limits without breaking what a person reads. Discord and Slack count
 * limits in UTF-16 code units (what JavaScript's `length` counts), but a person reads graphemes: an
 * emoji with a skin tone, a flag, a letter with combining accents, a right-to-left word with its
 * marks. A cut inside one leaves half a surrogate pair (shown as �) or a stray accent, so every cut
 * here falls on a grapheme boundary and stays within the limit in code units.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The largest grapheme boundary at or before `at` (0 when the first grapheme is longer). Segmented
 * from the start of the text: where a boundary falls can depend on everything before it (a run of
 * flag emoji pairs its regional indicators from the first one), so a window would not do.
 */
export function graphemeFloor(text: string, at: number): number {
  if (at >= text.length) return text.length;
  if (at <= 0) return 0;
  let best = 0;
  for (const { index } of segmenter.segment(text.slice(0, Math.min(text.length, at + 64)))) {
    if (index > at) break;
    best = index;
  }
  return best;
}

/**
 * `text` within `max` UTF-16 units: whole, or cut at a grapheme boundary with `marker` after it (the
 * marker counts toward `max`). Whitespace before the cut is dropped, so "word …" reads "word…".
 */
export function clip(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  if (max <= marker.length) return marker.slice(0, Math.max(0, max));
  const at = graphemeFloor(text, max - marker.length);
  return `${text.slice(0, at).trimEnd()}${marker}`;
}

/** Whether `clip` would shorten it. */
export function clipped(text: string, max: number): boolean {
  return text.length > max;
}

/**
 * `text` split into parts of at most `max` units each, every cut at a grapheme boundary (preferring a
 * space in the part's second half), so the parts read as the whole when put side by side. For labels
 * split across two fields (Slack's option text and description).
 */
export function splitGraphemes(text: string, max: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = graphemeFloor(rest, max);
    const space = rest.lastIndexOf(' ', cut);
    if (space >= max / 2) cut = space + 1;
    if (cut === 0) cut = Math.min(rest.length, max);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}
