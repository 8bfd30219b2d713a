// Offline judging by people in Slack (an arm with `source: { experiment, mode, judgesPerTranscript }`):
// a source debate finished by simulated judges (one of whom asked a question while the debaters
// wrote), then an offline experiment with a stepped arm and a whole-transcript arm, three people
// judging each transcript in each arm. Stepped shows round 1 and asks a belief, then round 2 and the
// verdict; whole shows both rounds and asks one verdict; the live judge's question is marked as the
// live judge's; each transcript gets three different people per arm, and the story-once rule counts
// these seats (one story here, so nobody judges twice).
import { ExperimentConfigSchema, type TrialEvent } from '@oversight/core';
import { loadOfflineSources, persistPlan, planExperiment, runTrials } from '@oversight/runner';
import type { FakeMessage, SlackPerson } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  alice,
  bob,
  carol,
  clickForModal,
  eventsOf,
  planInto,
  questions,
  slackPeople,
  startWorld,
  TEAM,
  textOf,
  type World,
  waitFor,
  withButton,
} from './harness.ts';

let w: World;
const SOURCE = 'slack-pilot';
const OFFLINE = 'slack-pilot-offline';
const dave: SlackPerson = { id: 'UDAVE0001', team: TEAM, name: 'dave' };
const erin: SlackPerson = { id: 'UERIN0001', team: TEAM, name: 'erin' };
const people = [alice, bob, carol, admin, dave, erin];
let liveQuestion = '';

beforeAll(async () => {
  w = await startWorld('offline', async (db, url) => {
    // The source: one debate of two rounds, finished by a simulated judge who asks while round 1 is
    // written (answered in round 2).
    const qs = questions(1);
    const source = await planInto(
      db,
      {
        name: SOURCE,
        judges: [
          {
            name: 'sim',
            count: 2,
            participant: { kind: 'simulated-judge', interjections: { rate: 1, effect: 0.5 } },
          },
        ],
        arms: [
          {
            name: 'debate',
            protocol: 'debate',
            rounds: 2,
            trialsPerQuestion: 1,
            interjections: 'any-time',
            arguer: { kind: 'simulated-arguer' },
          },
        ],
      },
      url,
      qs,
    );
    await runTrials(db, source);
    const [finished] = await db.trials.list(SOURCE);
    expect(finished?.status).toBe('finished');
    const asked = (await eventsOf(db, finished!.id)).find((e) => e.type === 'JudgeInterjected');
    liveQuestion = asked && 'text' in asked ? asked.text : '';
    expect(liveQuestion).not.toBe('');

    const dataset = `${SOURCE}-questions`;
    const config = ExperimentConfigSchema.parse({
      name: OFFLINE,
      seed: OFFLINE,
      judges: [slackPeople],
      arms: [
        {
          name: 'stepped',
          protocol: 'debate',
          source: { experiment: SOURCE, arms: ['debate'], mode: 'stepped', judgesPerTranscript: 3 },
        },
        {
          name: 'whole',
          protocol: 'debate',
          source: { experiment: SOURCE, arms: ['debate'], mode: 'whole', judgesPerTranscript: 3 },
        },
      ],
    });
    const offline = await loadOfflineSources(db, config, dataset);
    const plan = planExperiment(config, qs, dataset, { offline });
    expect(plan.trials).toHaveLength(6);
    await persistPlan(db, plan, dataset);
    return [OFFLINE];
  });
}, 180_000);
afterAll(async () => {
  await w?.close();
});

/** The person's thread of this experiment. */
async function threadOf(person: SlackPerson) {
  const dm = w.slack.dm(person.id);
  const parent = await waitFor('the parent', () =>
    w.slack.messages(dm).find((m) => textOf(m).includes('What did the pilot do')),
  );
  return () => w.slack.thread(dm, parent.ts);
}

const turnOf = (messages: FakeMessage[], label: string | RegExp) =>
  withButton(messages, label)
    .filter((m) => !m.edited)
    .at(-1);

