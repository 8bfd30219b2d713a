// The README's pictures: a judge's thread in a debate with AI debaters (from the fake OpenAI server),
// a human consultant's speech preview, the judge's numbers modal for a bundled NYU question whose two
// answers run past 300 characters (shown whole), and the first page of a five-question survey (Label,
// Text Display, radio group and select components), exactly as the bot sent them through the fake
// Discord, rendered as HTML and screenshotted in headless Chromium.
//   pnpm --filter @oversight/discord-bot screenshot   (CHROMIUM=/path/to/chromium to override)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundledQuestions } from '@oversight/runner';
import type { FakeDiscordMessage as FakeMessage } from '@oversight/testkit';
import { LONG_ANSWERS_QUESTION, longSurvey } from '@oversight/testkit';
import { chromium } from 'playwright-core';
import { llm, person, startWorld } from '../test/harness.ts';
import { renderModal, renderThread } from './render-html.ts';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/images');
fs.mkdirSync(out, { recursive: true });

const long = (await loadBundledQuestions()).find((q) => q.id === LONG_ANSWERS_QUESTION)!;
const world = await startWorld(
  [
    {
      name: 'debate-demo',
      judges: [{ name: 'people', participant: person }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 3, trialsPerQuestion: 1, arguer: llm('arguer') }],
    },
    {
      name: 'consultancy-demo',
      judges: [{ name: 'ai', count: 6, participant: llm('judge') }],
      arms: [
        {
          name: 'consultancy',
          protocol: 'consultancy',
          rounds: 2,
          trialsPerQuestion: 1,
          charLimit: 600,
          quoteLimit: 200,
          arguer: person,
        },
      ],
    },
    {
      name: 'survey-demo',
      judges: [{ name: 'people', participant: person }],
      survey: longSurvey(),
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    },
  ],
  { plans: { 'survey-demo': { questions: [long] } } },
);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const names: Record<string, string> = {};
  const shoot = async (file: string, html: string, width = 820) => {
    const page = await browser.newPage({ viewport: { width, height: 400 }, deviceScaleFactor: 1 });
    await page.setContent(html);
    await page.screenshot({ path: path.join(out, file), fullPage: true });
    await page.close();
    console.log(`wrote docs/images/${file}`);
  };

  // A judge: round 1 judged, round 2 in, choosing a credence.
  const judge = world.person('600000000000000001', { name: 'judge' });
  names[judge.id] = 'Sunny Lynx';
  await (await judge.run('join', { experiment: 'debate-demo' })).reply();
  await (await judge.run('next', { experiment: 'debate-demo' })).reply();
  const [thread] = judge.threads();
  names[thread!.id] = thread!.name!;
  const turn1 = await judge.waitTurn(thread!, /after round 1/);
  await judge.click(await (await judge.select(turn1, '60')).reply(), 'Continue');
  const turn2 = await judge.waitTurn(thread!, /after round 2/, turn1);
  await (await judge.select(turn2, '70')).reply();
  await shoot(
    'discord-judge-thread.png',
    renderThread(thread!.name!, judge.messages(thread!), { botName: 'Oversight', names, viewer: judge.id }),
  );

  // A human consultant previewing a speech: one quote verified, one not found.
  const consultant = world.person('600000000000000002', { name: 'consultant' });
  names[consultant.id] = 'Quiet Heron';
  await (await consultant.run('join', { experiment: 'consultancy-demo' })).reply();
  await (await consultant.run('next', { experiment: 'consultancy-demo' })).reply();
  const [cthread] = consultant.threads();
  const turn = await consultant.waitTurn(cthread!, /Your speech/);
  const tale = /The story: Tale (\d)/.exec(consultant.text(cthread!))![1];
  const open = await consultant.click(turn, 'Write your speech…');
  const preview = await (
    await consultant.submit(open, {
      speech: `The pilot's first act is plain: <quote>In chapter 0 of tale ${tale}, the pilot mapped the reef before the tide turned.</quote> The beacon came later, as <quote>In chapter 1 of tale ${tale}, the pilot repaired the beacon</quote> shows, and nothing says <quote>the pilot sailed home at dawn</quote>.`,
    })
  ).reply();
  await shoot(
    'discord-speech-preview.png',
    renderThread(cthread!.name!, [turn, preview], { botName: 'Oversight', names, viewer: consultant.id }),
  );

  // A judge of a question whose answers (314 and 335 characters) differ only late: the numbers modal
  // shows both whole; then the survey's first page.
  const reader = world.person('600000000000000003', { name: 'reader' });
  await (await reader.run('join', { experiment: 'survey-demo' })).reply();
  await (await reader.run('next', { experiment: 'survey-demo' })).reply();
  const [rthread] = reader.threads();
  const verdictTurn = await reader.waitTurn(rthread!, /Your verdict/);
  const numbers = await reader.click(verdictTurn, 'Exact numbers…');
  await shoot('discord-judge-modal-long.png', renderModal(numbers.modal!, names), 608);
  const chosen = await (await reader.submit(numbers, { 'credence-0': '70', 'credence-1': '30' })).reply();
  await (await reader.click(chosen, 'Submit verdict')).reply();
  let surveyTurn: FakeMessage | undefined;
  for (let i = 0; i < 100 && !surveyTurn; i++) {
    surveyTurn = reader
      .messages(rthread!)
      .find((m) =>
        m.components.some((r) =>
          (r.components as Array<{ label?: string }>).some((c) => c.label === 'Answer the survey…'),
        ),
      );
    if (!surveyTurn) await new Promise((r) => setTimeout(r, 100));
  }
  const survey = await reader.click(surveyTurn!, 'Answer the survey…');
  await shoot('discord-survey.png', renderModal(survey.modal!, names), 608);
} finally {
  await browser.close();
  await world.close();
}
