import { describe, expect, it } from 'vitest';
import { type ExperimentConfigInput, ExperimentConfigSchema } from '../src/index.ts';

const base: ExperimentConfigInput = {
  name: 'survey',
  seed: 'survey',
  judges: [{ count: 4 }],
  arms: [{ name: 'debate', protocol: 'debate', trialsPerQuestion: 2 }],
};

/**
 * A survey question's id names its field in the chat apps' forms: Discord refuses a modal that
 * repeats a custom_id, Slack a view that repeats a block_id, so a repeated id is a config error.
 */
describe('survey questions in a config', () => {
  it('refuses two questions with one id, naming the second', () => {
    const parsed = ExperimentConfigSchema.safeParse({
      ...base,
      survey: [
        { id: 'clarity', question: 'How clear were the arguments?' },
        { id: 'clarity', question: 'How confident are you?' },
      ],
    });
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues[0]!;
    expect(issue.path).toEqual(['survey', 1, 'id']);
    expect(issue.message).toMatch(/"clarity" is the id of an earlier survey question/);
  });

  it('refuses a choice listed twice', () => {
    const parsed = ExperimentConfigSchema.safeParse({
      ...base,
      survey: [{ id: 'side', question: 'Which side?', kind: 'choice', options: ['A', 'B', 'A'] }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['survey', 0, 'options', 2]);
  });

  it('takes distinct ids and options', () => {
    const parsed = ExperimentConfigSchema.safeParse({
      ...base,
      survey: [
        { id: 'clarity', question: 'How clear were the arguments?' },
        { id: 'side', question: 'Which side?', kind: 'choice', options: ['A', 'B'] },
      ],
    });
    expect(parsed.success).toBe(true);
  });
});
