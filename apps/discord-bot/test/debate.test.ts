// A person joins, gets a trial in a private thread, and judges a debate between AI debaters (the fake
// OpenAI server) to a verdict and the survey; someone else's click, a stale click and a duplicated
// interaction change nothing; status, leaderboard and the admin commands.
import { TRIAL_THREAD_NAME } from '@oversight/chat';
import { controlsOf, messageText } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTENTS } from '../src/bot.ts';
import { llm, person, RESEARCHER_ROLE, startWorld, until, type World } from './harness.ts';

let world: World;
const experiment = {
  name: 'discord-debate',
  judges: [{ name: 'people', participant: person }],
  consent: { text: 'You will judge short debates. We keep your answers under a pseudonym.', version: 'v1' },
  survey: [
    { id: 'clear', question: 'How clear were the debaters?' },
    { id: 'notes', question: 'Anything else?', kind: 'text' },
  ],
  chat: { admins: { discordRoles: [RESEARCHER_ROLE] } },
  arms: [
    { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, arguer: llm('arguer-model') },
  ],
};

beforeAll(async () => {
  world = await startWorld([experiment]);
});
afterAll(async () => {
  await world?.close();
});

describe('a debate judged in Discord', () => {
  it('connects with the Guilds intent only and registers /oversight in the guild', () => {
    expect(INTENTS).toEqual([1]);
    expect(world.fake.gateway.intents).toBe(1);
    const commands = world.fake.state.commands.get(world.fake.guildId)!;
    expect(commands.map((c) => c.name)).toEqual(['oversight']);
  });

  it('joins under a pseudonym, judges AI debaters to a verdict and answers the survey', async () => {
    const { fake } = world;
    const alice = world.person('200000000000000001', { name: 'alice' });
    const bob = world.person('200000000000000002', { name: 'bob', roles: ['Moderator'] });

    // Join: the consent text, then Accept.
    const join = await alice.run('join', { experiment: experiment.name });
    const consent = await join.reply();
    expect(messageText(consent)).toContain('We keep your answers under a pseudonym.');
    expect(consent.flags & 64).toBe(64);
    const accepted = await alice.click(consent, 'I accept');
    expect([6, 7]).toContain(accepted.ack?.type);
    const welcome = await accepted.text();
    expect(welcome).toMatch(/You have joined \*\*discord-debate\*\* as \*\*[^*]+\*\*/);
    expect(welcome).not.toContain(alice.id);

    // Next: a private thread whose name reveals nothing, with the question and answers.
    const next = await alice.run('next', { experiment: experiment.name });

    expect(next.ack?.type).toBe(5);
    expect(await next.text()).toMatch(/A new trial for you: <#\d+>/);
    const [thread] = alice.threads();
    expect(thread).toMatchObject({ type: 12, thread_metadata: { invitable: false } });
    // Named before its trial was known, the same for every trial (spares.ts).
    expect(thread!.name).toBe(TRIAL_THREAD_NAME);
    const turn1 = await alice.waitTurn(thread!, /Your turn after round 1 of 2/);
    const screen = alice.text(thread!);
    expect(screen).toMatch(/What did the pilot of tale \d do first\?/);
    expect(screen).toMatch(/\*\*A\.\*\* (mapped the reef|repaired the beacon) — \*Debater A\*/);
    expect(screen).toContain('Debater A · round 1');
    expect(screen).toContain('Debater B · round 1');
    expect(screen).toMatch(/Quotes: 1 verified/);
    expect(screen).toMatch(/✓ “/);
    // The judge never gets the story beyond quotes, nor who is honest.
    expect(screen).not.toContain('The story');
    expect(screen).not.toMatch(/correct answer/i);

    const trial = (await world.db.trials.list(experiment.name)).find((t) => t.judgeId)!;
    // What the judge has recorded (the AI debaters go on speaking meanwhile).
    const judged = new Set(['BeliefReported', 'JudgeInterjected', 'VerdictSubmitted']);
    const count = async () => (await world.events(trial.id)).filter((e) => judged.has(e.type)).length;
    const before = await count();

    // Someone else (a moderator sees private threads): refused, nothing recorded.
    const foreign = await bob.select(turn1, '70');
    expect(await foreign.text()).toMatch(/not your trial/);
    expect(await count()).toBe(before);

    // Bad input never reaches the log: the exact-numbers modal with numbers that do not add up.
    const numbers = await alice.click(turn1, 'Exact numbers…');
    expect(numbers.modal).toMatchObject({ title: 'Your credence' });
    const wrong = await alice.submit(numbers, { 'credence-0': '70', 'credence-1': '50' });
    expect([4, 5]).toContain(wrong.ack?.type);
    expect((await wrong.reply()).flags & 64).toBe(64);
    expect(await count()).toBe(before);

    // The credence select, then Continue.
    const chosen = await alice.select(turn1, '70');
    const choice = await chosen.reply();
    expect(messageText(choice)).toContain('Your credence: A 70%, B 30%.');
    const cont = await alice.click(choice, 'Continue');
    expect(await cont.text()).toMatch(/Recorded: A 70%, B 30%/);
    expect(await count()).toBe(before + 1);

    // The same interaction delivered again: Discord refuses a second acknowledgement, no new event.
    const refusals = await fake.redeliver(cont);
    expect(refusals).toEqual(['already acknowledged']);
    expect(await count()).toBe(before + 1);

    // The old screen's select: out of date, nothing recorded.
    const stale = await alice.select(turn1, '40');
    expect(await stale.text()).toMatch(/out of date|not your turn/i);
    expect(await count()).toBe(before + 1);

    // Round 2 arrives from the AI debaters; the verdict.
    const turn2 = await alice.waitTurn(thread!, /Your verdict/, turn1);
    expect(alice.text(thread!)).toContain('Debater B · round 2');
    const final = await (await alice.select(turn2, '80')).reply();
    expect(messageText(final)).not.toContain('Continue');
    const verdict = await alice.click(final, 'Submit verdict');
    expect(await verdict.text()).toContain('Verdict recorded: A 80%, B 20%.');

    // The outcome in the thread, then the survey.
    const outcome = await until(
      () => alice.messages(thread!).find((m) => messageText(m).includes('The verdict is in')),
      'the outcome',
    );
    const outcomeText = messageText(outcome);
    expect(outcomeText).toMatch(/Correct answer\n\*\*[AB]\*\*/);
    expect(outcomeText).toMatch(/Debater A defended A \((the correct answer|a wrong answer)\)/);
    expect(outcomeText).toMatch(/Your reward\n-?\d\.\d{3}/);
    expect(outcomeText).toContain('1. How clear were the debaters?');
    const surveyButton = await until(
      () => alice.messages(thread!).find((m) => controlsOf(m).some((c) => c.label === 'Answer the survey…')),
      'the survey button',
    );
    const survey = await alice.click(surveyButton, 'Answer the survey…');
    expect(survey.modal).toMatchObject({ title: 'A few questions' });
    // The scale is a radio group of 1 to 5; a modified client that sends 9 is refused, nothing recorded.
    const badSurvey = await fake.forge(alice.id, thread!.id, 5, {
      custom_id: String(survey.modal!.custom_id),
      components: [
        { type: 18, id: 1, component: { type: 21, id: 2, custom_id: 'clear', value: '9' } },
        { type: 18, id: 3, component: { type: 4, id: 4, custom_id: 'notes', value: '' } },
      ],
    });
    expect(await badSurvey.text()).toMatch(/1 to 5/);
    const survey2 = await alice.click(surveyButton, 'Answer the survey…');
    const thanks = await alice.submit(survey2, { clear: '4', notes: 'Debater B quoted well.' });
    expect(await thanks.text()).toBe('Thank you!');
    const log = await world.events(trial.id);
    expect(log.filter((e) => e.type === 'VerdictSubmitted')).toHaveLength(1);
    expect(log.filter((e) => e.type === 'ArgumentSubmitted')).toHaveLength(4);
    expect(log.at(-1)).toMatchObject({ type: 'FeedbackSubmitted', answers: { clear: 4 } });

    // Status and leaderboard: counts, pseudonyms only.
    const status = await (await alice.run('status')).text();
    expect(status).toMatch(/1 trial, 1 judged/);
    // The chat layer's running-reward line (no payment rule in this experiment, so no amount).
    expect(status).toMatch(/Reward so far -?\d+\.\d\d over 1 verdict \(mean -?\d+\.\d{3}\)\./);
    const board = await (await alice.run('leaderboard', { experiment: experiment.name })).text();
    const label = (await world.db.participants.list(experiment.name)).find(
      (p) => p.identity === `discord:${alice.id}`,
    )!.label;
    expect(board).toContain(`1. ${label}`);
    expect(board).not.toContain(alice.id);

    // Leaving stops new trials.
    expect(await (await alice.run('leave', { experiment: experiment.name })).text()).toMatch(/no new trials/);
    expect(await (await alice.run('next', { experiment: experiment.name })).text()).not.toMatch(
      /A new trial/,
    );

    // She was at the trial for each of her turns: no DM interrupted her.
    expect(fake.dms(alice.id)).toEqual([]);

    // Every acknowledgement came in time, and nothing the bot sent was refused except the duplicate.
    const acks = [...fake.interactions.all.values()].map((i) => i.ack?.ms ?? Number.POSITIVE_INFINITY);
    expect(Math.max(...acks)).toBeLessThan(3000);
    const refused = fake.calls.filter((c) => c.status >= 400);
    expect(refused.map((c) => c.status)).toEqual([400]);
  });

  it('keeps admin commands to the role the config names by id', async () => {
    const carol = world.person('200000000000000003', { name: 'carol', roles: ['Researcher'] });
    const dave = world.person('200000000000000004', { name: 'dave' });
    expect(await (await dave.run('status', { experiment: experiment.name }, 'admin')).text()).toMatch(
      new RegExp(`Only members with the role <@&${RESEARCHER_ROLE}> may do that`),
    );
    const progress = await (await carol.run('status', { experiment: experiment.name }, 'admin')).text();
    expect(progress).toMatch(/finished: 1/);
    const open = (await world.db.trials.list(experiment.name)).find((t) => !t.judgeId)!;
    const aborted = await (
      await carol.run('abort', { trial: open.ref!, reason: 'bad question' }, 'admin')
    ).text();
    expect(aborted).toContain(`Trial ${open.ref} is aborted: bad question`);
    const again = await (await carol.run('abort', { trial: open.ref!, reason: 'twice' }, 'admin')).text();
    expect(again).toMatch(/already ended/);
    expect((await world.events(open.id)).filter((e) => e.type === 'TrialAborted')).toHaveLength(1);
  });
});
