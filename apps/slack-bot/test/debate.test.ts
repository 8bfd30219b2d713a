// A person judges a debate between AI debaters (from the fake OpenAI server) in a Slack thread, through
// signed HTTP requests into the real Bolt app: consent, next, the judge's modal with its errors, a
// foreign click, a stale click, a replayed request, forged and expired signatures, the verdict and survey.
import { encodeSlackBody, postRaw, signSlackRequest } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alice,
  bob,
  eventsOf,
  lastModal,
  llm,
  planInto,
  SECRET,
  slackPeople,
  startWorld,
  textOf,
  type World,
  waitFor,
  withButton,
} from './harness.ts';

let w: World;
const EXP = 'slack-debate';

beforeAll(async () => {
  w = await startWorld('debate', async (db, url) => {
    await planInto(
      db,
      {
        name: EXP,
        judges: [slackPeople],
        consent: {
          text: 'You will judge debates about short stories. Your answers are kept under a pseudonym.',
        },
        survey: [
          { id: 'clear', question: 'How clear were the debaters?' },
          { id: 'notes', question: 'Anything else?', kind: 'text' },
        ],
        arms: [
          {
            name: 'interactive',
            protocol: 'interactive-debate',
            rounds: 2,
            judgeMayEndEarly: true,
            trialsPerQuestion: 1,
            arguer: llm('debater'),
          },
        ],
      },
      url,
    );
    return [EXP];
  });
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('a debate judged in Slack', () => {
  it('joins with consent, judges two rounds of AI debate to a verdict, and answers the survey', async () => {
    const { slack, driver, db } = w;
    // Joining shows the consent text in a modal; accepting it records the participant.
    const join = await driver.command(alice, `join ${EXP}`);
    expect(join.status).toBe(200);
    expect(join.ms).toBeLessThan(3000);
    const consent = await waitFor('the consent modal', () => lastModal(slack, /^ov1:accept:/));
    expect(textOf(consent.view)).toContain('pseudonym');
    const accepted = await driver.submit(alice, consent, {});
    expect(accepted.status).toBe(200);
    const person = await waitFor('the participant', () =>
      db.participants.byIdentity(EXP, `slack:${alice.team}/${alice.id}`),
    );
    expect(person.consentedAt).not.toBeNull();

    // Next: a thread in the DM with the app, its parent holding the question and the answers.
    // `serve` in the app opens the judge's seats as it starts the trials; asked earlier, the answer
    // is "no trial for you now" (the first request no longer waits for Bolt's auth.test, which hid this).
    await waitFor('a judge seat open', () =>
      db.prisma.owedMove.findFirst({ where: { experimentId: EXP, participantId: null, role: 'judge' } }),
    );
    const next = await driver.command(alice, `next`);
    expect(next.ms).toBeLessThan(3000);
    const dm = slack.dm(alice.id);
    const parent = await waitFor('the parent message', () =>
      slack.messages(dm).find((m) => textOf(m).includes('What did the pilot do')),
    );
    expect(textOf(parent)).toMatch(/\*A\.\*.*\*B\.\*/s);
    expect(textOf(parent)).not.toContain('In chapter 3 of tale'); // the story is not shown to the judge
    const reply = await waitFor('the answer to /oversight next', () =>
      slack.responses().find((r) => /trial/i.test(String(r.text))),
    );
    expect(reply.text).toMatch(/thread/);

    // The debaters' speeches arrive as replies, then the judge's turn.
    // A copy: as a client that has not yet seen the message updated would still show it.
    const firstTurn = structuredClone(
      await waitFor('the first turn', () => withButton(slack.thread(dm, parent.ts), 'Judge now')[0]),
    );
    const speeches = slack.thread(dm, parent.ts).filter((m) => textOf(m).includes('Debater'));
    expect(speeches.length).toBeGreaterThanOrEqual(2);
    expect(speeches.some((m) => /verified|not found|partly matching/.test(textOf(m)))).toBe(true);
    const trial = (await db.trials.list(EXP)).find((t) => t.status !== 'pending' && t.judgeId === person.id)!;
    const before = (await eventsOf(db, trial.id)).length;

    // Someone else clicking the judge's button: the modal that opens at the click says why, and
    // nothing is recorded.
    const modalsBefore = new Set(slack.views().map((v) => v.id));
    await driver.clickMessage(bob, firstTurn, 'Judge now');
    const refusal = await waitFor('the refusal to bob', () =>
      slack.views().find((v) => !modalsBefore.has(v.id) && /not your trial/.test(textOf(v.view))),
    );
    expect(String(refusal.view.callback_id)).not.toMatch(/^ov1:/);
    expect((await eventsOf(db, trial.id)).length).toBe(before);

    // The judge's modal: an ambiguous number is refused inside the modal, nothing recorded.
    await driver.clickMessage(alice, firstTurn, 'Judge now');
    const modal = await waitFor('the judge modal', () => lastModal(slack, /^ov1:numbers:/));
    const bad = await driver.submit(alice, modal, { 'credence-0': '0.7', next: 'continue' });
    expect(bad.body).toMatchObject({
      response_action: 'errors',
      errors: { 'credence-0': expect.stringMatching(/ambiguous/) },
    });
    expect((await eventsOf(db, trial.id)).length).toBe(before);
    // A verdict cannot carry a question (the trial would end before anyone answered it).
    const withComment = await driver.submit(alice, modal, {
      'credence-0': '80',
      next: 'verdict',
      comment: 'Why?',
    });
    expect(withComment.body).toMatchObject({
      response_action: 'errors',
      errors: { comment: expect.stringMatching(/Continue/) },
    });
    // A question for the debaters with the credence: both recorded, the debaters answer next round.
    const ok = await driver.submit(alice, modal, {
      'credence-0': '70',
      next: 'continue',
      comment: 'Which chapter says so?',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('');
    await waitFor('the question recorded', async () =>
      (await eventsOf(db, trial.id)).some((e) => e.type === 'JudgeInterjected'),
    );
    await waitFor('the turn marked answered', () =>
      slack
        .messages(dm)
        .find((m) => m.ts === firstTurn.ts && m.edited && textOf(m).includes('Sent to the arguers')),
    );

    // The same submission replayed (Slack retry, a double click): one event.
    const again = await driver.submit(alice, modal, {
      'credence-0': '70',
      next: 'continue',
      comment: 'Which chapter says so?',
    });
    expect(again.status).toBe(200);
    // The old button, after the trial moved on: the modal that opens at the click says it is out of
    // date, and nothing is recorded.
    const viewsBefore = new Set(slack.views().map((v) => v.id));
    await driver.clickMessage(alice, firstTurn, 'Judge now');
    await waitFor('the stale refusal', () =>
      slack.views().find((v) => !viewsBefore.has(v.id) && /out of date|not your turn/i.test(textOf(v.view))),
    );
    const judged = (await eventsOf(db, trial.id)).filter(
      (e) => e.type === 'BeliefReported' || e.type === 'JudgeInterjected',
    );
    expect(judged.map((e) => e.type).sort()).toEqual(['BeliefReported', 'JudgeInterjected']);

    // Round 2, then the verdict; near certainty asks for a confirmation first.
    const secondTurn = await waitFor(
      'the second turn',
      () => withButton(slack.thread(dm, parent.ts), 'Submit verdict')[0],
    );
    await driver.clickMessage(alice, secondTurn, 'Submit verdict');
    const final = await waitFor('the second judge modal', () => {
      const v = lastModal(slack, /^ov1:numbers:/);
      return v && v.id !== modal.id ? v : null;
    });
    const sure = await driver.submit(alice, final, { 'credence-0': '99' });
    expect(sure.body).toMatchObject({ response_action: 'update' });
    expect(textOf(slack.view(final.id)!.view)).toMatch(/99% on one answer/);
    const confirmed = await driver.submit(alice, slack.view(final.id)!, { 'credence-0': '99' });
    expect(confirmed.body).toBe('');
    const outcome = await waitFor('the outcome', () =>
      slack.thread(dm, parent.ts).find((m) => textOf(m).includes('The correct answer was')),
    );
    expect(textOf(outcome)).toMatch(/Debater A defended/);
    expect(textOf(outcome)).toMatch(/Your reward/);
    const events = await eventsOf(db, trial.id);
    expect(events.filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);

    // The survey from the config, stored as an event; a bad answer is shown in the modal.
    await driver.clickMessage(alice, outcome, 'Answer the survey');
    const survey = await waitFor('the survey modal', () => lastModal(slack, /^ov1:survey:/));
    const answered = await driver.submit(alice, survey, { 'q-clear': '4', 'q-notes': 'fine' });
    expect(answered.body).toBe('');
    await waitFor('the feedback', async () =>
      (await eventsOf(db, trial.id)).find((e) => e.type === 'FeedbackSubmitted'),
    );

    // The Home tab: counts and reward.
    await driver.homeOpened(alice);
    const home = await waitFor('the home tab', () => slack.home(alice.id));
    expect(textOf(home.view)).toMatch(/1 judged/);
  }, 60_000);

  it('answers forged and expired signatures with 401 and records nothing; a replayed click is processed once', async () => {
    const { slack, eventsUrl } = w;
    // Quiet first: the threads and notices of the first test are all out.
    let calls = -1;
    await waitFor('quiet', async () => {
      const now = slack.calls().length;
      const quiet = now === calls;
      calls = now;
      await new Promise((r) => setTimeout(r, 400));
      return quiet;
    });
    const { body, contentType } = encodeSlackBody('command', {
      team_id: alice.team,
      user_id: alice.id,
      command: '/oversight',
      text: 'leave',
      channel_id: slack.dm(alice.id),
      trigger_id: slack.trigger(),
      response_url: slack.responseUrl(),
    });
    const forged = await postRaw(eventsUrl, body, {
      'content-type': contentType,
      ...signSlackRequest('not-the-secret-at-all', body),
    });
    expect(forged.status).toBe(401);
    const expired = await postRaw(eventsUrl, body, {
      'content-type': contentType,
      ...signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000) - 600),
    });
    expect(expired.status).toBe(401);
    const tampered = await postRaw(eventsUrl, body.replace('leave', 'next'), {
      'content-type': contentType,
      ...signSlackRequest(SECRET, body),
    });
    expect(tampered.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.calls().length).toBe(calls);
    const person = await w.db.participants.byIdentity(EXP, `slack:${alice.team}/${alice.id}`);
    expect(person?.leftAt).toBeNull();
    expect(w.logs.join('')).not.toMatch(/\n\s+at /); // no stack traces
  });
});
