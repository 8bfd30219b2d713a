import { describe, expect, it } from 'vitest';
import {
  countPlannedTrials,
  ExperimentConfigSchema,
  planTrials,
  type Question,
  streamTrials,
} from '../src/index.ts';

const questions: Question[] = Array.from({ length: 30 }, (_, i) => ({
  id: `q${String((i * 7) % 30).padStart(2, '0')}`,
  storyId: `story-${i % 4}`,
  storyTitle: '',
  question: `Question ${i}?`,
  answers: ['right', 'wrong', 'also wrong'],
  correctIndex: i % 3,
  source: 'text',
  metadata: {},
}));

const config = ExperimentConfigSchema.parse({
  name: 'stream',
  seed: 'stream-1',
  judges: [
    { name: 'a', count: 60 },
    { name: 'b', count: 45 },
  ],
  arms: [
    { name: 'debate', protocol: 'debate', trialsPerQuestion: 2, judgePools: ['a'] },
    { name: 'consultancy', protocol: 'consultancy', trialsPerQuestion: 4, judgePools: ['a', 'b'] },
    { name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1, judgePools: ['b'] },
  ],
});

describe('planning story by story', () => {
  const streamed = [...streamTrials('exp', config, questions)];

  it('makes exactly the plan, each ordinal once, one story after another', () => {
    const planned = planTrials('exp', config, questions);
    expect(streamed).toHaveLength(countPlannedTrials(config, questions));
    expect([...streamed].sort((x, y) => x.ordinal - y.ordinal)).toEqual(planned);
    expect(planned.map((t) => t.ordinal)).toEqual(planned.map((_, i) => i));
    const stories = streamed.map((t) => t.created.storyId);
    expect(stories).toEqual([...stories].sort());
  });

  it('never gives a judge a story twice, across arms sharing a pool', () => {
    const seen = new Set<string>();
    for (const { created } of streamed) {
      const key = `${created.judgeId}/${created.storyId}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });
});
