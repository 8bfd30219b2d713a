// Dropouts: a person's seat is held while they are active (requests, their page's heartbeat); idle past
// the configured time, it goes back to the pool and the next person who asks for work takes it, with
// everything the first person did still in the trial's log. The one who left is told when they return.
import { setTimeout as sleep } from 'node:timers/promises';
import { assignSeat } from '@oversight/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeatLeases } from '../src/lease.ts';
import { llm, questions, startWorld, until, type Visitor, type World, webPeople } from './harness.ts';

const EXP = 'web-dropout';
const IDLE_MS = 1500;
let w: World;

beforeAll(async () => {
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, arguer: llm('debater') },
        ],
      },
    ],
    { plans: { [EXP]: { questions: questions(1) } }, idleMs: IDLE_MS },
  );
  await until(async () => (await w.db.trials.owedIn(EXP)).some((o) => o.role === 'judge'), 'the judge seat');
}, 60_000);
afterAll(async () => {
  await w?.close();
});

async function arrive(v: Visitor, pid: string) {
  await v.get(w.link(EXP, { PROLIFIC_PID: pid, STUDY_ID: 's', SESSION_ID: pid }));
  await v.submit('I agree: start');
}

describe('a person who goes idle', () => {
  it('keeps the seat while active, loses it when idle, and the next person finishes the trial', async () => {
    const [trial] = await w.db.trials.list(EXP);
    const holder = async () => (await w.db.trials.owedIn(EXP)).find((o) => o.role === 'judge')?.participantId;
    const ann = w.visitor();
    await arrive(ann, 'ann00001');
    const annId = (await w.db.participants.byIdentity(EXP, 'prolific:ann00001'))!.id;
    expect(await holder()).toBe(annId);
    // Round 1: Ann gives a credence and hands the trial to the debaters.
    await ann.submit('Choose', { value: '70', att_open: '9', att_hidden: '0', att_paste: '0' });
    await ann.submit('Continue', { att_open: '10', att_hidden: '0', att_paste: '0' });
    await until(async () => (await holder()) === annId, "Ann's final verdict owed");
    const trialUrl = `/s/${EXP}/t/${trial!.ref}`;

    // Active for three idle periods (the heartbeat a visible page sends): the seat stays hers.
    for (let t = 0; t < (3 * IDLE_MS) / 300; t++) {
      await ann.post(`/s/${EXP}/alive`, {});
      await sleep(300);
    }
    expect(await holder()).toBe(annId);

    // Gone: within a few idle periods the seat is back in the pool, given back by the web app.
    await until(async () => (await holder()) === null, 'the seat given back', 6 * IDLE_MS);
    const events = await w.events(trial!.id);
    const released = events.filter((e) => e.type === 'ParticipantAssigned' && e.participantId === null);
    expect(released).toHaveLength(1);
    expect((released[0] as { reason: string }).reason).toMatch(/idle for more than/);
    // Everything she did is still in the log.
    expect(events.some((e) => e.type === 'BeliefReported')).toBe(true);

    // Ben asks for work and gets the same trial, at the verdict, and finishes it.
    const ben = w.visitor();
    await arrive(ben, 'ben00001');
    expect(ben.last!.url).toBe(trialUrl);
    const benId = (await w.db.participants.byIdentity(EXP, 'prolific:ben00001'))!.id;
    expect(await holder()).toBe(benId);
    // A release decided on Ann's idleness a moment ago (another web process's) cannot take Ben's seat.
    const { drive } = await w.app.chat.experiment(EXP);
    const late = await assignSeat(drive, trial!.id, 'judge', null, {
      reason: 'idle (decided before Ben took the seat)',
      onlyIfHeldBy: { participantId: annId },
    });
    expect(late).toBeNull();
    expect(await holder()).toBe(benId);
    // Ben is active (his requests), so the web app's own releases leave him be.
    expect(await w.app.leases.releaseIdle()).toBe(0);
    await ben.submit('Choose', { value: '40' });
    await ben.submit('Submit verdict');
    expect(ben.text()).toContain('Verdict recorded');
    const [judgment] = await w.db.judgments.list(EXP);
    expect(judgment?.judgeId).toBe(benId);

    // Ann comes back to her old page: told what happened; then her part of the study is over.
    await ann.get(trialUrl);
    expect(ann.text()).toContain('You were away for a while, so this trial was given to someone else');
    await ann.get(`/s/${EXP}/home`);
    expect(ann.text()).toContain('Thank you: you have finished');
    // A foreign person opening the trial is still refused plainly.
    const cy = w.visitor();
    await arrive(cy, 'cy000001');
    expect((await cy.get(trialUrl)).status).toBe(403);
  });
});

describe('activity stamps', () => {
  it('writes the stamps of one moment in one statement, never moves one back, and a release waits for them', async () => {
    const leases = new SeatLeases(w.db, w.app.chat, { experimentIds: [EXP], idleMs: 60_000 });
    const participants = w.db.participants;
    const writes: number[] = [];
    const markActiveMany = participants.markActiveMany;
    participants.markActiveMany = (stamps) => {
      writes.push(stamps.length);
      return markActiveMany.call(participants, stamps);
    };
    try {
      const before = Date.now();
      for (const id of ['stamp-a', 'stamp-b', 'stamp-c']) leases.touch(EXP, id);
      // Nothing written yet: the requests did not wait for it. A release reads activity only after.
      expect(writes).toEqual([]);
      expect(await leases.releaseIdle()).toBe(0);
      expect(writes).toEqual([3]);
      const active = await w.db.participants.lastActive(EXP);
      for (const id of ['stamp-a', 'stamp-b', 'stamp-c'])
        expect(active.get(id)!.getTime()).toBeGreaterThanOrEqual(before - 1);
      // A stamp older than the stored one (a slow write landing late) leaves the newer one.
      await w.db.participants.markActiveMany([
        { experimentId: EXP, participantId: 'stamp-a', at: new Date(0) },
      ]);
      expect((await w.db.participants.lastActive(EXP)).get('stamp-a')!.getTime()).toBe(
        active.get('stamp-a')!.getTime(),
      );
    } finally {
      participants.markActiveMany = markActiveMany;
      await leases.stop();
    }
  });
});
