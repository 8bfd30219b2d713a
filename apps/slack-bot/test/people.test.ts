// Several people in one workspace, over Socket Mode envelopes into the real Bolt app: a consultancy
// with questions to an AI consultant, a sandwiching chat written in the thread, duplicated events,
// someone writing in another's thread, admins (by user id and by user group) reassigning and aborting,
// "your turn" DMs and the one scheduled reminder per turn, and a Web API 429 waited out.
import { abortedTrials } from '@oversight/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  alice,
  bob,
  carol,
  clickForModal,
  clickForRefusal,
  eventsOf,
  llm,
  planInto,
  slackPeople,
  startWorld,
  TEAM,
  textOf,
  type World,
  waitFor,
  withButton,
} from './harness.ts';

let w: World;
const CONSULT = 'slack-consult';
const SANDWICH = 'slack-sandwich';
const chat = { admins: { slackUsers: [admin.id], slackUserGroups: ['S0REVIEW'] }, reminderMinutes: 30 };

beforeAll(async () => {
  w = await startWorld(
    'people',
    async (db, url) => {
      await planInto(
        db,
        {
          name: CONSULT,
          judges: [slackPeople],
          chat,
          arms: [
            {
              name: 'consultancy',
              protocol: 'consultancy',
              rounds: 2,
              trialsPerQuestion: 1,
              arguer: llm('consultant'),
            },
          ],
        },
        url,
      );
      await planInto(
        db,
        {
          name: SANDWICH,
          judges: [slackPeople],
          chat,
          arms: [
            {
              name: 'sandwiching',
              protocol: 'sandwiching',
              rounds: 2,
              beliefsEachRound: false,
              trialsPerQuestion: 1,
              arguer: llm('assistant'),
            },
          ],
        },
        url,
      );
      return [CONSULT, SANDWICH];
    },
    { socket: true, userGroups: { S0REVIEW: [carol.id] } },
  );
}, 180_000);
afterAll(async () => {
  await w?.close();
});

const ack = (d: { ms: number }) => expect(d.ms).toBeLessThan(3000);

