// One config gives people the same boxes on every platform: the speech box from the arm's charLimit
// within the smaller platform box (Slack's 3,000; Discord allows 4,000), the comment box the same.
import { DISCORD_LIMITS, LIMITS as SLACK_LIMITS } from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import { COMMENT_MAX, PLATFORM_BOX_MAX, SURVEY_TEXT_MAX, speechBoxLimit } from '../src/index.ts';

describe('the limits of the boxes people write in', () => {
  it('fit both platforms’ boxes', () => {
    expect(PLATFORM_BOX_MAX).toBe(Math.min(SLACK_LIMITS.plainTextInputMax, DISCORD_LIMITS.textInputLength));
    for (const max of [COMMENT_MAX, SURVEY_TEXT_MAX]) expect(max).toBeLessThanOrEqual(PLATFORM_BOX_MAX);
  });

  it('give a speech room for its limit and its quote tags, never more than a platform holds', () => {
    expect(speechBoxLimit(500)).toBe(1200);
    expect(speechBoxLimit(1400)).toBe(3000);
    expect(speechBoxLimit(2500)).toBe(3000);
  });
});
