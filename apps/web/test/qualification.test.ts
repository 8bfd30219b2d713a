// Qualification in the browser: a person first judges the practice arm's trial; one who gets it wrong
// is told they did not qualify and gets the screened-out code (Prolific's separate code for people
// screened out, not the completion code), recorded on them; one who gets it right goes on to the study's
// trials. The rule is core's (config `qualification`); the web only shows where they stand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, questions, startWorld, until, type Visitor, type World, webPeople } from './harness.ts';

const EXP = 'web-qualify';
let w: World;

beforeAll(async () => {
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        qualification: { arm: 'practice', trials: 1, minCorrect: 1 },
        arms: [
          { name: 'practice', protocol: 'judge-alone', trialsPerQuestion: 1 },
          {
            name: 'main',
            protocol: 'consultancy',
            rounds: 1,
            trialsPerQuestion: 1,
            arguer: llm('consultant'),
          },
        ],
      },
    ],
    { plans: { [EXP]: { questions: questions(3) } } },
  );
  await until(
    async () => (await w.db.trials.owedIn(EXP)).filter((o) => o.role === 'judge').length === 6,
    'every judge seat',
  );
}, 60_000);
afterAll(async () => {
  await w?.close();
});

/** The percentage for answer A that puts 95% on the correct answer of the trial on the page (or the wrong one). */
async function credenceFor(v: Visitor, right: boolean): Promise<string> {
  const ref = /\/t\/([A-Za-z0-9_-]+)$/.exec(v.last!.url)![1]!;
  const trial = (await w.db.trials.byRef(ref))!;
  expect(trial.arm).toBe('practice');
  const created = (await w.events(trial.id))[0] as { correctDisplayed: number };
  const aCorrect = created.correctDisplayed === 0;
  return aCorrect === right ? '95' : '5';
}

async function arrive(pid: string): Promise<Visitor> {
  const v = w.visitor();
  await v.get(w.link(EXP, { PROLIFIC_PID: pid }));
  await v.submit('I agree: start');
  return v;
}

describe('practice before the study', () => {
  it('stops a person who fails the practice trial and lets one who passes go on', async () => {
    const fails = await arrive('fail00001');
    await fails.submit('Choose', { value: await credenceFor(fails, false) });
    await fails.submit('Submit verdict');
    await fails.submit('Continue');
    expect(fails.text()).toContain('you did not qualify: 0 of 1 practice trials correct, 1 needed');
    expect(fails.text()).toContain('Thank you: the study ends here for you');
    const screenedCode = w.keys.screenedOutCode(EXP);
    expect(screenedCode).not.toBe(w.keys.completionCode(EXP));
    expect(fails.last!.body).toContain(`https://app.prolific.com/submissions/complete?cc=${screenedCode}`);
    expect(fails.last!.body).not.toContain(w.keys.completionCode(EXP));
    const failed = await w.db.participants.byIdentity(EXP, 'prolific:fail00001');
    expect((failed!.spec as { screenedOut?: unknown }).screenedOut).toMatchObject({
      by: 'qualification',
      reason: expect.stringContaining('did not qualify'),
    });
    // Coming back later: still screened out, the same code, the record kept as it was.
    await fails.get(w.link(EXP, { PROLIFIC_PID: 'fail00001' }));
    expect(fails.text()).toContain(screenedCode);
    const again = await w.db.participants.byIdentity(EXP, 'prolific:fail00001');
    expect(again!.spec).toEqual(failed!.spec);

    const passes = await arrive('pass00001');
    await passes.submit('Choose', { value: await credenceFor(passes, true) });
    await passes.submit('Submit verdict');
    await passes.submit('Continue');
    const ref = /\/t\/([A-Za-z0-9_-]+)$/.exec(passes.last!.url)?.[1];
    expect((await w.db.trials.byRef(ref ?? ''))?.arm).toBe('main');
    expect(passes.text()).toContain('Consultant · round 1');
    const passed = await w.db.participants.byIdentity(EXP, 'prolific:pass00001');
    expect((passed!.spec as { screenedOut?: unknown }).screenedOut).toBeUndefined();
  });
});