describe('people in Slack over Socket Mode', () => {
  it('asks the AI consultant a question, then an admin hands the judge seat to someone else', async () => {
    const { slack, driver, db } = w;
    ack(await driver.command(alice, `join ${CONSULT}`));
    await waitFor('joined', () =>
      slack.responses().find((r) => String(r.text).includes('You are in slack-consult')),
    );
    ack(await driver.command(alice, `next ${CONSULT}`));
    const dm = slack.dm(alice.id);
    const parent = await waitFor('the parent', () =>
      slack.messages(dm).find((m) => textOf(m).includes('Consultancy')),
    );
    const turn = await waitFor(
      'the first turn',
      () => withButton(slack.thread(dm, parent.ts), 'Judge now')[0],
    );
    expect(textOf(slack.thread(dm, parent.ts)[1]!)).toMatch(/Consultant/);
    const modal = await clickForModal(w, alice, turn, 'Judge now', /^ov1:numbers:/);
    expect(textOf(modal.view)).toMatch(/question or comment/i);
    const asked = await driver.submit(alice, modal, {
      'credence-0': '55',
      next: 'continue',
      comment: 'Which chapter says so?',
    });
    ack(asked);
    expect(asked.body).toEqual({});
    const trial = (await db.trials.list(CONSULT)).find((t) => t.status !== 'pending' && t.judgeId)!;
    await waitFor(
      'the consultant answers',
      async () => (await eventsOf(db, trial.id)).filter((e) => e.type === 'ArgumentSubmitted').length >= 2,
    );
    const question = await waitFor('the question in the thread', () =>
      slack.thread(dm, parent.ts).find((m) => textOf(m).includes('Which chapter says so?')),
    );
    expect(textOf(question)).toMatch(/Judge/);

    // An ordinary person may not reassign; carol (in the admins' user group) may.
    const ref = trial.ref!;
    await driver.command(bob, `reassign ${ref} judge <@${carol.id}>`);
    await waitFor('the refusal', () =>
      slack.responses().find((r) => String(r.text).includes('Only the admins')),
    );
    ack(await driver.command(carol, `join ${CONSULT}`));
    await waitFor('carol joined', () =>
      db.participants.byIdentity(CONSULT, `slack:${carol.team}/${carol.id}`),
    );
    await driver.command(carol, `reassign ${ref} judge <@${carol.id}> alice is away`);
    await waitFor('reassigned', () => slack.responses().find((r) => String(r.text).includes('Judge is now')));
    // Carol did not ask for this turn: she gets "your turn" by DM, with a link to her new thread.
    const carolDm = slack.dm(carol.id);
    const notice = await waitFor('the your-turn DM', () =>
      slack.messages(carolDm).find((m) => m.text.startsWith('A trial is waiting for you')),
    );
    expect(textOf(notice)).toMatch(/slack\.fake\/archives/);
    // Alice's old button now belongs to someone else's seat: refused, nothing recorded.
    const before = (await eventsOf(db, trial.id)).length;
    const latest = await waitFor('alice sees the second turn', () =>
      withButton(slack.thread(dm, parent.ts), /Judge now|Submit verdict/).at(-1),
    );
    await clickForRefusal(w, alice, latest, /Judge now|Submit verdict/, /not your trial/);
    expect((await eventsOf(db, trial.id)).length).toBe(before);
    // Carol finishes it in her thread.
    const carolParent = await waitFor('carol thread', () =>
      slack.messages(carolDm).find((m) => textOf(m).includes('Consultancy')),
    );
    for (let round = 0; round < 3; round++) {
      const events = await eventsOf(db, trial.id);
      if (events.some((e) => e.type === 'VerdictSubmitted')) break;
      const button = await waitFor('carol turn', () =>
        withButton(slack.thread(carolDm, carolParent.ts), /Judge now|Submit verdict/)
          .filter((m) => !m.edited)
          .at(-1),
      );
      const v = await clickForModal(w, carol, button, /Judge now|Submit verdict/, /^ov1:numbers:/);
      await driver.submit(carol, v, { 'credence-0': '60', next: 'verdict' });
      await waitFor('carol move recorded', async () => (await eventsOf(db, trial.id)).length > events.length);
    }
    await waitFor('the outcome for carol', () =>
      slack.thread(carolDm, carolParent.ts).find((m) => textOf(m).includes('The correct answer was')),
    );
    // Status: the admin sees the progress, alice her own standing only.
    await driver.command(admin, `status ${CONSULT}`);
    await waitFor('admin status', () => slack.responses().find((r) => String(r.text).includes('Progress:')));
  });

  it('chats with the assistant in the thread, once per event however often Slack delivers it', async () => {
    const { slack, driver, db } = w;
    ack(await driver.command(bob, `join ${SANDWICH}`));
    await driver.homeOpened(bob);
    const home = await waitFor('bob home', () => {
      const h = slack.home(bob.id);
      return h && textOf(h.view).includes('Next trial') ? h : null;
    });
    // Next from the Home tab (several experiments: the button names this one).
    const sandwichNext = home.view.blocks as Array<{ type: string; elements?: Array<{ action_id: string }> }>;
    const nextId = sandwichNext
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === `ov1:next:${SANDWICH}:0`)!.action_id;
    ack(await driver.clickView(bob, home, nextId));
    const dm = slack.dm(bob.id);
    const parent = await waitFor('the sandwiching thread', () =>
      slack.messages(dm).find((m) => textOf(m).includes('Sandwiching')),
    );
    await waitFor('the turn', () => withButton(slack.thread(dm, parent.ts), 'Give my answer')[0]);
    const trial = (await db.trials.list(SANDWICH)).find((t) => t.judgeId)!;
    // Bob asked for it himself: no "your turn" DM, but one reminder is scheduled for the turn.
    await waitFor('the reminder', () => slack.scheduled().find((s) => s.text.includes(`trial ${trial.ref}`)));
    expect(slack.messages(dm).some((m) => m.text.startsWith('A trial is waiting for you'))).toBe(false);

    // Slack rate-limits the next post: the app waits out Retry-After and posts once.
    slack.rateLimit('chat.postMessage', 1, 1);
    const said = await driver.say(bob, dm, parent.ts, 'What did the pilot do in that chapter?', {
      eventId: 'EvBOB0001',
    });
    ack(said);
    const reply = await waitFor('the assistant replies in the thread', () =>
      slack.thread(dm, parent.ts).find((m) => m.text.startsWith('Assistant:')),
    );
    const posts = slack.calls('chat.postMessage');
    const limited = posts.find((c) => c.status === 429)!;
    const after = posts.find((c) => c.at > limited.at && c.status === 200)!;
    expect(after.at - limited.at).toBeGreaterThanOrEqual(950);
    expect(reply).toBeTruthy();
    // The reminder for the turn bob just took is cancelled.
    await waitFor('reminder cancelled', () => slack.calls('chat.deleteScheduledMessage').length > 0);
    // The same event again (a retry, a duplicate): no second message recorded.
    const comments = async () =>
      (await eventsOf(db, trial.id)).filter((e) => e.type === 'JudgeInterjected').length;
    expect(await comments()).toBe(1);
    ack(
      await driver.say(bob, dm, parent.ts, 'What did the pilot do in that chapter?', {
        eventId: 'EvBOB0001',
        retryNum: 1,
      }),
    );
    ack(
      await driver.say(bob, dm, parent.ts, 'What did the pilot do in that chapter?', {
        eventId: 'EvBOB0001',
        retryNum: 2,
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(await comments()).toBe(1);
    // Someone else writing in bob's thread: told so, nothing recorded.
    await driver.say(carol, dm, parent.ts, 'Pick B!');
    await waitFor('carol told', () =>
      slack.ephemerals(carol.id).find((e) => /belongs to another participant/.test(e.text)),
    );
    expect(await comments()).toBe(1);

    // Bob gives his answer with the button: the verdict, then the outcome in the thread.
    // The turn after the assistant's reply (posted a moment after it: one message a second per
    // channel); the button above the reply is out of date by then.
    const answer = await waitFor('answer button', () =>
      withButton(slack.thread(dm, parent.ts), 'Give my answer')
        .filter((m) => !m.edited && m.ts > reply.ts)
        .at(-1),
    );
    const modal = await clickForModal(w, bob, answer, 'Give my answer', /^ov1:numbers:/);
    expect(textOf(modal.view)).not.toMatch(/Continue/);
    ack(await driver.submit(bob, modal, { 'credence-0': '30', 'credence-1': '70' }));
    await waitFor('the outcome', () =>
      slack.thread(dm, parent.ts).find((m) => textOf(m).includes('The correct answer was')),
    );
    expect((await eventsOf(db, trial.id)).filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);
  });

  it('lets admins abort, and refuses admin commands to others', async () => {
    const { slack, driver, db } = w;
    const open = (await db.trials.list(CONSULT)).find(
      (t) => t.status === 'pending' || t.status === 'waiting' || t.status === 'active',
    )!;
    await driver.command(alice, `abort ${open.ref} test`);
    await waitFor(
      'refused',
      () => slack.responses().filter((r) => String(r.text).includes('Only the admins')).length >= 2,
    );
    await driver.command(admin, `abort ${open.ref} a question was wrong`);
    await waitFor('aborted', () => slack.responses().find((r) => String(r.text).includes('aborted')));
    expect((await eventsOf(db, open.id)).some((e) => e.type === 'TrialAborted')).toBe(true);
    await driver.command(admin, 'frobnicate');
    await waitFor('did you mean', () =>
      slack.responses().find((r) => String(r.text).includes('There is no command')),
    );
    expect(w.logs.join('')).not.toMatch(/\n\s+at /);
  });

  it('names admins in the log and the exports by pseudonym, never by their Slack ids', async () => {
    const { db } = w;
    // Carol (who joined) reassigned a judge seat above; ada (who did not) aborted a trial.
    const trials = await db.trials.list(CONSULT);
    const events = (await Promise.all(trials.map((t) => eventsOf(db, t.id)))).flat();
    const carolId = (await db.participants.byIdentity(CONSULT, `slack:${carol.team}/${carol.id}`))!.id;
    const byAdmin = events.flatMap((e) =>
      (e.type === 'ParticipantAssigned' || e.type === 'TrialAborted') && e.by !== undefined
        ? [`${e.type}: ${e.by}`]
        : [],
    );
    expect(byAdmin.sort()).toEqual([
      `ParticipantAssigned: admin ${carolId}`,
      'TrialAborted: an admin on Slack',
    ]);
    // The aborted-trials export (`oversight export`'s aborted.csv) reads the same field.
    expect((await abortedTrials(db, CONSULT)).map((t) => t.by)).toEqual(['an admin on Slack']);
    const logs = JSON.stringify(events);
    for (const id of [TEAM, admin.id, carol.id, alice.id, bob.id]) expect(logs).not.toContain(id);
  });
});
