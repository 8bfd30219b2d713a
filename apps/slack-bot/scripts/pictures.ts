// The README's pictures, from what the app really sent: a person plays an interactive debate against
// AI debaters (fake OpenAI server) through the fake Slack; the Block Kit of the thread, of the judge's
// modal and of the Home tab is rendered as HTML and screenshotted in headless Chromium. Then a judge of
// a bundled NYU question whose two answers (314 and 335 characters) differ only late: the judge modal
// with each answer whole as its box's label, and the five-question survey modal after the verdict.
//   pnpm --filter @oversight/slack-bot pictures        (writes docs/images/slack-*.png)
import fs from 'node:fs';
import path from 'node:path';
import { loadBundledQuestions } from '@oversight/runner';
import { type FakeMessage, type FakeView, LONG_ANSWERS_QUESTION, longSurvey } from '@oversight/testkit';
import { chromium } from 'playwright-core';
import {
  alice,
  bob,
  clickForModal,
  llm,
  planInto,
  slackPeople,
  startWorld,
  textOf,
  waitFor,
  withButton,
} from '../test/harness.ts';
import { blocksHtml, STYLE } from './blockkit-html.ts';

const out = path.resolve(import.meta.dirname, '../../../docs/images');
const EXP = 'quality-debate';
const LONG = 'long-answers';
const longQuestion = (await loadBundledQuestions()).find((q) => q.id === LONG_ANSWERS_QUESTION)!;

const w = await startWorld('pictures', async (db, url) => {
  await planInto(
    db,
    {
      name: EXP,
      judges: [slackPeople],
      consent: {
        text: 'You will judge short debates about stories you have not read. Your answers are kept under a pseudonym.',
      },
      survey: [{ id: 'clear', question: 'How clear were the debaters?' }],
      chat: { admins: { slackUsers: [alice.id] } },
      arms: [
        {
          name: 'interactive',
          protocol: 'interactive-debate',
          rounds: 2,
          trialsPerQuestion: 2,
          arguer: llm('debater'),
        },
      ],
    },
    url,
  );
  await planInto(
    db,
    {
      name: LONG,
      judges: [slackPeople],
      survey: longSurvey(),
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    },
    url,
    [longQuestion],
  );
  return [EXP, LONG];
});

try {
  const { slack, driver } = w;
  await driver.command(alice, `join ${EXP}`);
  const consent = await waitFor('consent', () =>
    slack.views().find((v) => String(v.view.callback_id).startsWith('ov1:accept')),
  );
  await driver.submit(alice, consent, {});
  await waitFor('joined', () => slack.messages(slack.dm(alice.id)).length > 0);
  await driver.command(alice, `next ${EXP}`);
  const dm = slack.dm(alice.id);
  const parent = await waitFor('thread', () =>
    slack.messages(dm).find((m) => textOf(m).includes('Interactive debate')),
  );
  const turn = await waitFor('turn', () => withButton(slack.thread(dm, parent.ts), 'Judge now')[0]);
  const modal = await clickForModal(w, alice, turn, 'Judge now', /^ov1:numbers:/);
  const atTurn = structuredClone(slack.thread(dm, parent.ts));
  const modalAtTurn = structuredClone(modal);
  await driver.submit(alice, modal, {
    'credence-0': '65',
    next: 'continue',
    comment: 'Which chapter says what the pilot did? Quote it.',
  });
  const final = await waitFor(
    'final turn',
    () => withButton(slack.thread(dm, parent.ts), 'Submit verdict')[0],
  );
  const verdict = await clickForModal(w, alice, final, 'Submit verdict', /^ov1:numbers:/);
  await driver.submit(alice, verdict, { 'credence-0': '80' });
  await waitFor('outcome', () =>
    slack.thread(dm, parent.ts).find((m) => textOf(m).includes('The correct answer was')),
  );
  await driver.command(alice, `next ${EXP}`);
  await waitFor(
    'second trial',
    () => slack.messages(dm).filter((m) => textOf(m).includes('Interactive debate')).length > 1,
  );
  await new Promise((r) => setTimeout(r, 500));
  await driver.homeOpened(alice);
  const home = await waitFor('home', () => slack.home(alice.id));

  // The long answers: judged alone, then the survey.
  const answered = slack.responses().length;
  await driver.command(bob, `join ${LONG}`);
  await waitFor('bob joined', () => slack.responses().length > answered);
  await driver.command(bob, `next ${LONG}`);
  const bobDm = slack.dm(bob.id);
  const bobTurn = await waitFor(
    'bob’s turn',
    () =>
      withButton(
        slack.messages(bobDm).flatMap((m) => [m, ...slack.thread(bobDm, m.ts)]),
        'Submit verdict',
      )[0],
  );
  const longModal = structuredClone(await clickForModal(w, bob, bobTurn, 'Submit verdict', /^ov1:numbers:/));
  await driver.submit(bob, longModal, { 'credence-0': '70' });
  const outcomeLong = await waitFor(
    'bob’s outcome',
    () =>
      withButton(
        slack.messages(bobDm).flatMap((m) => [m, ...slack.thread(bobDm, m.ts)]),
        'Answer the survey',
      )[0],
  );
  const surveyModal = await clickForModal(w, bob, outcomeLong, 'Answer the survey', /^ov1:survey:/);

  const message = (m: FakeMessage) =>
    `<div class="msg"><div class="avatar">O</div><div class="body"><div class="who">oversight <span class="app">APP</span></div>${blocksHtml((m.blocks ?? []) as never)}</div></div>`;
  const thread = (messages: FakeMessage[]) =>
    `<div class="title">Direct message · oversight</div><div class="pane">${message(messages[0]!)}<div class="thread">${messages.slice(1).map(message).join('')}</div></div>`;
  const modalHtml = (v: FakeView) => {
    const view = v.view as { title: { text: string }; submit?: { text: string }; blocks: never[] };
    return `<div class="modal"><div class="mtitle">${view.title.text}</div><div class="mbody">${blocksHtml(view.blocks)}</div><div class="mfoot"><span class="button">Cancel</span> <span class="button primary">${view.submit?.text ?? 'Close'}</span></div></div>`;
  };
  // A modal by itself, centred on Slack's dimmed backdrop.
  const alone = (v: FakeView) =>
    `<div style="background:#8a8a8a;padding:24px 0;overflow:hidden;min-height:100vh;box-sizing:border-box">${modalHtml(v).replace('class="modal"', 'class="modal" style="position:static;margin:0 auto"')}</div>`;
  const pages: Array<[string, string]> = [
    ['slack-thread.png', thread(slack.thread(dm, parent.ts))],
    [
      'slack-judge-modal.png',
      `<div class="stage">${thread(atTurn)}<div class="shade"></div>${modalHtml(modalAtTurn)}</div>`,
    ],
    ['slack-judge-modal-long.png', alone(longModal)],
    ['slack-survey.png', alone(surveyModal)],
    [
      'slack-home.png',
      `<div class="title">oversight · Home</div><div class="pane">${blocksHtml((home.view.blocks as never[]) ?? [])}</div>`,
    ],
  ];
  fs.mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 940, height: 600 }, deviceScaleFactor: 1 });
    for (const [file, body] of pages) {
      await page.setContent(
        `<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head><body>${body}</body></html>`,
      );
      await page.screenshot({ path: path.join(out, file), fullPage: true });
      console.log(`wrote docs/images/${file}`);
    }
  } finally {
    await browser.close();
  }
} finally {
  await w.close();
}
