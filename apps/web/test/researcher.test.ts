// The researcher's live view: off without a token, refused with a wrong one, read-only, updated as
// people judge (with each arm's anytime-valid sequence as `oversight status` computes it, catch-trial
// accuracy, the median time of a judge's turn and the accuracy after exclusions), and never showing a
// participant's platform identity.
import { anytimeStandings } from '@oversight/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, questions, startWorld, until, type Visitor, type World, webPeople } from './harness.ts';

const EXP = 'web-live';
const TOKEN = 'researcher-token-for-tests-0123';
let w: World;

beforeAll(async () => {
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        // q0 is a catch question: its trials score the judges and are left out after exclusions.
        qualityControl: { catchQuestions: ['q0'] },
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 1, arguer: llm('debater') },
          {
            name: 'cons',
            protocol: 'consultancy',
            rounds: 1,
            trialsPerQuestion: 1,
            arguer: llm('consultant'),
          },
        ],
      },
    ],
    { plans: { [EXP]: { questions: questions(2) } }, researcherToken: TOKEN },
  );
  await until(
    async () => (await w.db.trials.owedIn(EXP)).filter((o) => o.role === 'judge').length === 4,
    'the judge seats',
  );
}, 60_000);
afterAll(async () => {
  await w?.close();
});

/** One verdict on the trial in front of the person (rounds: 1, so the first turn is the verdict). */
async function verdict(v: Visitor, pct: string) {
  await v.submit('Choose', { value: pct });
  // What the page measured of the turn: 12 seconds open.
  await v.submit('Submit verdict', { att_open: '12', att_hidden: '0', att_paste: '0' });
  expect(v.text()).toContain('Verdict recorded');
}

async function status() {
  const res = await fetch(new URL('/r/status.json', w.url), {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    experiments: Array<{
      alpha: number;
      exclusions: { assessed: number; excluded: number; byRule: unknown[] };
      arms: Array<{
        arm: string;
        judgments: number;
        accuracy: number | null;
        anytime: { lower: number; upper: number; n: number; known: string | null; why: string | null } | null;
        catchTrials: { n: number; correct: number };
        turnSeconds: { median: number | null; turns: number };
        afterExclusions: { judgments: number; accuracy: number | null };
      }>;
      people: { joined: number; activeNow: number };
      contrast: unknown;
    }>;
  };
}

describe("the researcher's live view", () => {
  it('needs the token, shows progress as people judge, and no platform ids', async () => {
    const r = w.visitor();
    expect((await r.get('/r')).status).toBe(401);
    expect(r.text()).toContain('Open /r?token=');
    expect((await r.get('/r?token=not-the-token-at-all')).status).toBe(403);
    const bearerWrong = await fetch(new URL('/r/status.json', w.url), {
      headers: { authorization: 'Bearer nope' },
    });
    expect(bearerWrong.status).toBe(401);
    // Read-only.
    const post = await fetch(new URL('/r', w.url), {
      method: 'POST',
      headers: { cookie: `ov_researcher=${w.keys.researcherCookie(TOKEN)}` },
    });
    expect(post.status).toBe(405);

    await r.get(`/r?token=${TOKEN}`);
    expect(r.last!.url).toBe('/r');
    expect(r.text()).toContain(EXP);
    expect(r.last!.body).toContain('<meta http-equiv="refresh" content="5">');
    const before = await status();
    expect(before.experiments[0]!.arms.map((a) => a.judgments)).toEqual([0, 0]);
    expect(before.experiments[0]!.arms.map((a) => a.anytime)).toEqual([null, null]);
    expect(before.experiments[0]!.arms.map((a) => a.turnSeconds)).toEqual([
      { median: null, turns: 0 },
      { median: null, turns: 0 },
    ]);

    const pids = ['livea000000000000000000001', 'liveb000000000000000000002'];
    const people = pids.map(() => w.visitor());
    for (const [i, v] of people.entries()) {
      await v.get(w.link(EXP, { PROLIFIC_PID: pids[i]!, STUDY_ID: 's', SESSION_ID: 'x' }));
      await v.submit('I agree: start');
      await verdict(v, i === 0 ? '90' : '20');
      await v.submit('Continue');
      await verdict(v, '55');
    }
    const after = await status();
    const e = after.experiments[0]!;
    expect(e.arms.reduce((n, a) => n + a.judgments, 0)).toBe(4);
    expect(e.people).toEqual({ joined: 2, activeNow: 2 });
    expect(e.contrast).not.toBeNull();
    // The anytime-valid sequence per arm: the very figures `oversight status` prints.
    const standings = await anytimeStandings(w.db, EXP, (await w.app.chat.experiment(EXP)).config);
    expect(e.alpha).toBe(0.05);
    for (const arm of e.arms) {
      const s = standings.arms.find((x) => x.arm === arm.arm)!.status;
      expect(arm.anytime).toEqual({ lower: s.lower, upper: s.upper, n: 2, known: s.known, why: s.why });
      expect(arm.anytime!.lower).toBeLessThan(arm.anytime!.upper);
      // Judge quality: one catch trial (q0) per arm, the measured turns, the rest after exclusions.
      expect(arm.catchTrials.n).toBe(1);
      expect(arm.turnSeconds).toEqual({ median: 12, turns: 2 });
      expect(arm.afterExclusions.judgments).toBe(1);
    }
    expect(e.exclusions).toEqual({ assessed: 2, excluded: 0, byRule: [] });
    await r.get('/r');
    expect(r.text()).toMatch(/Main contrast: accuracy in debate minus cons/);
    expect(r.text()).toContain('Win rate (anytime-valid 95% sequence)');
    expect(r.text()).toMatch(/\(n 2\): not known yet/);
    expect(r.text()).toContain('12.0 s (2 turns)');
    expect(r.text()).toContain('Exclusions (pre-registered rules, as analyze applies them): 0 of 2 judges');
    // Pseudonyms and participant ids, never the platform's ids.
    for (const pid of pids) {
      expect(r.last!.body).not.toContain(pid);
      expect(JSON.stringify(after)).not.toContain(pid);
    }
    expect(r.last!.body).not.toContain('prolific:');
  });
});
