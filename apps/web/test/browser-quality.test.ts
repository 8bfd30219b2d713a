// Real Chromium (Debian's, driven by playwright-core), for what only a browser shows:
// - a worker in MTurk's frame: a fake MTurk page on another site (localhost, the app on 127.0.0.1)
//   frames the ExternalQuestion's link with MTurk's parameters; the worker consents, judges and
//   submits the HIT, and the fake MTurk receives the assignmentId and the completion code;
// - the survey's attention check: the page the browser receives has no expected answer in it; a
//   wrong answer is recorded, screens the person out (the screened-out code, not the completion one)
//   and excludes them by the pre-registered rule as `analyze` applies it, a right one does neither;
//   the researcher's live view counts both, by rule.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { assessQuality } from '@oversight/runner';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalQuestionXml } from '../src/mturk.ts';
import { questions, startWorld, until, type World, webPeople } from './harness.ts';

const FRAMED = 'web-mturk-frame';
const ATTENTION = 'web-attention';
const TOKEN = 'browser-quality-researcher-token';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where screenshots go when asked for (WEB_SCREENSHOTS=1): the README's pictures. */
const SHOTS = process.env.WEB_SCREENSHOTS ? path.join(import.meta.dirname, '..', 'docs') : null;
/** The attention check's expected answer: never sent to a browser. */
const EXPECTED = 'blue';
let w: World;
let browser: Browser;
let mturk: Server;
let mturkOrigin: string;
const submitted: URLSearchParams[] = [];

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  w = await startWorld(
    [
      {
        name: FRAMED,
        judges: [webPeople],
        consent: { text: 'You will judge which answer to a question about a short story is right.' },
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
      {
        name: ATTENTION,
        judges: [webPeople],
        survey: [
          { id: 'clear', question: 'How clear was the story?' },
          {
            id: 'sky',
            question: 'To show you are reading: what colour is the sky on a clear day? (one word)',
            kind: 'text',
          },
        ],
        qualityControl: {
          attentionChecks: [{ question: 'sky', expected: EXPECTED, screenOut: true }],
          exclude: { attentionChecks: { maxFailed: 0 } },
        },
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
    ],
    {
      plans: { [FRAMED]: { questions: questions(1) }, [ATTENTION]: { questions: questions(2) } },
      mturkLoopback: true,
      researcherToken: TOKEN,
    },
  );
  // The fake MTurk: the worker site's page framing the HIT, and externalSubmit. On "localhost", a
  // different site from the app's 127.0.0.1, so the frame is a third party as on MTurk.
  mturk = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/mturk/externalSubmit') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        submitted.push(new URLSearchParams(Buffer.concat(chunks).toString()));
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>Submitted</title><h1>HIT submitted</h1>');
      });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const external = url.searchParams.get('external');
    if (!external) {
      res.writeHead(404);
      return void res.end();
    }
    const frameSrc = new URL(external);
    for (const [k, v] of Object.entries({
      assignmentId: url.searchParams.get('assignmentId') ?? '',
      hitId: 'HITFRAME01',
      workerId: 'AFRAMED001',
      turkSubmitTo: mturkOrigin,
    }))
      frameSrc.searchParams.set(k, v);
    const escaped = frameSrc.href.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      `<!doctype html><title>MTurk</title><h1>Worker site</h1><iframe id="hit" src="${escaped}" style="width:100%;height:800px"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => mturk.listen(0, '127.0.0.1', resolve));
  mturkOrigin = `http://localhost:${(mturk.address() as AddressInfo).port}`;
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
  });
  await until(
    async () => (await w.db.trials.owedIn(ATTENTION)).filter((o) => o.role === 'judge').length === 2,
    'the judge seats',
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (mturk ? mturk.close(() => resolve()) : resolve()));
  await w?.close();
});

/** One judge-alone trial to its verdict, in the page or frame in front of the person. */
async function judge(at: Page | FrameLocator) {
  await at.locator('#credence').selectOption('65');
  await at.getByRole('button', { name: 'Choose' }).click();
  await at.getByRole('button', { name: 'Submit verdict' }).click();
}

describe('a worker in MTurk’s frame, in Chromium', () => {
  it('previews, accepts, judges in the frame and submits the HIT to MTurk', async () => {
    const xml = externalQuestionXml(`${w.url}${w.link(FRAMED, {})}`, 800);
    const external = /<ExternalURL>([^<]*)<\/ExternalURL>/.exec(xml)![1]!.replace(/&amp;/g, '&');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.setViewportSize({ width: 1000, height: 900 });
    // Preview first: MTurk frames the page with ASSIGNMENT_ID_NOT_AVAILABLE.
    await page.goto(
      `${mturkOrigin}/?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&external=${encodeURIComponent(external)}`,
    );
    const frame = page.frameLocator('#hit');
    await frame.getByRole('heading', { name: 'Preview of this HIT' }).waitFor();
    expect(await w.db.participants.byIdentity(FRAMED, 'mturk:AFRAMED001')).toBeNull();

    // Accepted: the same page with the assignment.
    await page.goto(`${mturkOrigin}/?assignmentId=ASGFRAME01&external=${encodeURIComponent(external)}`);
    await frame.getByRole('button', { name: 'I agree: start' }).click();
    await judge(frame);
    await frame.getByRole('button', { name: 'Continue' }).click();
    await frame.getByRole('heading', { name: 'Thank you: you have finished' }).waitFor();
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'mturk-frame.png') });
    await frame.getByRole('button', { name: 'Submit the HIT' }).click();
    await until(() => submitted.length > 0, 'the HIT submitted to the fake MTurk');
    expect(Object.fromEntries(submitted[0]!)).toEqual({
      assignmentId: 'ASGFRAME01',
      completionCode: w.keys.completionCode(FRAMED),
      outcome: 'completed',
    });
    // The worker's judgment is recorded under their MTurk identity, with the assignment `pay` needs.
    const person = await w.db.participants.byIdentity(FRAMED, 'mturk:AFRAMED001');
    expect((person!.spec as { assignmentId?: string }).assignmentId).toBe('ASGFRAME01');
    expect((await w.db.judgments.list(FRAMED)).map((j) => j.judgeId)).toEqual([person!.id]);
    await context.close();
  }, 120_000);
});

