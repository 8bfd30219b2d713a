// Questions at any time in Slack (arms with `interjections: "any-time"`): the judge asks the arguers
// while a round is being written, from the "Ask the arguers" button under the waiting line; the
// question reaches both model debaters' next prompts, marked as the judge's; a duplicate submission
// is recorded once, a stale screen is refused, and the limit holds. A person arguer sees the judge's
// question in the speech modal of the speech that answers it (not in the one being written when it
// came).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
  textOf,
  type World,
  waitFor,
  withButton,
} from './harness.ts';

let w: World;
const DEBATE = 'slack-any-time';
const CONSULT = 'slack-any-time-consult';
const human = { kind: 'human', platform: 'slack' };

beforeAll(async () => {
  w = await startWorld('interjections', async (db, url) => {
    await planInto(
      db,
      {
        name: DEBATE,
        judges: [slackPeople],
        arms: [
          {
            name: 'any-time',
            protocol: 'debate',
            rounds: 4,
            trialsPerQuestion: 1,
            interjections: 'any-time',
            maxInterjections: 2,
            arguer: llm('debater'),
          },
        ],
      },
      url,
    );
    await planInto(
      db,
      {
        name: CONSULT,
        judges: [slackPeople],
        arms: [
          {
            name: 'any-time-consultancy',
            protocol: 'consultancy',
            rounds: 3,
            trialsPerQuestion: 1,
            charLimit: 400,
            interjections: 'any-time',
            maxInterjections: 1,
            arguer: human,
          },
        ],
      },
      url,
    );
    return [DEBATE, CONSULT];
  });
}, 180_000);
afterAll(async () => {
  await w?.close();
});

const ASK = 'Ask the arguers';