describe('offline judging in Slack', () => {
  it('seats three different people per transcript in each mode: stepped asks a belief after round 1, whole one verdict', async () => {
    const { slack, driver, db } = w;
    const seen = new Map<string, { arm: string; source: string; judge: string }>();
    for (const [i, person] of people.entries()) {
      await driver.command(person, `join ${OFFLINE}`);
      const row = await waitFor('joined', () =>
        db.participants.byIdentity(OFFLINE, `slack:${person.team}/${person.id}`),
      );
      await driver.command(person, `next ${OFFLINE}`);
      const thread = await threadOf(person);
      const trial = await waitFor('the seat', async () =>
        (await db.trials.list(OFFLINE)).find((t) => t.judgeId === row.id),
      );
      const created = (await eventsOf(db, trial.id))[0] as Extract<TrialEvent, { type: 'TrialCreated' }>;
      const source = created.offline?.trialId;
      expect(source).toBeTruthy();
      seen.set(trial.id, { arm: trial.arm, source: source!, judge: row.id });
      const first = await waitFor('the first turn', () => turnOf(thread(), /Judge now|Submit verdict/));
      const screen = () => thread().map(textOf).join('\n');
      if (trial.arm === 'stepped') {
        // Round 1 only, then a belief; the verdict comes after round 2.
        expect(screen()).toMatch(/Debater A\* · round 1/);
        expect(screen()).not.toMatch(/· round 2/);
        expect(withButton([first], 'Judge now')).toHaveLength(1);
        const m1 = await clickForModal(w, person, first, 'Judge now', /^ov1:numbers:/);
        expect((await driver.submit(person, m1, { 'credence-0': '60', next: 'continue' })).status).toBe(200);
        const final = await waitFor('the verdict turn', () => turnOf(thread(), 'Submit verdict'));
        expect(screen()).toMatch(/Debater B\* · round 2/);
        const m2 = await clickForModal(w, person, final, 'Submit verdict', /^ov1:numbers:/);
        expect((await driver.submit(person, m2, { 'credence-0': '70' })).status).toBe(200);
      } else {
        // The whole transcript at once, and one verdict.
        expect(screen()).toMatch(/Debater A\* · round 1/);
        expect(screen()).toMatch(/Debater B\* · round 2/);
        expect(withButton([first], 'Submit verdict')).toHaveLength(1);
        const m = await clickForModal(w, person, first, 'Submit verdict', /^ov1:numbers:/);
        expect((await driver.submit(person, m, { 'credence-0': '70' })).status).toBe(200);
      }
      await waitFor('the outcome', () => thread().find((m) => textOf(m).includes('The correct answer was')));
      // The live judge's question, which the debaters answered, is shown as the live judge's.
      const asked = thread().find((m) => textOf(m).includes(liveQuestion));
      expect(asked && textOf(asked)).toMatch(/The live judge/);
      const judged = (await eventsOf(db, trial.id)).filter((e) => e.type === 'BeliefReported');
      expect(judged.length).toBe(trial.arm === 'stepped' ? 1 : 0);
      // The story-once rule counts offline seats: the first person, having judged this story, gets
      // no other seat, though seats of it are still open.
      if (i === 0) {
        const before = slack.responses().length;
        await driver.command(person, `next ${OFFLINE}`);
        const reply = await waitFor('the answer to next', () =>
          slack
            .responses()
            .slice(before)
            .find((r) => /trial/i.test(String(r.text))),
        );
        expect(String(reply.text)).toMatch(/No trial for you now.*you judge each story once/);
      }
    }
    // Six seats, six different people; three per transcript in each arm.
    expect(seen.size).toBe(6);
    expect(new Set([...seen.values()].map((s) => s.judge)).size).toBe(6);
    for (const arm of ['stepped', 'whole']) {
      const seats = [...seen.values()].filter((s) => s.arm === arm);
      expect(seats).toHaveLength(3);
      expect(new Set(seats.map((s) => s.source)).size).toBe(1);
    }
    const rows = await db.judgments.list(OFFLINE);
    expect(rows).toHaveLength(6);
  }, 300_000);
});
