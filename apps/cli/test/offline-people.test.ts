// Offline judging by people at the terminal: a pilot debate finished by simulated judges (who asked the
// debaters a question while they wrote), then an experiment whose stepped and whole arms seat three
// people each on its transcript. Stepped shows round 1 and asks a belief, then round 2 and the
// verdict; whole shows both rounds at once and asks one verdict; the live judge's question is marked
// as the live judge's; six different people fill the six seats, and story-once keeps each to one.
import path from 'node:path';
import type { TrialEvent } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

const PEOPLE = ['ada', 'bo', 'cy', 'di', 'ed', 'fa'];

describe('people judging finished debates at the terminal', () => {
  it('steps through round by round or reads the whole transcript, three people per transcript and mode', async () => {
    const dir = tempDir('offline-people');
    const dataDir = path.join(dir, 'data');
    writeQuestions(dir, 1, 1);
    const pilot = writeConfig(
      dir,
      {
        name: 'pilot',
        seed: 7,
        dataset: { path: 'questions.jsonl' },
        judges: [
          { count: 2, participant: { kind: 'simulated-judge', interjections: { rate: 1, effect: 0.5 } } },
        ],
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, interjections: 'any-time' },
        ],
      },
      'pilot.json',
    );
    const source = (mode: string) => ({
      experiment: 'pilot',
      arms: ['debate'],
      mode,
      judgesPerTranscript: 3,
    });
    const offline = writeConfig(
      dir,
      {
        name: 'pilot-offline',
        seed: 8,
        dataset: { path: 'questions.jsonl' },
        judges: [{ name: 'people', ids: PEOPLE, participant: { kind: 'human', platform: 'terminal' } }],
        arms: [
          { name: 'stepped', protocol: 'debate', source: source('stepped') },
          { name: 'whole', protocol: 'debate', source: source('whole') },
        ],
      },
      'offline.json',
    );
    for (const file of [pilot, offline]) {
      const run = cli(['run', path.basename(file), '--data-dir', dataDir], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
    }
    const screens = new Map<string, string>();
    for (const who of PEOPLE) {
      // A belief then the verdict (stepped), or the verdict and a reason (whole); a "Lock this as your
      // final verdict?" question, if asked, is answered no, and if not, "n" is refused as a credence.
      const judged = cli(['judge', 'pilot-offline', '--as', who, '--data-dir', dataDir], {
        cwd: dir,
        input: '60\nn\n70\n\n',
      });
      expect(judged.code, judged.stderr).toBe(0);
      expect(judged.stdout).toMatch(/recorded \d moves/);
      screens.set(who, judged.stdout);
    }
    const db = await openDatabase({ dataDir });
    try {
      const [live] = await db.trials.list('pilot');
      const liveQuestion = (await db.events.load(live!.id))
        .map((e) => e.payload as TrialEvent)
        .find(
          (e): e is Extract<TrialEvent, { type: 'JudgeInterjected' }> => e.type === 'JudgeInterjected',
        )!.text;
      const trials = await db.trials.list('pilot-offline');
      expect(trials).toHaveLength(6);
      expect(trials.every((t) => t.status === 'finished')).toBe(true);
      // Six different people, three per mode on the one transcript.
      expect(new Set(trials.map((t) => t.judgeId)).size).toBe(6);
      for (const arm of ['stepped', 'whole']) {
        const seats = trials.filter((t) => t.arm === arm);
        expect(seats).toHaveLength(3);
        const sources = new Set<string>();
        for (const t of seats) {
          const events = (await db.events.load(t.id)).map((e) => e.payload as TrialEvent);
          const created = events[0] as Extract<TrialEvent, { type: 'TrialCreated' }>;
          sources.add(created.offline!.trialId);
          expect(events.filter((e) => e.type === 'BeliefReported')).toHaveLength(arm === 'stepped' ? 1 : 0);
          expect(events.filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);
        }
        expect([...sources]).toEqual([live!.id]);
      }
      // What each saw before their first answer: round 1 alone (stepped) or both rounds (whole); the
      // live judge's question marked as the live judge's.
      const firstScreens = [...screens.values()].map((s) => s.slice(0, s.indexOf('Your credence')));
      expect(
        firstScreens.filter((s) => s.includes('[round 1] Debater A') && !s.includes('[round 2]')),
      ).toHaveLength(3);
      expect(firstScreens.filter((s) => s.includes('[round 2] Debater B'))).toHaveLength(3);
      for (const s of screens.values()) {
        expect(s).toContain('The live judge');
        expect(s).toContain(liveQuestion);
      }
      // Story-once: each person got one seat (the one story), though the session would take more.
      // (A stepped seat shows its trial again for the verdict: still trial 1 of 1.)
      for (const s of screens.values())
        expect([...new Set(s.match(/Trial \d+ of \d+ for you/g))]).toEqual(['Trial 1 of 1 for you']);
    } finally {
      await db.close();
    }
  }, 240_000);
});
