// Offline judging by people in Discord (an arm with `source: { experiment, mode, judgesPerTranscript }`):
// a source debate finished by simulated judges (who asked the debaters a question while they wrote),
// then an offline experiment with a stepped arm and a whole-transcript arm, three people judging each
// transcript in each arm. Stepped shows round 1 and asks a belief, then round 2 and the verdict; whole
// shows both rounds and asks one verdict; the live judge's question is marked as the live judge's;
// each transcript gets three different people per arm, and the story-once rule counts these seats.
import { ExperimentConfigSchema, type TrialEvent } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { loadOfflineSources, persistPlan, planExperiment, runTrials } from '@oversight/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, questions, startWorld, tempDir, until, type World } from './harness.ts';

let world: World;
const SOURCE = 'discord-pilot';
const OFFLINE = 'discord-pilot-offline';
let liveQuestion = '';

beforeAll(async () => {
  // The source, finished before the bot starts: one debate of two rounds judged by a simulated judge
  // who asks while round 1 is written (answered in round 2); then the offline plan over it.
  const dir = tempDir('offline');
  const db = await openDatabase({ dataDir: dir });
  const qs = questions(1);
  const dataset = `${SOURCE}-questions`;
  const sourceConfig = ExperimentConfigSchema.parse({
    name: SOURCE,
    seed: SOURCE,
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
  });
  const source = planExperiment(sourceConfig, qs, dataset);
  await persistPlan(db, source, dataset);
  await runTrials(db, source);
  const [finished] = await db.trials.list(SOURCE);
  expect(finished?.status).toBe('finished');
  const asked = (await db.events.load(finished!.id))
    .map((e) => e.payload as TrialEvent)
    .find((e) => e.type === 'JudgeInterjected');
  liveQuestion = asked && 'text' in asked ? asked.text : '';
  expect(liveQuestion).not.toBe('');
  const config = ExperimentConfigSchema.parse({
    name: OFFLINE,
    seed: OFFLINE,
    judges: [{ name: 'people', participant: person }],
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
  const plan = planExperiment(config, qs, dataset, {
    offline: await loadOfflineSources(db, config, dataset),
  });
  expect(plan.trials).toHaveLength(6);
  await persistPlan(db, plan, dataset);
  await db.close();
  world = await startWorld([], { dir, served: [OFFLINE] });
}, 180_000);
afterAll(async () => {
  await world?.close();
});

describe('offline judging in Discord', () => {
  it('seats three different people per transcript in each mode: stepped asks a belief after round 1, whole one verdict', async () => {
    const seen = new Map<string, { arm: string; source: string; judge: string }>();
    for (let i = 0; i < 6; i++) {
      const judge = world.person(`30000000000000010${i}`);
      await (await judge.run('join', { experiment: OFFLINE })).reply();
      const row = await until(
        () => world.db.participants.byIdentity(OFFLINE, `discord:${judge.id}`),
        'the participant',
      );
      await (await judge.run('next', { experiment: OFFLINE })).reply();
      const trial = await until(
        async () => (await world.db.trials.list(OFFLINE)).find((t) => t.judgeId === row.id),
        'the seat',
      );
      const created = (await world.events(trial.id))[0] as Extract<TrialEvent, { type: 'TrialCreated' }>;
      expect(created.offline?.trialId).toBeTruthy();
      seen.set(trial.id, { arm: trial.arm, source: created.offline!.trialId, judge: row.id });
      const thread = await until(() => judge.threads().at(-1), 'the thread');
      if (trial.arm === 'stepped') {
        // Round 1 only, then a belief; the verdict comes after round 2.
        const turn1 = await judge.waitTurn(thread, /after round 1/);
        expect(judge.text(thread)).toContain('Debater A · round 1');
        expect(judge.text(thread)).not.toContain('· round 2');
        await (await judge.click(await (await judge.select(turn1, '60')).reply(), 'Continue')).text();
        const turn2 = await judge.waitTurn(thread, /Your verdict/, turn1);
        expect(judge.text(thread)).toContain('Debater B · round 2');
        const verdict = await judge.click(await (await judge.select(turn2, '70')).reply(), 'Submit verdict');
        expect(await verdict.text()).toContain('Verdict recorded: A 70%, B 30%.');
      } else {
        // The whole transcript at once, and one verdict.
        const turn = await judge.waitTurn(thread, /Your verdict/);
        expect(judge.text(thread)).toContain('Debater A · round 1');
        expect(judge.text(thread)).toContain('Debater B · round 2');
        expect(judge.text(thread)).not.toMatch(/after round 1/);
        const verdict = await judge.click(await (await judge.select(turn, '70')).reply(), 'Submit verdict');
        expect(await verdict.text()).toContain('Verdict recorded: A 70%, B 30%.');
      }
      // The live judge's question, which the debaters answered, is shown as the live judge's.
      expect(judge.text(thread)).toMatch(/The live judge asks · round 1/);
      expect(judge.text(thread)).toContain(liveQuestion);
      const beliefs = (await world.events(trial.id)).filter((e) => e.type === 'BeliefReported');
      expect(beliefs).toHaveLength(trial.arm === 'stepped' ? 1 : 0);
      // The story-once rule counts offline seats: the first person, having judged this story, gets
      // no other seat, though seats of it are still open.
      if (i === 0) {
        const again = await (await judge.run('next', { experiment: OFFLINE })).text();
        expect(again).toMatch(/nothing is waiting for you.*you judge each story once/);
      }
    }
    expect(seen.size).toBe(6);
    expect(new Set([...seen.values()].map((s) => s.judge)).size).toBe(6);
    for (const arm of ['stepped', 'whole']) {
      const seats = [...seen.values()].filter((s) => s.arm === arm);
      expect(seats).toHaveLength(3);
      expect(new Set(seats.map((s) => s.source)).size).toBe(1);
    }
    expect(await world.db.judgments.list(OFFLINE)).toHaveLength(6);
  }, 300_000);
});
