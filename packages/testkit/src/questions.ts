/**
 * Questions for benchmarks: one short story per question (so no judge is ever short of unseen
 * stories), two answers, the correct one alternating, shaped as the project's `Question`.
 */
export function benchQuestions(count: number, sentences = 30) {
  const source = Array.from(
    { length: sentences },
    (_, k) => `In part ${k} the pilot ${k % 2 ? 'repaired the beacon' : 'mapped the reef'}.`,
  ).join(' ');
  return Array.from({ length: count }, (_, i) => ({
    id: `q${i}`,
    storyId: `s${i}`,
    storyTitle: `Tale ${i}`,
    question: `What did the pilot do in part ${i}?`,
    answers: ['repaired the beacon', 'mapped the reef'],
    correctIndex: i % 2,
    source,
    metadata: {},
  }));
}
