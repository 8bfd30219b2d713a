// Asking at any time in the browser: while the debaters write (an arm with interjections "any-time"),
// the judge's page offers "Ask the arguers"; the question goes through the chat layer's `ask`, named by
// the position the judge had seen, so a question typed before a new round reached them is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, questions, startWorld, until, type World, webPeople } from './harness.ts';

const EXP = 'web-ask';
let w: World;

beforeAll(async () => {
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        arms: [
          {
            name: 'any',
            protocol: 'debate',
            // Questions while the arguers write any round but the last (nobody would answer one then).
            rounds: 3,
            trialsPerQuestion: 1,
            interjections: 'any-time',
            maxInterjections: 2,
            arguer: llm('debater'),
          },
        ],
      },
    ],
    // Slow debaters: the judge has time to ask while they write.
    { plans: { [EXP]: { questions: questions(1) } }, openai: { latencyMs: 2500 } },
  );
  await until(
    async () => (await w.db.trials.owedIn(EXP)).some((o) => o.role === 'judge'),
    'the judge seat',
    30_000,
  );
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('a question at any time', () => {
  it('is asked while the debaters write, and an old ask form is refused once the round is in', async () => {
    const v = w.visitor();
    await v.get(w.link(EXP, { PROLIFIC_PID: 'asker0001' }));
    await v.submit('I agree: start');
    await v.submit('Choose', { value: '60' });
    await v.submit('Continue');
    // The debaters are writing round 2: the page offers the question.
    expect(v.text()).toContain('Waiting for');
    const askForm = v.form('Ask the arguers (2 left)');
    await v.submit('Ask the arguers (2 left)');
    expect(v.text()).toContain('A question for the arguers');
    await v.submit('Send', { f_comment: 'Which chapter says so?' });
    expect(v.text()).toContain('Sent: the arguers answer it in their next speeches.');
    expect(v.text()).toContain('Ask the arguers (1 left)');
    const [trial] = await w.db.trials.list(EXP);
    const asked = (await w.events(trial!.id)).filter((e) => e.type === 'JudgeInterjected');
    expect(asked).toHaveLength(1);

    // Once round 2 is in, the ask form from before it is out of date: refused, nothing recorded.
    await until(
      async () => (await w.db.trials.owedIn(EXP)).some((o) => o.role === 'judge'),
      'the judge turn',
      30_000,
    );
    await v.post(askForm.action, {
      ...askForm.fields,
      r: `rcpt_${'c'.repeat(22)}`,
      form: '1',
      f_comment: 'Late?',
    });
    expect(v.text()).toMatch(/it is your turn: choose your credence, then ask with it/);
    expect((await w.events(trial!.id)).filter((e) => e.type === 'JudgeInterjected')).toHaveLength(1);
    await v.get(`/s/${EXP}/t/${trial!.ref}`);
    await v.submit('Choose', { value: '70' });
    await v.submit('Continue');
    // The last round: no questions now.
    expect(v.forms().some((f) => f.buttons.some((b) => b.label.startsWith('Ask the arguers')))).toBe(false);
    await until(
      async () => (await w.db.trials.owedIn(EXP)).some((o) => o.role === 'judge'),
      'the verdict turn',
      30_000,
    );
    await v.get(`/s/${EXP}/t/${trial!.ref}`);
    await v.submit('Choose', { value: '70' });
    await v.submit('Submit verdict');
    expect(v.text()).toContain('Verdict recorded');
  }, 90_000);
});