describe('the attention check of the survey, in Chromium', () => {
  it('reaches the browser without its answer, and a wrong answer screens out and excludes', async () => {
    /** Every document and script the browser received, for the check that no expected answer is in them. */
    const received: string[] = [];
    const take = async (pid: string, answer: string) => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
      context.on('response', async (r) => {
        if (r.request().resourceType() === 'eventsource') return;
        received.push(await r.text().catch(() => ''));
      });
      const page = await context.newPage();
      await page.goto(`${w.url}${w.link(ATTENTION, { PROLIFIC_PID: pid, STUDY_ID: 's', SESSION_ID: pid })}`);
      await page.getByRole('button', { name: 'I agree: start' }).click();
      await judge(page);
      await page.getByRole('button', { name: 'Answer the survey' }).click();
      await page.locator('input[name="f_clear"][value="4"]').check();
      const check = page.locator('textarea[name="f_sky"]');
      expect(await check.getAttribute('placeholder')).toBeNull();
      expect(await check.inputValue()).toBe('');
      received.push(await page.content());
      await check.fill(answer);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByText('Thank you!').waitFor();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: /^Thank you: / }).waitFor();
      const out = {
        heading: await page.getByRole('heading', { name: /^Thank you: / }).textContent(),
        code: await page.locator('.code').first().textContent(),
      };
      await context.close();
      return out;
    };
    const wrong = await take('attwrong000000000000000001', 'green');
    const right = await take('attright000000000000000002', ' Blue ');

    // Nothing the browsers received holds the expected answer, or the config's field for it.
    expect(received.length).toBeGreaterThan(10);
    for (const body of received) {
      expect(body.toLowerCase()).not.toContain(EXPECTED);
      expect(body).not.toMatch(/expected|screenOut/);
    }

    // The answers are recorded (as given, trimmed).
    const trials = await w.db.trials.list(ATTENTION);
    const answers: Array<Record<string, unknown>> = [];
    for (const t of trials)
      for (const e of await w.events(t.id)) if (e.type === 'FeedbackSubmitted') answers.push(e.answers);
    expect(answers.map((a) => a.sky).sort()).toEqual(['Blue', 'green']);

    // The wrong answer screened its person out (recorded, with the screened-out code); the right one
    // finished with the completion code.
    expect(wrong.heading).toBe('Thank you: the study ends here for you');
    expect(wrong.code).toBe(w.keys.screenedOutCode(ATTENTION));
    expect(right.heading).toBe('Thank you: you have finished');
    expect(right.code).toBe(w.keys.completionCode(ATTENTION));
    const wrongPerson = await w.db.participants.byIdentity(ATTENTION, 'prolific:attwrong000000000000000001');
    const rightPerson = await w.db.participants.byIdentity(ATTENTION, 'prolific:attright000000000000000002');
    expect((wrongPerson!.spec as { screenedOut?: unknown }).screenedOut).toMatchObject({
      by: 'attentionCheck',
    });
    expect((rightPerson!.spec as { screenedOut?: unknown }).screenedOut).toBeUndefined();

    // The exclusion rule, as `analyze` and `pay` apply it: the wrong answer's judge only.
    const judgments = await w.db.judgments.list(ATTENTION);
    expect(judgments).toHaveLength(2);
    const assessment = await assessQuality(w.db, ATTENTION, judgments);
    expect([...assessment.excluded.keys()]).toEqual([wrongPerson!.id]);
    expect(assessment.excluded.get(wrongPerson!.id)!.map((e) => e.rule)).toEqual(['attentionChecks']);

    // The researcher's live view counts both, by rule, and names nobody by a platform id.
    const res = await fetch(`${w.url}/r/status.json`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const status = (await res.json()) as {
      experiments: Array<{
        id: string;
        exclusions: { assessed: number; excluded: number; byRule: unknown };
        screenedOut: unknown;
      }>;
    };
    const mine = status.experiments.find((e) => e.id === ATTENTION)!;
    expect(mine.exclusions).toEqual({
      assessed: 2,
      excluded: 1,
      byRule: [{ rule: 'attention checks', judges: 1 }],
    });
    expect(mine.screenedOut).toEqual([{ by: 'screen-out attention check', people: 1 }]);
    expect(JSON.stringify(status)).not.toContain('attwrong');
  }, 120_000);
});
