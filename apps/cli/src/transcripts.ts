/**
 * Which transcript a stored judgment judged, when other judgments judged it too, so that `analyze`
 * compares them as paired data (McNemar) and reports agreement between their judges:
 * - a model re-judging a finished trial (`rejudge`) stores it as `<source trial id>+<judge id>`
 *   (packages/llm/src/replay.ts);
 * - the NYU import stores each offline judge of a live room as `<experiment>-offline.<room>.<judge>`,
 *   the live room being `<experiment>.<room>` (packages/runner/src/import-nyu.ts).
 * Any other judgment judged its own trial's transcript (null: nothing to pair it with).
 */
export function transcriptOf(experimentId: string, trialId: string): string | null {
  const plus = trialId.lastIndexOf('+');
  if (plus > 0) return trialId.slice(0, plus);
  if (experimentId.endsWith('-offline') && trialId.startsWith(`${experimentId}.`)) {
    const rest = trialId.slice(experimentId.length + 1);
    const dot = rest.lastIndexOf('.');
    if (dot > 0) return `${experimentId.slice(0, -'-offline'.length)}.${rest.slice(0, dot)}`;
  }
  return null;
}
