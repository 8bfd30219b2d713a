// A study as people meet it in Discord, with what a real study holds: the bundled NYU stories, three
// rounds at charLimit 2,500 full of quotes, answers over 300 characters that differ only late, a
// question with four answers (a trial shows two of them), a 6,000-character consent, a five-question survey with long questions
// and 25 long choices, a leaderboard of 50, emoji, right-to-left text and words that must not ping.
// Every request must be one Discord takes (the audit fails the test otherwise), and every word a
// person must read must reach them whole.
import { type Question, speechForPeople, type TrialEvent } from '@oversight/core';
import { loadBundledQuestions } from '@oversight/runner';
import {
  CONSENT_LAST_SENTENCE,
  controlsOf,
  type FakeDiscordMessage as FakeMessage,
  longConsent,
  longSurvey,
  messageText,
  modalText,
  realisticQuestions,
  speechReplier,
} from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, person, startWorld, until, type World } from './harness.ts';

let world: World;
let study: Question[];
const consent = longConsent();
const survey = longSurvey();

/** Discord shows an escaped character as itself: what the person reads, whitespace made single. */
const read = (text: string) => text.replaceAll(/\\(.)/g, '$1').replace(/\s+/g, ' ').trim();
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  const bundled = await loadBundledQuestions();
  study = realisticQuestions(bundled);
  // Fifty questions of distinct stories for fifty simulated judges: the leaderboard's rows.
  const seen = new Set<string>();
  const boardQuestions = bundled.filter((q) => !seen.has(q.storyId) && seen.add(q.storyId)).slice(0, 50);
  world = await startWorld(
    [
      {
        name: 'realistic',
        judges: [{ name: 'people', participant: person }],
        consent: { text: consent, version: 'v2' },
        survey,
        arms: [
          {
            name: 'debate',
            protocol: 'debate',
            rounds: 3,
            charLimit: 2500,
            quoteLimit: 1500,
            trialsPerQuestion: 1,
            arguer: llm('arguer'),
          },
        ],
      },
      {
        name: 'board',
        judges: [{ name: 'sim', count: 50, participant: { kind: 'simulated-judge' } }],
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
    ],
    {
      plans: { realistic: { questions: study }, board: { questions: boardQuestions } },
      openai: { latencyMs: 5, reply: speechReplier(study.map((q) => q.source)) },
    },
  );
}, 120_000);
afterAll(async () => {
  await world?.close();
});