describe('a question at any time, in Slack', () => {
  it('asks the debaters while they write: both next prompts carry it, once, not from an old screen, not past the limit', async () => {
    const { slack, driver, db, openai } = w;
    // Slow debaters while rounds 2 and 3 are written (four seconds a speech, under the endpoint's
    // five-second timeout), so that there is a round being written to ask in; the rest quick.
    openai.configure({
      latency: ({ request }) => (/round [23] of 4/.test(JSON.stringify(request ?? '')) ? 4000 : 20),
    });
    await driver.command(alice, `join ${DEBATE}`);
    await waitFor('joined', () =>
      slack.responses().find((r) => String(r.text).includes(`You are in ${DEBATE}`)),
    );
    // The judge's seat is owed once the debaters' first round is in.
    await waitFor('a judge seat', async () =>
      (await db.trials.owedIn(DEBATE)).some((o) => o.role === 'judge'),
    );
    await driver.command(alice, `next ${DEBATE}`);
    const dm = slack.dm(alice.id);
    const parent = await waitFor('the parent', () =>
      slack.messages(dm).find((m) => textOf(m).includes('What did the pilot do')),
    );
    const thread = () => slack.thread(dm, parent.ts);
    const turn1 = await waitFor('the first turn', () => withButton(thread(), 'Judge now')[0]);
    const trial = (await db.trials.list(DEBATE)).find((t) => t.judgeId)!;
    const asked = async () =>
      (await eventsOf(db, trial.id)).filter((e) => e.type === 'JudgeInterjected').length;
    const m1 = await clickForModal(w, alice, turn1, 'Judge now', /^ov1:numbers:/);
    expect((await driver.submit(alice, m1, { 'credence-0': '55', next: 'continue' })).status).toBe(200);

    // While the debaters write round 2: the waiting line carries the Ask button.
    const waiting = structuredClone(await waitFor('the Ask button', () => withButton(thread(), ASK)[0]));
    expect(textOf(waiting)).toMatch(/The arguers are writing.*\(2 left\)/);
    const open = await clickForModal(w, alice, waiting, ASK, /^ov1:ask:/);
    expect(JSON.stringify(open.view.title)).toMatch(/A question for/);
    expect(textOf(open.view)).toContain('They answer it in their next speeches (2 left)');
    const question = 'Which chapter mentions the beacon first?';
    const sent = await driver.submit(alice, open, { comment: question });
    expect(sent.status).toBe(200);
    // The receipt: the waiting line is edited to say it was sent; a new one carries the Ask again.
    await waitFor('the receipt', () =>
      thread().find(
        (m) =>
          m.ts === waiting.ts &&
          m.edited &&
          /Sent: the arguers answer it in their next speeches/.test(textOf(m)),
      ),
    );
    await waitFor('the question in the thread, as the judge’s', () =>
      thread().find((m) => textOf(m).includes(`Judge: ${question}`)),
    );
    expect(await asked()).toBe(1);
    // The same submission delivered again (a double click, Slack's retry): recorded once.
    const again = await driver.submit(alice, open, { comment: question });
    expect(again.status).toBe(200);
    expect(await asked()).toBe(1);

    // Round 2 reaches the judge; they continue. The old Ask names a screen from before round 2:
    // refused as stale inside the modal, nothing recorded. The new one takes the second question.
    const turn2 = await waitFor('the second turn', () =>
      withButton(thread(), 'Judge now').find((m) => m.ts !== turn1.ts && !m.edited),
    );
    const askers = withButton(thread(), ASK).length;
    const m2 = await clickForModal(w, alice, turn2, 'Judge now', /^ov1:numbers:/);
    await driver.submit(alice, m2, { 'credence-0': '60', next: 'continue' });
    const waiting2 = await waitFor('a new Ask', () =>
      withButton(thread(), ASK).length > askers ? withButton(thread(), ASK).at(-1) : undefined,
    );
    const staleModal = await clickForModal(w, alice, waiting, ASK, /^ov1:ask:/);
    const stale = await driver.submit(alice, staleModal, { comment: 'Old screen?' });
    expect(stale.body).toMatchObject({
      response_action: 'errors',
      errors: { comment: expect.stringMatching(/new speeches reached you/) },
    });
    expect(await asked()).toBe(1);
    const open2 = await clickForModal(w, alice, waiting2, ASK, /^ov1:ask:/);
    expect(textOf(open2.view)).toMatch(/1 left/);
    expect((await driver.submit(alice, open2, { comment: 'And the reef?' })).status).toBe(200);
    await waitFor('the second question', async () => (await asked()) === 2);

    // The limit (two questions) is reached: the button's modal says so, and nothing is recorded.
    await clickForRefusal(w, alice, waiting2, ASK, /cannot ask now: .*the most this arm allows/);
    expect(await asked()).toBe(2);

    // Both debaters' round-3 speeches were asked with the first question, as the judge's question
    // (the round-2 ones, written when it came, did not see it).
    await waitFor(
      'the third turn',
      () =>
        withButton(thread(), /Judge now|Submit verdict/).filter((m) => !m.edited).length > 0 &&
        thread().some((m) => /round 3/i.test(textOf(m)) && /Debater B/.test(textOf(m))),
      60_000,
    );
    const prompts = openai.requests.map((r) => JSON.stringify(r.body));
    const marked = prompts.filter((p) => p.includes(`Answer the judge's question: \\"${question}\\"`));
    expect(marked.some((p) => p.includes('You are Debater A'))).toBe(true);
    expect(marked.some((p) => p.includes('You are Debater B'))).toBe(true);
    expect(marked.every((p) => p.includes('Write your speech for round 3 of 4'))).toBe(true);
    openai.configure({ latency: undefined, latencyMs: 5 });
  }, 180_000);

  it('shows a person consultant the judge’s question in the speech modal of the speech that answers it', async () => {
    const { slack, driver, db } = w;
    // Two pools: the judges ("people") and the arguers.
    for (const [p, pool] of [
      [bob, 'arguers'],
      [carol, 'people'],
    ] as const) {
      await driver.command(p, `join ${CONSULT} ${pool}`);
      await waitFor('joined', () => db.participants.byIdentity(CONSULT, `slack:${p.team}/${p.id}`));
    }
    // Bob asks first and takes the one seat owed at the start, the consultant's; carol judges.
    const consultant = bob;
    const judge = carol;
    await driver.command(bob, `next ${CONSULT}`);
    const parentOf = (p: typeof bob) =>
      waitFor('a thread', () =>
        slack.messages(slack.dm(p.id)).find((m) => textOf(m).includes('What did the pilot do')),
      );
    const cThread = async () => slack.thread(slack.dm(consultant.id), (await parentOf(consultant)).ts);
    const jThread = async () => slack.thread(slack.dm(judge.id), (await parentOf(judge)).ts);
    const text = (round: number) => `Round ${round}: <quote>the pilot mapped the reef</quote> says it.`;
    const speak = async (round: number) => {
      const button = await waitFor(`the speech turn ${round}`, async () =>
        withButton(await cThread(), /^Write your/).find(
          (m) => !m.edited && textOf(m).includes(`round ${round}`),
        ),
      );
      const modal = await clickForModal(w, consultant, button, /^Write your/, /^ov1:speak:/);
      const preview = await driver.submit(consultant, modal, { speech: text(round) });
      expect(preview.body).toMatchObject({ response_action: 'update' });
      const checked = slack.view(modal.id)!;
      expect((await driver.submit(consultant, checked, { speech: text(round) })).status).toBe(200);
      return modal;
    };
    const judgeContinues = async (round: number) => {
      const turn = await waitFor(`the judge turn ${round}`, async () =>
        withButton(await jThread(), 'Judge now')
          .filter((m) => !m.edited)
          .at(-1),
      );
      const m = await clickForModal(w, judge, turn, 'Judge now', /^ov1:numbers:/);
      await driver.submit(judge, m, { 'credence-0': '50', next: 'continue' });
    };
    await speak(1);
    await waitFor('a judge seat', async () =>
      (await db.trials.owedIn(CONSULT)).some((o) => o.role === 'judge'),
    );
    await driver.command(carol, `next ${CONSULT}`);
    const trial = await waitFor('the judge seated', async () =>
      (await db.trials.list(CONSULT)).find((t) => t.judgeId),
    );
    const carolRow = await db.participants.byIdentity(CONSULT, `slack:${carol.team}/${carol.id}`);
    expect(trial.judgeId).toBe(carolRow!.id);
    await judgeContinues(1);
    // The consultant writes round 2: the judge asks now.
    const waiting = await waitFor('the Ask button', async () => withButton(await jThread(), ASK)[0]);
    const question = 'Where is the reef in the story?';
    const open = await clickForModal(w, judge, waiting, ASK, /^ov1:ask:/);
    expect((await driver.submit(judge, open, { comment: question })).status).toBe(200);
    await waitFor('the question recorded', async () =>
      (await eventsOf(db, trial.id)).some((e) => e.type === 'JudgeInterjected'),
    );
    // The round-2 speech was being written when it came: its modal does not carry it (the same rule
    // as for model arguers); the round-3 one does, marked as the judge's.
    const second = await speak(2);
    expect(textOf(second.view)).not.toContain(question);
    await judgeContinues(2);
    const button3 = await waitFor('the speech turn 3', async () =>
      withButton(await cThread(), /^Write your/).find((m) => !m.edited && textOf(m).includes('round 3')),
    );
    const third = await clickForModal(w, consultant, button3, /^Write your/, /^ov1:speak:/);
    expect(textOf(third.view)).toMatch(/The judge asked:.*Where is the reef in the story\?/);
  }, 180_000);
});
