// The other ways people take part: an interactive debate where the judge asks a question, a human
// consultant whose speech is previewed with its quote checks before sending, a sandwiching chat with
// an AI assistant; and the "your turn" DMs and an admin's reminder.
import { controlsOf, messageText, modalInputs } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, person, RESEARCHER_ROLE, startWorld, until, type World } from './harness.ts';

let world: World;
const interactive = {
  name: 'discord-interactive',
  judges: [{ name: 'people', participant: person }],
  arms: [
    {
      name: 'interactive',
      protocol: 'interactive-debate',
      rounds: 2,
      trialsPerQuestion: 1,
      arguer: llm('arguer'),
    },
  ],
};
const consultancy = {
  name: 'discord-consultancy',
  judges: [{ name: 'ai-judges', count: 6, participant: llm('judge') }],
  arms: [
    {
      name: 'consultancy',
      protocol: 'consultancy',
      rounds: 1,
      trialsPerQuestion: 1,
      charLimit: 300,
      quoteLimit: 120,
      arguer: person,
    },
  ],
};
const anyTime = {
  name: 'discord-any-time',
  judges: [{ name: 'people', participant: person }],
  arms: [
    {
      name: 'any-time',
      protocol: 'debate',
      rounds: 4,
      trialsPerQuestion: 1,
      interjections: 'any-time',
      maxInterjections: 2,
      arguer: llm('arguer'),
    },
  ],
};
const sandwiching = {
  name: 'discord-sandwiching',
  judges: [{ name: 'people', participant: person }],
  chat: { admins: { discordRoles: [RESEARCHER_ROLE] } },
  arms: [
    { name: 'sandwich', protocol: 'sandwiching', rounds: 2, trialsPerQuestion: 1, arguer: llm('assistant') },
  ],
};

beforeAll(async () => {
  // activeMs 0: every "your turn" is DMed, even to someone who just moved (to see the DMs here).
  world = await startWorld([interactive, consultancy, sandwiching, anyTime], { activeMs: 0 });
});
afterAll(async () => {
  await world?.close();
});