describe('a study with realistic content, in Discord', () => {
  it('shows the 6,000-character consent whole, its last sentence before “I accept”', async () => {
    const judge = world.person('500000000000000001', { name: 'judge' });
    const join = await judge.run('join', { experiment: 'realistic' });
    const first = await join.reply();
    // The rest follows as ephemeral follow-ups, the buttons on the last.
    await until(() => join.followups().some((m) => controlsOf(m).length > 0), 'the consent’s follow-ups');
    expect(consent.length).toBeGreaterThanOrEqual(6000);
    const messages = [first, ...join.followups()];
    expect(messages.length).toBeGreaterThan(1);
    const text = messages.flatMap((m) => m.embeds.map((e) => String(e.description ?? ''))).join(' ');
    expect(flat(text)).toBe(flat(consent));
    // The buttons come after the last sentence.
    const last = messages.at(-1)!;
    expect(String(last.embeds.at(-1)?.description)).toContain(CONSENT_LAST_SENTENCE);
    expect(controlsOf(last).map((c) => c.label)).toEqual(['I accept', 'I decline']);
    expect(controlsOf(first)).toEqual([]);
    const accepted = await judge.click(last, 'I accept');
    expect(await accepted.text()).toMatch(/You have joined \*\*realistic\*\*/);
  });

  it('judges both trials over three rounds: question, every answer and every speech whole; the survey in pages', async () => {
    const judge = world.person('500000000000000001', { name: 'judge' });
    for (let trialNumber = 0; trialNumber < 2; trialNumber++) {
      await until(
        async () => (await world.db.trials.owedIn('realistic')).some((o) => o.role === 'judge'),
        'a judge seat',
        60_000,
      );
      const next = await judge.run('next', { experiment: 'realistic' });
      expect(await next.text()).toMatch(/A new trial for you/);
      const thread = judge.threads().at(-1)!;
      let previous: FakeMessage | undefined;
      for (;;) {
        const turn = await judge.waitTurn(thread, undefined, previous);
        previous = turn;
        const trial = (await world.db.trials.list('realistic')).find(
          (t) => t.judgeId && t.status !== 'finished',
        );
        const events = (await world.db.events.load(trial!.id)).map((e) => e.payload as TrialEvent);
        const created = events[0] as Extract<TrialEvent, { type: 'TrialCreated' }>;
        const question = study.find((q) => q.id === created.questionId)!;
        const screen = read(judge.text(thread));
        // The question and both answers shown (a trial shows the correct one and one other, even of
        // four) whole, however long.
        const shownAnswers = created.displayed.map((i) => question.answers[i]!);
        expect(screen).toContain(flat(question.question));
        for (const answer of shownAnswers) expect(screen).toContain(flat(answer));
        // Every speech so far whole, as the judge reads it.
        const speeches = events.filter((e) => e.type === 'ArgumentSubmitted');
        expect(speeches.length).toBeGreaterThanOrEqual(2);
        for (const s of speeches) expect(screen).toContain(flat(speechForPeople(s.text)));
        const final = /Your verdict/.test(turn.content);
        const labels = controlsOf(turn).map((c) => c.label);
        let choice: FakeMessage;
        if (labels.includes('Your credence…')) {
          // Four answers: exact numbers in a modal that shows each answer whole.
          const open = await judge.click(turn, 'Your credence…');
          const shown = read(modalText(open.modal!));
          for (const answer of shownAnswers) expect(shown).toContain(flat(answer));
          const n = shownAnswers.length;
          const values = Object.fromEntries(
            shownAnswers.map((_, i) => [`credence-${i}`, String(i === 0 ? 100 - 10 * (n - 1) : 10)]),
          );
          choice = await (await judge.submit(open, values)).reply();
        } else choice = await (await judge.select(turn, '60')).reply();
        const buttons = controlsOf(choice).map((c) => c.label);
        if (final) {
          expect(await (await judge.click(choice, 'Submit verdict')).text()).toMatch(/Verdict recorded/);
          break;
        }
        expect(buttons).toContain('Continue');
        await (await judge.click(choice, 'Continue')).text();
      }
      // Three rounds of both debaters, each speech near the limit with its quotes checked.
      const done = (await world.db.trials.list('realistic')).filter((t) => t.status === 'finished');
      const log = (await world.db.events.load(done.at(-1)!.id)).map((e) => e.payload as TrialEvent);
      const speeches = log.filter((e) => e.type === 'ArgumentSubmitted');
      expect(speeches).toHaveLength(6);
      for (const s of speeches) expect(s.text.replace(/<\/?quote>/g, '').length).toBeGreaterThan(2000);

      // The outcome lists the survey's questions whole; the survey opens in pages that fit Discord's
      // five components, every question and every choice read whole.
      const outcome = await until(
        () => judge.messages(thread).find((m) => messageText(m).includes('The verdict is in')),
        'the outcome',
      );
      for (const q of survey) expect(read(messageText(outcome))).toContain(flat(q.question));
      const surveyButton = await until(
        () => judge.messages(thread).find((m) => controlsOf(m).some((c) => c.label === 'Answer the survey…')),
        'the survey button',
      );
      let opened = await judge.click(surveyButton, 'Answer the survey…');
      const seen = new Set<string>();
      for (let page = 0; page < 5; page++) {
        const modal = opened.modal!;
        const text = read(modalText(modal));
        const inputs = (modal.components as Array<Record<string, unknown>>)
          .filter((c) => c.type === 18)
          .map(
            (c) =>
              c.component as {
                custom_id: string;
                type: number;
                options?: Array<{ label: string; value: string }>;
              },
          );
        const values: Record<string, string | string[]> = {};
        for (const input of inputs) {
          const q = survey.find((x) => x.id === input.custom_id)!;
          seen.add(q.id);
          expect(text).toContain(flat(q.question));
          if (q.kind === 'choice') {
            // Every choice whole as an option of the select.
            expect(input.options!.map((o) => o.label)).toEqual(q.options);
            values[q.id] = [q.options![3]!];
          } else if (q.kind === 'scale') values[q.id] = '4';
          else values[q.id] = 'The quotes decided it. 👍🏽 שָׁלוֹם';
        }
        const submitted = await judge.submit(opened, values);
        const reply = await submitted.reply();
        if (seen.size === survey.length) {
          expect(messageText(reply)).toBe('Thank you!');
          break;
        }
        expect(messageText(reply)).toMatch(new RegExp(`Thank you: ${seen.size} of 5 answered`));
        opened = await judge.click(reply, /^Next questions/);
      }
      expect(seen.size).toBe(5);
      const after = (await world.db.events.load(done.at(-1)!.id)).map((e) => e.payload as TrialEvent);
      const answers = Object.assign(
        {},
        ...after.filter((e) => e.type === 'FeedbackSubmitted').map((e) => e.answers),
      ) as Record<string, unknown>;
      expect(Object.keys(answers).sort()).toEqual(survey.map((q) => q.id).sort());
      expect(answers.reason).toBe(survey[3]!.options![3]);
    }
  }, 600_000);

  it('shows a leaderboard of 50 judges, every line whole', async () => {
    await until(
      async () => (await world.db.judgments.list('board')).length >= 50,
      'fifty simulated judgments',
      120_000,
    );
    const judges = new Set((await world.db.judgments.list('board')).map((j) => j.judgeId));
    const asker = world.person('500000000000000002', { name: 'asker' });
    const board = await asker.run('leaderboard', { experiment: 'board' });
    await board.reply();
    // Lines enough to fill more than one message's 6,000 characters would follow; wait for quiet.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const messages = [await board.reply(), ...board.followups()];
    const lines = messages
      .flatMap((m) =>
        m.embeds.flatMap((e) => ((e.fields ?? []) as Array<{ value: string }>).map((f) => f.value)),
      )
      .join('\n')
      .split('\n')
      .filter((l) => /judged, \d+% correct\)$/.test(l));
    expect(lines).toHaveLength(Math.min(50, judges.size));
    expect(judges.size).toBeGreaterThanOrEqual(45);
    expect(lines.map((l) => Number(l.split('.')[0]))).toEqual(lines.map((_, i) => i + 1));
  }, 180_000);
});
