// A study as people meet it in Slack, with what a real study holds: the bundled NYU stories, three
// rounds at charLimit 2,500 full of quotes, answers over 300 characters that differ only late (the
// judge's modal must tell them apart), a question with four answers (a trial shows two), a
// 6,000-character consent, a five-question survey with long questions and 25 long choices, a
// leaderboard of 50, an App Home with 30 trials waiting, emoji, right-to-left text and words that must
// not ping or link. Every request must be one Slack takes (the audit fails the test otherwise), and
// every word a person must read must reach them whole.
import type { Question, TrialEvent } from '@oversight/core';
import { speechForPeople } from '@oversight/core';
import { loadBundledQuestions } from '@oversight/runner';
import {
  CONSENT_LAST_SENTENCE,
  type FakeOpenAIServer,
  longConsent,
  longSurvey,
  realisticQuestions,
  speechReplier,
  startFakeOpenAI,
} from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alice,
  bob,
  eventsOf,
  lastModal,
  llm,
  planInto,
  slackPeople,
  startWorld,
  type World,
  waitFor,
  withButton,
} from './harness.ts';

let w: World;
let models: FakeOpenAIServer;
let study: Question[];
const consent = longConsent();
const survey = longSurvey();

type Json = Record<string, unknown>;
/** Every string a person reads in blocks or a view: text objects, labels, hints, options. */
function words(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Json;
      if ((o.type === 'plain_text' || o.type === 'mrkdwn') && typeof o.text === 'string') out.push(o.text);
      for (const [k, x] of Object.entries(o)) if (k !== 'text' || typeof x !== 'string') walk(x);
    }
  };
  walk(value);
  return out.join('\n');
}
/** mrkdwn as the person reads it: entities back to their characters, whitespace made single. */
const read = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&').replace(/\s+/g, ' ').trim();
const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  const bundled = await loadBundledQuestions();
  study = realisticQuestions(bundled);
  const byStory = new Map<string, Question>();
  for (const q of bundled) if (!byStory.has(q.storyId)) byStory.set(q.storyId, q);
  const distinct = [...byStory.values()];
  models = await startFakeOpenAI({ latencyMs: 5, reply: speechReplier(study.map((q) => q.source)) });
  w = await startWorld('realistic', async (db) => {
    await planInto(
      db,
      {
        name: 'realistic',
        judges: [slackPeople],
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
      models.url,
      study,
    );
    await planInto(
      db,
      {
        name: 'board',
        judges: [{ name: 'sim', count: 50, participant: { kind: 'simulated-judge' } }],
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
      models.url,
      distinct.slice(0, 50),
    );
    await planInto(
      db,
      {
        name: 'queue',
        judges: [slackPeople],
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
      models.url,
      distinct.slice(50, 80),
    );
    return ['realistic', 'board', 'queue'];
  });
}, 120_000);
afterAll(async () => {
  await w?.close();
  await models?.close();
}, 120_000);

describe('a study with realistic content, in Slack', () => {
  it('shows the 6,000-character consent whole in its modal, the last sentence before “I accept”', async () => {
    await w.driver.command(alice, 'join realistic');
    const modal = await waitFor('the consent modal', () => lastModal(w.slack, /^ov1:accept:/));
    expect(consent.length).toBeGreaterThanOrEqual(6000);
    expect(read(words(modal.view.blocks))).toContain(flat(consent));
    expect(read(words(modal.view.blocks))).toContain(CONSENT_LAST_SENTENCE);
    expect((modal.view.submit as Json).text).toBe('I accept');
    await w.driver.submit(alice, modal, {});
    await waitFor('the participant', () =>
      w.db.participants.byIdentity('realistic', `slack:${alice.team}/${alice.id}`),
    );
  });

  it('judges both trials over three rounds: the answers whole in the modal, every speech whole, the survey whole', async () => {
    const { slack, driver, db } = w;
    const dm = slack.dm(alice.id);
    for (let n = 0; n < 2; n++) {
      await waitFor(
        'a judge seat',
        async () => (await db.trials.owedIn('realistic')).some((o) => o.role === 'judge'),
        60_000,
      );
      const parentsBefore = new Set(slack.messages(dm).map((m) => m.ts));
      await driver.command(alice, 'next realistic');
      // The new trial's parent message (its header names the protocol and the story).
      const parent = await waitFor('the parent message', () =>
        slack
          .messages(dm)
          .find(
            (m) =>
              !m.thread_ts &&
              !parentsBefore.has(m.ts) &&
              (m.blocks as Json[] | undefined)?.[0]?.type === 'header',
          ),
      );
      const trial = await waitFor('the trial', async () =>
        (await db.trials.list('realistic')).find((t) => t.judgeId && t.status !== 'finished'),
      );
      const created = (await eventsOf(db, trial.id))[0] as Extract<TrialEvent, { type: 'TrialCreated' }>;
      const question = study.find((q) => q.id === created.questionId)!;
      const shown = created.displayed.map((i) => question.answers[i]!);
      const parentText = read(words(parent.blocks));
      expect(parentText).toContain(flat(question.question));
      for (const a of shown) expect(parentText).toContain(flat(a));
      let previous = '';
      for (;;) {
        const turn = await waitFor(
          'the judge’s turn',
          () =>
            withButton(slack.thread(dm, parent.ts), /^(Judge now|Submit verdict)$/)
              .filter((m) => m.ts !== previous)
              .at(-1),
          120_000,
        );
        previous = turn.ts;
        // Every speech so far whole, as the judge reads it (plain text, shown literally).
        const thread = flat(
          slack
            .thread(dm, parent.ts)
            .map((m) => words(m.blocks))
            .join('\n'),
        );
        for (const s of (await eventsOf(db, trial.id)).filter((e) => e.type === 'ArgumentSubmitted'))
          expect(thread).toContain(flat(speechForPeople(s.text)));
        const final = withButton([turn], 'Submit verdict').length > 0;
        const seen = new Set(slack.views().map((v) => v.id));
        await driver.clickMessage(alice, turn, final ? 'Submit verdict' : 'Judge now');
        const modal = await waitFor('the judge modal', () =>
          slack.views().find((v) => !seen.has(v.id) && String(v.view.callback_id).startsWith('ov1:numbers:')),
        );
        // Each answer whole as its box's label, so answers that differ late can be told apart.
        const labels = (modal.view.blocks as Json[])
          .filter((b) => b.type === 'input' && String(b.block_id).startsWith('credence-'))
          .map((b) => (b.label as Json).text);
        expect(labels).toEqual(shown.map((a, i) => `${'AB'[i]}. ${a}`));
        const answer = await driver.submit(
          alice,
          modal,
          final ? { 'credence-0': '60' } : { 'credence-0': '60', next: 'continue' },
        );
        expect(answer.body).toBe('');
        if (final) break;
      }
      const log = await eventsOf(db, trial.id);
      expect(log.filter((e) => e.type === 'ArgumentSubmitted')).toHaveLength(6);
      const outcome = await waitFor('the outcome', () =>
        slack.thread(dm, parent.ts).find((m) => words(m.blocks).includes('The correct answer was')),
      );
      await driver.clickMessage(alice, outcome, 'Answer the survey');
      const form = await waitFor('the survey', () =>
        slack.views().find((v) => String(v.view.callback_id).startsWith(`ov1:survey:${trial.ref}`)),
      );
      const inputs = (form.view.blocks as Json[]).filter((b) => b.type === 'input');
      expect(inputs.map((b) => (b.label as Json).text)).toEqual(survey.map((q) => q.question));
      // Every choice whole across an option's text and description.
      const choice = inputs.find((b) => b.block_id === 'q-reason')!;
      const options = ((choice.element as Json).options as Json[]).map((o) =>
        [(o.text as Json).text, (o.description as Json | undefined)?.text].filter(Boolean).join(' '),
      );
      expect(options).toEqual(survey[3]!.options);
      const values = {
        'q-clarity': '4',
        'q-trust': '3',
        'q-effort': '2',
        'q-reason': survey[3]!.options![5]!,
        'q-notes': 'Quotes decided it 👍🏽 שָׁלוֹם',
      };
      expect((await driver.submit(alice, form, values)).body).toBe('');
      await waitFor('the answers', async () =>
        (await eventsOf(db, trial.id)).find((e) => e.type === 'FeedbackSubmitted'),
      );
      const feedback = (await eventsOf(db, trial.id)).find((e) => e.type === 'FeedbackSubmitted')!;
      expect(feedback).toMatchObject({ answers: { clarity: 4, reason: survey[3]!.options![5] } });
    }
  }, 600_000);

  it('shows a leaderboard of 50 judges, every line whole', async () => {
    await waitFor(
      'fifty simulated judgments',
      async () => (await w.db.judgments.list('board')).length >= 50,
      120_000,
    );
    const judges = new Set((await w.db.judgments.list('board')).map((j) => j.judgeId)).size;
    const before = w.slack.responses().length;
    await w.driver.command(bob, 'leaderboard board');
    const response = await waitFor('the leaderboard', () =>
      w.slack
        .responses()
        .slice(before)
        .find((r) => String(r.text).startsWith('Leaderboard')),
    );
    const lines = words(response.blocks)
      .split('\n')
      .filter((l) => /% correct \(\d+\)$/.test(l));
    expect(judges).toBeGreaterThanOrEqual(45);
    expect(lines).toHaveLength(Math.min(50, judges));
  }, 180_000);

  it('puts 30 waiting trials on the App Home, each one open-able', async () => {
    const { slack, driver, db, app } = w;
    await driver.command(alice, 'join queue');
    const me = await waitFor('alice in queue', () =>
      db.participants.byIdentity('queue', `slack:${alice.team}/${alice.id}`),
    );
    const trials = (await db.trials.list('queue')).slice(0, 30);
    for (const t of trials) await app.bot.chat.reassign(t.ref, 'judge', me.id, 'admin test', 'a long queue');
    expect((await db.trials.owedBy(me.id, 'queue')).length).toBe(30);
    await driver.homeOpened(alice);
    const home = await waitFor('the Home tab with the queue', () => {
      const v = slack.home(alice.id);
      return v && words(v.view.blocks).includes('Waiting on you (30)') ? v : null;
    });
    // The queue experiment's part of the Home tab: from its header to the divider after it.
    const all = home.view.blocks as Json[];
    const start = all.findIndex((b) => b.type === 'header' && (b.text as Json).text === 'queue');
    const end = all.findIndex((b, i) => i > start && b.type === 'divider');
    const blocks = all.slice(start, end);
    const opens = blocks.filter(
      (b) =>
        (b.accessory as Json | undefined)?.type === 'button' &&
        String((b.accessory as Json).action_id).includes(':show:'),
    );
    const menu = blocks.find((b) => (b.accessory as Json | undefined)?.type === 'static_select');
    const inMenu = ((menu?.accessory as Json | undefined)?.options as Json[] | undefined) ?? [];
    const refs = new Set([
      ...opens.map((b) => String((b.accessory as Json).action_id).split(':')[2]),
      ...inMenu.map((o) => String(o.value).split(':')[2]),
    ]);
    expect(refs).toEqual(new Set(trials.map((t) => t.ref)));
    // One from the menu opens like any other.
    if (menu) {
      const chosen = String(inMenu.at(-1)!.value);
      const seen = new Set(slack.views().map((v) => v.id));
      await driver.clickView(alice, home, String((menu.accessory as Json).action_id), { selected: chosen });
      const opened = await waitFor('the trial opened from the menu', () =>
        slack.views().find((v) => !seen.has(v.id) && words(v.view.blocks).includes('Judge alone')),
      );
      expect(words(opened.view.blocks)).toMatch(/Your verdict/);
    }
  }, 180_000);
});