describe('people in every protocol', () => {
  it('asks the debaters a question while they write: once, not twice, not from an old screen, not past the limit', async () => {
    const judge = world.person('300000000000000009');
    // Slow debaters (a second a speech), so that there is a round being written to ask in.
    world.openai.configure({ latencyMs: 1000 });
    await (await judge.run('join', { experiment: anyTime.name })).reply();
    await until(
      async () => (await world.db.trials.owedIn(anyTime.name)).some((o) => o.role === 'judge'),
      'a judge seat',
    );
    await (await judge.run('next', { experiment: anyTime.name })).reply();
    const thread = judge.threads().at(-1)!;
    const turn1 = await judge.waitTurn(thread, /after round 1/);
    const choice = await (await judge.select(turn1, '55')).reply();
    await (await judge.click(choice, 'Continue')).text();
    // While the debaters write round 2: the waiting line carries the Ask control.
    const waiting = await until(
      () =>
        judge.messages(thread).find((m) => controlsOf(m).some((c) => c.label.startsWith('Ask the arguers'))),
      'the Ask control',
    );
    const open = await judge.click(waiting, /^Ask the arguers/);
    expect(open.modal).toMatchObject({ title: 'A question for the arguers' });
    const question = 'Which chapter mentions the beacon first?';
    const sent = await judge.submit(open, { comment: question });
    expect(await sent.text()).toMatch(/^Sent: the arguers answer it in their next speeches/);
    const trial = (await world.db.trials.list(anyTime.name)).find((t) => t.judgeId)!;
    const asked = async () =>
      (await world.events(trial.id)).filter((e) => e.type === 'JudgeInterjected').length;
    expect(await asked()).toBe(1);
    // The same submission delivered again: acknowledged once, recorded once.
    expect(await world.fake.redeliver(sent)).toEqual(['already acknowledged']);
    expect(await asked()).toBe(1);
    // Round 2 reaches the judge; they continue. The Ask under the old waiting line names a screen from
    // before round 2: refused as stale, nothing recorded. The new one takes the second question.
    const turn2 = await judge.waitTurn(thread, /after round 2/, turn1);
    const askers = () =>
      judge.messages(thread).filter((m) => controlsOf(m).some((c) => c.label.startsWith('Ask the arguers')));
    const before = askers().length;
    await (await judge.click(await (await judge.select(turn2, '60')).reply(), 'Continue')).text();
    const waiting2 = await until(() => (askers().length > before ? askers().at(-1) : undefined), 'a new Ask');
    const stale = await judge.submit(await judge.click(waiting, /^Ask the arguers/), {
      comment: 'Old screen?',
    });
    expect(await stale.text()).toMatch(/new speeches reached you/);
    expect(await asked()).toBe(1);
    const second = await judge.submit(await judge.click(waiting2, /^Ask the arguers/), {
      comment: 'And the reef?',
    });
    expect(await second.text()).toMatch(/^Sent/);
    expect(await asked()).toBe(2);
    // The limit (two questions) is reached: the control says so, and nothing is recorded.
    const again = await judge.click(waiting2, /^Ask the arguers/);
    expect(await again.text()).toMatch(/cannot ask now: .*the most this arm allows/);
    expect(await asked()).toBe(2);
    // Both debaters' round-3 speeches were asked with the first question (the round-2 ones, written
    // when it came, did not see it).
    await judge.waitTurn(thread, /after round 3/, turn2);
    const withQuestion = world.openai.requests.filter((r) => JSON.stringify(r.body).includes(question));
    expect(withQuestion.length).toBeGreaterThanOrEqual(2);
    // Each is told to answer it as the judge's question (it sits before their round-2 speech).
    const told = world.openai.requests
      .map((r) => JSON.stringify(r.body ?? ''))
      .filter((p) => p.includes(`Answer the judge's question: \\"${question}\\"`));
    expect(told.some((p) => p.includes('You are Debater A'))).toBe(true);
    expect(told.some((p) => p.includes('You are Debater B'))).toBe(true);
    expect(told.every((p) => p.includes('Write your speech for round 3 of 4'))).toBe(true);
    world.openai.configure({ latencyMs: 5 });
  });

  it('asks the debaters a question in an interactive debate, and is told by DM when it is their turn', async () => {
    const judge = world.person('300000000000000001');
    await (await judge.run('join', { experiment: interactive.name })).reply();
    await (await judge.run('next', { experiment: interactive.name })).reply();
    const [thread] = judge.threads();
    const turn1 = await judge.waitTurn(thread!, /after round 1/);
    const choice = await (await judge.select(turn1, '55')).reply();
    const ask = await judge.click(choice, 'Ask or comment…');
    expect(ask.modal).toMatchObject({ title: 'A question or comment' });
    const question = 'Which chapter shows the pilot at the reef?';
    const sent = await judge.submit(ask, { comment: question });
    expect(await sent.text()).toBe('Sent to the arguers.');
    await judge.waitTurn(thread!, /Your verdict/, turn1);
    const screen = judge.text(thread!);
    expect(screen).toContain(`Judge (you) asks · round 1\n${question}`);
    expect(screen.indexOf(question)).toBeLessThan(screen.indexOf('Debater A · round 2'));
    // Both debaters were shown the question (the model requests carry it).
    const prompts = world.openai.requests.map((r) => JSON.stringify(r.body));
    expect(prompts.filter((p) => p.includes(question)).length).toBeGreaterThanOrEqual(2);
    // The turn after the debaters' round 2 came by DM, linking the thread.
    const dm = await until(() => world.fake.dms(judge.id).at(-1), 'a DM');
    expect(dm.content).toMatch(/\*\*Your verdict\*\* in \*Interactive debate: Tale \d\*/);
    expect(controlsOf(dm)[0]?.url).toBe(`https://discord.com/channels/${world.fake.guildId}/${thread!.id}`);
  });

  it('previews a human consultant’s speech with its quote checks and budgets before sending it', async () => {
    const consultant = world.person('300000000000000002');
    await (await consultant.run('join', { experiment: consultancy.name })).reply();
    await (await consultant.run('next', { experiment: consultancy.name })).reply();
    const [thread] = consultant.threads();
    const turn = await consultant.waitTurn(thread!, /Your speech, round 1/);
    const screen = consultant.text(thread!);
    expect(screen).toMatch(/You are Consultant: you defend [AB] \((the correct answer|a wrong answer)\)/);
    expect(screen).toMatch(/The story: Tale \d/);
    const tale = /The story: Tale (\d)/.exec(screen)![1];

    const open = await consultant.click(turn, 'Write your speech…');
    expect(open.modal).toMatchObject({ title: 'Your speech, round 1' });
    const text = `As the story says, <quote>In chapter 0 of tale ${tale}, the pilot mapped the reef</quote> and <quote>the pilot sailed to Lisbon</quote>.`;
    const preview = await (await consultant.submit(open, { speech: text })).reply();
    expect(messageText(preview)).toContain('Preview: 1 verified, 1 not found');
    expect(messageText(preview)).toMatch(
      /✓ 1\. “In chapter 0.*verified\n✗ 2\. “the pilot sailed to Lisbon” — not found/,
    );
    expect(messageText(preview)).toMatch(/\d+ of 300 characters, \d+ of 120 quoted/);
    // Edit reopens the modal with the text; too long, and there is no Send.
    const edit = await consultant.click(preview, 'Edit…');
    const prefilled = modalInputs(edit.modal!).find((c) => c.custom_id === 'speech')!;
    expect(prefilled.value).toBe(text);
    const long = await (
      await consultant.submit(edit, { speech: `${text} ${'More words here. '.repeat(20)}` })
    ).reply();
    expect(messageText(long)).toMatch(/characters; the limit is 300/);
    expect(controlsOf(long).map((c) => c.label)).toEqual(['Edit…']);
    const edit2 = await consultant.click(long, 'Edit…');
    const good = await (await consultant.submit(edit2, { speech: text })).reply();
    const sent = await consultant.click(good, 'Send');
    expect(await sent.text()).toBe('Your speech is in.');
    // The AI judge decides; the consultant sees the outcome (no reward line: that is the judge's).
    const outcome = await until(
      () => consultant.messages(thread!).find((m) => messageText(m).includes('The verdict is in')),
      'the verdict',
    );
    expect(messageText(outcome)).not.toContain('Your reward');
    const trial = (await world.db.trials.list(consultancy.name)).find((t) => t.status === 'finished')!;
    const speech = (await world.events(trial.id)).find((e) => e.type === 'ArgumentSubmitted');
    expect(speech).toMatchObject({ text });
  });

  it('chats with the assistant in sandwiching, then answers; an admin’s reminder comes by DM', async () => {
    const person = world.person('300000000000000003');
    const admin = world.person('300000000000000004', { roles: ['Researcher'] });
    await (await person.run('join', { experiment: sandwiching.name })).reply();
    await (await person.run('next', { experiment: sandwiching.name })).reply();
    const [thread] = person.threads();
    const turn1 = await person.waitTurn(thread!, /Your turn \(message 1 of up to 2\)/);
    expect(person.text(thread!)).toContain('You cannot see the story; the assistant can.');
    const reminded = await (await admin.run('remind', { experiment: sandwiching.name }, 'admin')).text();
    expect(reminded).toBe('Reminding 1 person by DM.');
    const reminder = await until(
      () => world.fake.dms(person.id).find((m) => m.content.startsWith('**Reminder')),
      'the reminder',
    );
    expect(reminder.content).toMatch(/Reminder: your turn \(message 1 of up to 2\)/);

    // Each message carries the person's current credence (beliefs each round), then the text.
    const first = await (await person.select(turn1, '60')).reply();
    expect(controlsOf(first).map((c) => c.label)).toEqual(['Ask or comment…', 'End with this verdict']);
    const write = await person.click(first, 'Ask or comment…');
    expect(write.modal).toMatchObject({ title: 'Your message' });
    const sent = await person.submit(write, { comment: 'Where does the pilot go first?' });
    expect([6, 7]).toContain(sent.ack?.type);
    expect(await sent.text()).toMatch(/^Sent/);
    const turn2 = await person.waitTurn(thread!, /message 2/, turn1);
    expect(person.text(thread!)).toMatch(/Assistant · round 1/);
    const choice = await (await person.select(turn2, '75')).reply();
    expect(controlsOf(choice).map((c) => c.label)).toEqual(['Ask or comment…', 'End with this verdict']);
    const done = await person.click(choice, 'End with this verdict');
    expect(await done.text()).toContain('Verdict recorded: A 75%, B 25%.');
    await until(
      () => person.messages(thread!).some((m) => messageText(m).includes('The verdict is in')),
      'the verdict',
    );
  });
});
