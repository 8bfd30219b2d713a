/**
 * When a method does not apply, and the words that say why.
 *
 * Every clustered method rests on the clusters (judges, questions) being many: each treats them as
 * a sample from a population of clusters, and with few of them it claims more certainty than the
 * data hold. How few is too few was measured, not assumed: `scripts/few-clusters.ts` simulates
 * studies where the null is true (a win rate of 50% tested against 50%; two equal arms judged by
 * the same judges), with a judge SD of 0 or 1 on the logit scale and 3, 10 or 1-10 judgments per
 * judge, 2,000 studies per design and number of judges (Monte Carlo SE 0.5 points at 5%), and
 * counts how often each method rejects at α = 5%. Worst design, in %:
 *
 *   judges                     2     3     4     5     6     7     8    10    12    15    20    30
 *   bootstrap, expanded rate 50.5  26.7  13.1   7.4   6.9   6.7   6.2   5.7   5.4   5.8   5.7   5.1
 *                 difference 40.9  19.7   8.6   7.8   7.2   6.9   6.2   5.6   6.2   5.9   5.9   6.4
 *   sandwich, t(G−1)    rate  1.9   6.5   7.7   8.7   8.2   8.5   7.5   7.2   7.4   6.8   6.3   5.8
 *   GLMM Wald           rate 13.9  12.2  11.3   8.6   9.3   8.8   7.9   8.8   7.6   7.4   6.7   5.7
 *
 * (the sandwich and GLMM tests of a difference on shared judges stayed at 4-7% from 2 judges; the
 * plain percentile bootstrap needed 20-30 judges, the sandwich with a normal reference 20-30.)
 * The minimum for each method is the smallest number of clusters from which every design stayed at
 * or below 7.5% (one and a half times the nominal rate), in both kinds of study. Below it the
 * method is reported as not estimable, with the count and this reason.
 */

export type ClusteredMethod = 'bootstrap' | 'clusterRobust' | 'glmm';

/** Fewest clusters each method is used with (see the file comment for how they were chosen). */
export const MIN_CLUSTERS: Record<ClusteredMethod, number> = {
  bootstrap: 6,
  clusterRobust: 10,
  glmm: 15,
};

const METHOD_NAME: Record<ClusteredMethod, string> = {
  bootstrap: 'a cluster bootstrap',
  clusterRobust: 'a cluster-robust test',
  glmm: 'a Wald test from a random-intercept model',
};

/** "1 judge", "3 questions". */
export function clusterCount(n: number, kind: string): string {
  return `${n} ${kind}${n === 1 ? '' : 's'}`;
}

/** Why a method cannot be used with this many clusters, or null when it can. */
export function tooFewClusters(method: ClusteredMethod, kind: string, count: number): string | null {
  const min = MIN_CLUSTERS[method];
  if (count >= min) return null;
  return `${clusterCount(count, kind)}, fewer than the ${min} ${METHOD_NAME[method]} needs`;
}

/** The note a report carries when some method was refused for too few clusters. */
export const FEW_CLUSTERS_NOTE = `Clustered methods need enough clusters: ${METHOD_NAME.bootstrap} at least ${MIN_CLUSTERS.bootstrap}, ${METHOD_NAME.clusterRobust} at least ${MIN_CLUSTERS.clusterRobust}, ${METHOD_NAME.glmm} at least ${MIN_CLUSTERS.glmm}. With fewer, simulated studies in which the null was true rejected it at α = 5% in more than 7.5% of cases (packages/stats/scripts/few-clusters.ts), so where a table shows "n/e" the exact tests, which need no clusters, are the ones to read.`;

/** Why an arm's logit is not estimable: complete separation (all won or all lost), or null. */
export function separation(wins: number, n: number): string | null {
  if (n === 0) return 'no judgments';
  if (wins === n) return `all ${n} judgments won; complete separation: the logit is +∞`;
  if (wins === 0) return `all ${n} judgments lost; complete separation: the logit is −∞`;
  return null;
}
