// The fake Slack refuses what Slack refuses, checked through the real Web API client: Block Kit rules
// (each naming the docs.slack.dev page it comes from), the 40,000-character truncation (a warning,
// not a refusal), mentions and links parsed out of text and mrkdwn, answers to a view submission,
// and the rate limits: method tiers and one message per second per channel.
import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack, takeViolations } from '../src/index.ts';

let slack: FakeSlack;
let client: WebClient;

beforeAll(async () => {
  slack = await startFakeSlack();
  client = new WebClient(slack.teams[0]!.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
});
afterAll(async () => {
  await slack?.close();
});

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'section',
  text: { type: 'mrkdwn', text },
  ...extra,
});

async function refused(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (error) {
    const data = (error as { data?: { errors?: string[]; response_metadata?: { messages?: string[] } } })
      .data;
    takeViolations();
    return data?.errors ?? data?.response_metadata?.messages ?? [String(error)];
  }
  throw new Error('expected Slack to refuse the request');
}

let channel = 0;
/** A channel of its own per call, so one message per second per channel never gets in the way. */
const fresh = () => `C${String(++channel).padStart(8, '0')}`;

describe('Block Kit', () => {
  it('refuses a repeated block_id, a repeated action_id in a block, emoji on mrkdwn and verbatim on plain_text', async () => {
    const post = (blocks: unknown[]) =>
      refused(() => client.chat.postMessage({ channel: fresh(), text: 'x', blocks: blocks as never }));
    expect(await post([section('a', { block_id: 'b1' }), section('b', { block_id: 'b1' })])).toEqual([
      expect.stringMatching(
        /"b1" repeats an earlier block's block_id \[https:\/\/docs\.slack\.dev\/reference\/block-kit\/blocks\]/,
      ),
    ]);
    const button = { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' } };
    expect(await post([{ type: 'actions', elements: [button, button] }])).toEqual([
      expect.stringMatching(/"go" repeats an action_id in its block/),
    ]);
    expect(await post([{ type: 'section', text: { type: 'mrkdwn', text: 'x', emoji: true } }])).toEqual([
      expect.stringMatching(/emoji is only for plain_text.*text-object/),
    ]);
    expect(
      await post([{ type: 'section', text: { type: 'plain_text', text: 'x', verbatim: true } }]),
    ).toEqual([expect.stringMatching(/verbatim is only for mrkdwn/)]);
  });

  it('takes an option value of 150 characters (the documentation) and refuses 151; an initial option must be one of the options', async () => {
    const select = (value: string, initial?: unknown) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'Pick' },
      accessory: {
        type: 'static_select',
        action_id: 'pick',
        options: [{ text: { type: 'plain_text', text: 'one' }, value }],
        ...(initial ? { initial_option: initial } : {}),
      },
    });
    await client.chat.postMessage({
      channel: fresh(),
      text: 'x',
      blocks: [select('v'.repeat(150))] as never,
    });
    expect(
      await refused(() =>
        client.chat.postMessage({ channel: fresh(), text: 'x', blocks: [select('v'.repeat(151))] as never }),
      ),
    ).toEqual([expect.stringMatching(/value: must be a string of 1 to 150 characters.*option-object/)]);
    const other = { text: { type: 'plain_text', text: 'two' }, value: 'w' };
    expect(
      await refused(() =>
        client.chat.postMessage({ channel: fresh(), text: 'x', blocks: [select('v', other)] as never }),
      ),
    ).toEqual([expect.stringMatching(/initial_option: must be exactly one of the options/)]);
  });

  it('truncates text past 40,000 characters with a warning instead of refusing it', async () => {
    const ch = fresh();
    const res = await client.chat.postMessage({ channel: ch, text: 'y'.repeat(40_001) });
    expect(res.ok).toBe(true);
    expect(res.warning).toBe('message_truncated');
    expect(slack.messages(ch)[0]!.text).toHaveLength(40_000);
  });

  it('refuses a modal view with a 25-character title and inputs but no submit button', async () => {
    const problems = await refused(() =>
      client.views.open({
        trigger_id: slack.trigger(),
        view: {
          type: 'modal',
          title: { type: 'plain_text', text: 'A title of twenty-five ch' },
          blocks: [
            {
              type: 'input',
              label: { type: 'plain_text', text: 'x' },
              element: { type: 'plain_text_input', action_id: 'x' },
            },
          ],
        } as never,
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/view\.title: text is 25 characters; the limit is 24/),
      expect.stringMatching(/a modal with input blocks needs a submit button/),
    ]);
  });
});

