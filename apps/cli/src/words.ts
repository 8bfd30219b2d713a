/** "1 arm", "2 arms", "1 person", "3 people": a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** "3 finished, 1 aborted": trials by status, in the order a run moves them. */
export function describeCounts(counts: Record<string, number>): string {
  const order = ['finished', 'aborted', 'waiting', 'active'];
  return order
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
}
