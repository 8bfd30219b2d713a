// Nothing a person types, an arguer writes or a dataset holds may ping anyone or render as a link:
// every top-level `text` and mrkdwn the app sends escapes it (thread messages were escaped before;
// these are the other paths). The fake's audit fails the test on any special mention (@channel,
// @here, @everyone, a user group), a mention of someone else, or a link the app did not make.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, planInto, questions, slackPeople, startWorld, type World, waitFor } from './harness.ts';

let w: World;

beforeAll(async () => {
  const hostile = questions(2).map((q) => ({
    ...q,
    storyTitle: `<!channel> *Tale* <https://evil.example|click>`,
    question: `${q.question} <!here> <@UBOB00001>`,
  }));
  w = await startWorld('escaping', async (db, url) => {
    await planInto(
      db,
      {
        name: 'escaping',
        judges: [slackPeople],
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
      url,
      hostile,
    );
    return ['escaping'];
  });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('words that must not ping or link, on every path', () => {
  it('a command naming an experiment that is not there repeats the name as text', async () => {
    const before = w.slack.responses().length;
    await w.driver.command(alice, 'next <!channel>');
    await w.driver.command(alice, 'status <!subteam^S0123|@admins>');
    const replies = await waitFor('both replies', () => {
      const r = w.slack.responses().slice(before);
      return r.length >= 2 ? r : null;
    });
    expect(String(replies[0]!.text)).toContain('&lt;!channel&gt;');
    expect(String(replies[1]!.text)).toContain('&lt;!subteam^S0123|@admins&gt;');
  });

  it('the thread, the turn and the notices of a trial whose dataset carries mentions and links', async () => {
    await w.driver.command(alice, 'join escaping');
    await waitFor('alice joined', () =>
      w.db.participants.byIdentity('escaping', `slack:${alice.team}/${alice.id}`),
    );
    await w.driver.command(alice, 'next escaping');
    const dm = w.slack.dm(alice.id);
    const parent = await waitFor('the parent message', () =>
      w.slack.messages(dm).find((m) => JSON.stringify(m.blocks ?? []).includes('&lt;!here&gt;')),
    );
    // The fallback text too.
    expect(parent.text).toContain('&lt;!here&gt;');
    expect(parent.text).not.toMatch(/<!here>|<@UBOB00001>/);
  });
});