describe('what Slack parses out of text', () => {
  it('flags special mentions, mentions of others and foreign links; escaped text, the reader’s own DM and the app’s permalinks pass', async () => {
    const dm = slack.dm('UALICE001');
    await client.chat.postMessage({
      channel: dm,
      text: 'For you <@UALICE001>',
      blocks: [section('&lt;!channel&gt; is only text')] as never,
    });
    await client.chat.postMessage({
      channel: dm,
      text: 'See <https://slack.fake/archives/T1/D1/p1|the thread>',
    });
    expect(takeViolations()).toEqual([]);
    await client.chat.postMessage({
      channel: fresh(),
      text: 'hello <!channel> <@UBOB00001>',
      blocks: [section('<https://evil.example|a verified source>')] as never,
    });
    const [v] = takeViolations();
    expect(v?.kind).toBe('ping');
    expect(v?.problems).toEqual([
      expect.stringMatching(/<!channel> would notify many people/),
      expect.stringMatching(/<@UBOB00001> would be notified/),
      expect.stringMatching(/renders https:\/\/evil\.example as a link/),
    ]);
    // plain_text is literal: nothing in it is parsed.
    await client.chat.postMessage({
      channel: fresh(),
      text: 'x',
      blocks: [{ type: 'section', text: { type: 'plain_text', text: '<!here> <@UBOB00001>' } }] as never,
    });
    expect(takeViolations()).toEqual([]);
  });

  it('checks an app’s answer to a view submission: errors must name input blocks of that view', () => {
    const view = {
      type: 'modal',
      callback_id: 'c',
      title: { type: 'plain_text', text: 'T' },
      submit: { type: 'plain_text', text: 'Send' },
      blocks: [
        {
          type: 'input',
          block_id: 'speech',
          label: { type: 'plain_text', text: 'x' },
          element: { type: 'plain_text_input', action_id: 'speech' },
        },
      ],
    };
    return client.views.open({ trigger_id: slack.trigger(), view: view as never }).then((res) => {
      slack.applySubmission(res.view!.id!, { response_action: 'errors', errors: { speech: 'Too long.' } });
      expect(takeViolations()).toEqual([]);
      slack.applySubmission(res.view!.id!, {
        response_action: 'errors',
        errors: { comment: 'No such block.' },
      });
      expect(takeViolations()[0]?.problems[0]).toMatch(
        /errors\.comment: is not the block_id of an input block/,
      );
    });
  });
});

describe('rate limits', () => {
  it('one message per second per channel after a short burst: Slack answers 429 with Retry-After', async () => {
    const ch = fresh();
    for (let k = 0; k < 3; k++) await client.chat.postMessage({ channel: ch, text: `m${k}` });
    const error = await client.chat.postMessage({ channel: ch, text: 'one too many' }).catch((e) => e);
    expect(error.code).toBe(ErrorCode.RateLimitedError);
    expect(error.retryAfter).toBeGreaterThanOrEqual(1);
    // Another channel is not held up.
    await client.chat.postMessage({ channel: fresh(), text: 'elsewhere' });
  });

  it('a Tier 2 method allows 20 calls a minute per workspace, then 429', async () => {
    const slow = await startFakeSlack({ userGroups: { S1: ['U1'] } });
    try {
      const c = new WebClient(slow.teams[0]!.botToken, {
        slackApiUrl: slow.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
      for (let k = 0; k < 20; k++) await c.usergroups.users.list({ usergroup: 'S1' });
      const error = await c.usergroups.users.list({ usergroup: 'S1' }).catch((e) => e);
      expect(error.code).toBe(ErrorCode.RateLimitedError);
      expect(slow.rateLimiter!.limited.get('usergroups.users.list')).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('the client waits a 429 out by itself when it is allowed to', async () => {
    const patient = new WebClient(slack.teams[0]!.botToken, {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 3 },
    });
    const ch = fresh();
    await Promise.all(
      Array.from({ length: 5 }, (_, k) => patient.chat.postMessage({ channel: ch, text: `m${k}` })),
    );
    expect(slack.messages(ch)).toHaveLength(5);
  }, 30_000);
});
