// Real Chromium (Debian's, driven by playwright-core): several people judge at once through a whole
// study (study link, consent, debates and consultancies, the survey, the completion code), the pages
// moving on by themselves when the arguers have spoken (server-sent events); one person closes the
// page mid-trial and comes back by the same link; what each browser saw during a turn is stored.
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, questions, startWorld, until, type World, webPeople } from './harness.ts';

const EXP = 'web-browser';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let w: World;
let browser: Browser;
/** Where screenshots go when asked for (WEB_SCREENSHOTS=1): the README's pictures. */
const SHOTS = process.env.WEB_SCREENSHOTS ? path.join(import.meta.dirname, '..', 'docs') : null;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        consent: { text: 'You will judge short debates and consultations about stories.' },
        survey: [{ id: 'clear', question: 'How clear were the arguers?' }],
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, arguer: llm('debater') },
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
    // The arguers take a moment, so people wait on them and their pages must move on by themselves.
    {
      plans: { [EXP]: { questions: questions(3) } },
      openai: { latencyMs: 150 },
      researcherToken: 'browser-test-researcher-token',
    },
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright-core gives each launch a new empty profile of its own (--user-data-dir is its to set).
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await w?.close();
});

type Screen = 'choose' | 'verdict' | 'wait' | 'done' | 'move';

/** What the page in front of the person asks of them (waiting while it moves on by itself). */
async function screen(page: Page): Promise<Screen> {
  const which = page
    .locator(
      [
        'button:text-is("Choose")',
        'button:text-is("Answer the survey")',
        'button:text-is("Continue")',
        'h1:text-is("Thank you: you have finished")',
        'button:text-is("Submit verdict")',
      ].join(', '),
    )
    .first();
  await which.waitFor({ timeout: 30_000 });
  const text = (await which.textContent()) ?? '';
  if (text === 'Choose') return 'choose';
  if (text === 'Answer the survey' || text === 'Continue')
    return (await page.locator('h2:text-is("The verdict is in")').count()) ? 'verdict' : 'move';
  if (text === 'Submit verdict') return 'move';
  return 'done';
}

interface Person {
  pid: string;
  judged: number;
  code: string | null;
  leaveMidTrial: boolean;
  returned: boolean;
}

async function takePart(person: Person): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const link = `${w.url}${w.link(EXP, { PROLIFIC_PID: person.pid, STUDY_ID: 'st', SESSION_ID: `se-${person.pid}` })}`;
  let page = await context.newPage();
  await page.goto(link);
  await page.getByRole('button', { name: 'I agree: start' }).click();
  for (let step = 0; step < 60; step++) {
    const now = await screen(page);
    if (now === 'done') {
      person.code = await page.locator('.code').first().textContent();
      if (SHOTS && person.pid.endsWith('1'))
        await page.screenshot({ path: path.join(SHOTS, 'done-phone.png') });
      break;
    }
    if (now === 'choose') {
      if (SHOTS && person.pid.endsWith('1') && person.judged === 0)
        await page.screenshot({ path: path.join(SHOTS, 'judge-phone.png'), fullPage: true });
      await page.locator('#credence').selectOption('65');
      await page.getByRole('button', { name: 'Choose' }).click();
      if (person.leaveMidTrial && !person.returned) {
        // Closes the tab in the middle of a turn, then opens the study link again: back at the turn.
        person.returned = true;
        await page.close();
        page = await context.newPage();
        await page.goto(link);
        await page.getByRole('button', { name: 'Choose' }).waitFor();
        await page.locator('#credence').selectOption('65');
        await page.getByRole('button', { name: 'Choose' }).click();
      }
      continue;
    }
    if (now === 'move') {
      const verdict = page.getByRole('button', { name: /Submit verdict|End with this verdict/ });
      if (await verdict.count()) {
        await verdict.first().click();
        person.judged += 1;
      } else await page.getByRole('button', { name: 'Continue' }).click();
      continue;
    }
    // The verdict is in: the survey, then on.
    const survey = page.getByRole('button', { name: 'Answer the survey' });
    if (await survey.count()) {
      await survey.click();
      await page.locator('input[name="f_clear"][value="4"]').check();
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByText('Thank you!').waitFor();
    }
    await page.getByRole('button', { name: 'Continue' }).click();
  }
  await context.close();
}

describe('people judging in Chromium', () => {
  it('three people at once through a whole study, one leaving mid-trial and coming back', async () => {
    await until(
      async () => (await w.db.trials.owedIn(EXP)).some((o) => o.role === 'judge'),
      'a judge seat',
      30_000,
    );
    const people: Person[] = ['p1', 'p2', 'p3'].map((pid, i) => ({
      pid: `${pid}000000000000000000000${i + 1}`,
      judged: 0,
      code: null,
      leaveMidTrial: i === 1,
      returned: false,
    }));
    const started = Date.now();
    await Promise.all(people.map(takePart));
    const seconds = (Date.now() - started) / 1000;
    // Every trial judged to a verdict, each by one of them, and each of them finished with the code.
    const trials = await w.db.trials.list(EXP);
    expect(trials.map((t) => t.status).sort()).toEqual(Array(6).fill('finished'));
    expect(people.reduce((n, p) => n + p.judged, 0)).toBe(6);
    for (const p of people) expect(p.code).toBe(w.keys.completionCode(EXP));
    expect(people[1]!.returned).toBe(true);
    // Nobody judged a story twice.
    const judgments = await w.db.judgments.list(EXP);
    const pairs = judgments.map((j) => `${j.judgeId}/${j.storyId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    // What each browser saw during its turns is on the moves: seconds open, hidden, pasted.
    const attention = [];
    for (const t of trials)
      for (const e of await w.events(t.id)) {
        const a = (e as { meta?: { attention?: { turnSeconds: number } } }).meta?.attention;
        if (a) attention.push(a);
      }
    expect(attention.length).toBeGreaterThanOrEqual(6);
    for (const a of attention) expect(a.turnSeconds).toBeGreaterThan(0);
    process.stderr.write(`three people judged 6 trials in Chromium in ${seconds.toFixed(1)} s\n`);

    // The researcher's view in the browser: the token once, then the page by its cookie.
    const context = await browser.newContext({ viewport: { width: 1440, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${w.url}/r?token=browser-test-researcher-token`);
    expect(page.url()).toBe(`${w.url}/r`);
    await page.getByRole('heading', { name: EXP }).waitFor();
    // Progress per arm, then judge quality per arm.
    expect(await page.locator('table').first().locator('tbody tr').count()).toBe(2);
    expect(await page.locator('table').nth(1).locator('tbody tr').count()).toBe(2);
    expect(await page.textContent('body')).toContain('Win rate (anytime-valid 95% sequence)');
    expect(await page.textContent('body')).toContain('Main contrast: accuracy in debate minus cons');
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'researcher.png'), fullPage: true });
    await context.close();
  }, 240_000);
});
