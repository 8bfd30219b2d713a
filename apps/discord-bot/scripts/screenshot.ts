// The README's pictures: a judge's thread in a debate with AI debaters (from the fake OpenAI server),
// and a human consultant's speech preview, exactly as the bot sent them through the fake Discord,
// rendered as HTML and screenshotted in headless Chromium.
//   pnpm --filter @oversight/discord-bot screenshot   (CHROMIUM=/path/to/chromium to override)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { llm, person, startWorld } from '../test/harness.ts';
import { renderThread } from './render-html.ts';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/images');
fs.mkdirSync(out, { recursive: true });

const world = await startWorld([
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
]);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const names: Record<string, string> = {};
  const shoot = async (file: string, html: string) => {
    const page = await browser.newPage({ viewport: { width: 820, height: 400 }, deviceScaleFactor: 1 });
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
} finally {
  await browser.close();
  await world.close();
}
