// The web app over HTTP: the study link's secret, consent, a judge through AI debates to verdicts, the
// survey and the completion code; stale, repeated and foreign posts refused as the bots refuse them;
// what the browser saw during a turn stored on the move; arguer text escaped.
import { createDefaultReplier } from '@oversight/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llm, questions, startWorld, until, type Visitor, type World, webPeople } from './harness.ts';

const EXP = 'web-study';
/** A second study, for people who must find a seat open after the first one's judge has taken all. */
const EXP2 = 'web-stale';
/** People on both sides: a pool of web judges and one of web consultants, each with its own link. */
const EXP3 = 'web-arguer';
let w: World;

// The debaters' words carry markup and a quote of the story: the page must show the markup as text.
const story = 'In chapter 0 of tale 0, the pilot mapped the reef before the tide turned.';
const json = createDefaultReplier();
const replier = (request: Parameters<typeof json>[0], ctx: Parameters<typeof json>[1]) =>
  request.response_format
    ? json(request, ctx)
    : `<script>alert("x")</script> <b>bold</b> & more: <quote>${story.slice(0, 40)}</quote> decide.`;

beforeAll(async () => {
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        consent: { text: 'You will judge debates about short stories. Answers are kept under a pseudonym.' },
        survey: [
          { id: 'clear', question: 'How clear were the debaters?' },
          { id: 'notes', question: 'Anything else?', kind: 'text' },
        ],
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, arguer: llm('debater') },
        ],
      },
      {
        name: EXP2,
        judges: [webPeople],
        arms: [
          { name: 'debate', protocol: 'debate', rounds: 2, trialsPerQuestion: 1, arguer: llm('debater') },
        ],
      },
      {
        name: EXP3,
        judges: [webPeople],
        arms: [
          {
            name: 'cons',
            protocol: 'consultancy',
            rounds: 1,
            trialsPerQuestion: 1,
            arguer: { kind: 'human', platform: 'web' },
          },
        ],
      },
    ],
    {
      plans: {
        [EXP]: { questions: questions(2) },
        [EXP2]: { questions: questions(1) },
        [EXP3]: { questions: questions(1) },
      },
      openai: { reply: replier },
      completionCodes: { [EXP]: 'C0DE42' },
    },
  );
  // Every judge seat opens once its arguers' first round is in.
  await until(
    async () =>
      (await w.db.trials.owedIn(EXP)).filter((o) => o.role === 'judge').length === 2 &&
      (await w.db.trials.owedIn(EXP2)).some((o) => o.role === 'judge'),
    'the judge seats',
  );
}, 60_000);
afterAll(async () => {
  await w?.close();
});

const people = async () => (await w.db.participants.list(EXP)).filter((p) => p.kind === 'human');

async function arrive(v: Visitor, pid: string, experimentId = EXP) {
  await v.get(w.link(experimentId, { PROLIFIC_PID: pid, STUDY_ID: 'study1', SESSION_ID: `session-${pid}` }));
  expect(v.text()).toContain('Before you start');
  await v.submit('I agree: start');
}

/** Judges the trial on the page to a verdict at 60% for A (continuing after round 1). */
async function judgeTrial(v: Visitor) {
  for (let step = 0; step < 10; step++) {
    const text = v.text();
    if (text.includes('The verdict is in')) return;
    if (!v.forms().some((f) => f.buttons.some((b) => b.label === 'Choose'))) {
      // Waiting for the debaters: the page would reload itself on the SSE update; reload it here.
      await new Promise((r) => setTimeout(r, 100));
      await v.get(v.last!.url.includes('/t/') ? v.last!.url : await trialUrl(v));
      continue;
    }
    await v.submit('Choose', { value: '60', att_open: '12.5', att_hidden: '2', att_paste: '0' });
    const labels = v.forms().flatMap((f) => f.buttons.map((b) => b.label));
    if (labels.includes('Submit verdict'))
      await v.submit('Submit verdict', { att_open: '20', att_hidden: '0', att_paste: '3' });
    else await v.submit('Continue', { att_open: '15', att_hidden: '1', att_paste: '0' });
  }
  throw new Error(`no verdict: ${v.text().slice(0, 400)}`);
}

async function trialUrl(v: Visitor): Promise<string> {
  const m = /data-here="([^"]+)"/.exec(v.last!.body);
  return m ? m[1]! : v.last!.url;
}

describe('the study link', () => {
  it('makes no participant without the study key, with a wrong one, or with a forged invite', async () => {
    const v = w.visitor();
    const missing = await v.get(w.link(EXP, { PROLIFIC_PID: 'nokey1' }, { key: null }));
    expect(missing.status).toBe(403);
    expect(v.text()).toContain('This study link is incomplete: it has no key');
    const wrong = await v.get(w.link(EXP, { PROLIFIC_PID: 'wrongkey1' }, { key: 'x'.repeat(22) }));
    expect(wrong.status).toBe(403);
    expect(v.text()).toContain('its key does not match');
    const otherStudy = await v.get(
      w.link(EXP, { PROLIFIC_PID: 'otherkey1' }, { key: w.keys.studyKey('another') }),
    );
    expect(otherStudy.status).toBe(403);
    const forged = await v.get(w.link(EXP, { invite: 'abcdef12.AAAAAAAAAAAAAAAA' }));
    expect(forged.status).toBe(403);
    expect(v.text()).toContain('This invitation is not valid for this study');
    const badId = await v.get(w.link(EXP, { PROLIFIC_PID: '<script>' }));
    expect(badId.status).toBe(400);
    const nobody = await v.get(w.link(EXP, {}));
    expect(nobody.status).toBe(400);
    expect(v.text()).toContain('needs PROLIFIC_PID');
    // None of these set a session, and none made a participant.
    expect(v.cookie('ov_session')).toBeUndefined();
    expect(await people()).toHaveLength(0);
    const unknown = await v.get('/s/no-such-study?k=abc&PROLIFIC_PID=x');
    expect(unknown.status).toBe(404);
    // No stack trace on any of these pages.
    expect(v.seen.map((r) => r.body).join('')).not.toMatch(/at \w+ \(|node:internal|\.ts:\d+/);
  });

  it('shows a worker previewing an MTurk HIT what to do, and makes nobody', async () => {
    const v = w.visitor();
    await v.get(
      w.link(EXP, { workerId: 'A1B2C3', assignmentId: 'ASSIGNMENT_ID_NOT_AVAILABLE', hitId: 'H1' }),
    );
    expect(v.text()).toContain('Accept the HIT to start');
    expect(v.cookie('ov_session')).toBeUndefined();
  });

  it('asks for the link again without a session, or with a forged or another study’s cookie', async () => {
    const v = w.visitor();
    const none = await v.get(`/s/${EXP}/home`);
    expect(none.status).toBe(401);
    expect(v.text()).toContain('Open the study link you were given again');
    v.setCookie('ov_session', `${Buffer.from('prolific:someone').toString('base64url')}.${'A'.repeat(32)}`);
    expect((await v.get(`/s/${EXP}/home`)).status).toBe(401);
    v.setCookie('ov_session', w.keys.session('another-study', 'prolific:someone'));
    expect((await v.get(`/s/${EXP}/home`)).status).toBe(401);
  });
});

describe('a judge in the browser, over HTTP', () => {
  it('consents, judges two debates, answers the surveys and gets the completion link', async () => {
    const v = w.visitor();
    await v.get(w.link(EXP, { PROLIFIC_PID: 'alice00000000000000000001', STUDY_ID: 's', SESSION_ID: 'x' }));
    // The session cookie is HttpOnly, SameSite=Strict and limited to the study's path.
    const setCookie = v.seen[0]!.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(new RegExp(`Path=/s/${EXP}`));
    expect(v.text()).toContain('You will judge debates about short stories');
    expect(v.text()).toContain('how many characters you pasted');
    expect(await people()).toHaveLength(0);
    await v.submit('I agree: start');
    const person = (await w.db.participants.list(EXP)).find(
      (p) => p.identity === 'prolific:alice00000000000000000001',
    );
    expect(person?.consentedAt).not.toBeNull();
    expect(v.last!.url).toMatch(new RegExp(`/s/${EXP}/t/[A-Za-z0-9_-]+$`));

    // Arguer text is data: shown, never run or rendered as markup.
    expect(v.last!.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(v.last!.body).not.toContain('<script>alert');
    expect(v.last!.body).not.toContain('<b>bold</b>');
    // Quotes checked as the bots show them.
    expect(v.text()).toMatch(/Quotes: 1 verified/);
    // The trial's handle in the URL, never its id.
    const trials = await w.db.trials.list(EXP);
    for (const t of trials) expect(v.seen.map((r) => r.url + r.body).join('')).not.toContain(t.id);

    await judgeTrial(v);
    expect(v.text()).toContain('Correct answer');
    await v.submit('Answer the survey');
    expect(v.text()).toContain('How clear were the debaters?');
    await v.submit('Send', { f_clear: '4', f_notes: 'Fine <b>thanks</b>' });
    expect(v.text()).toContain('Thank you!');
    await v.submit('Continue');
    // The second trial, then done.
    await judgeTrial(v);
    await v.submit('Answer the survey');
    await v.submit('Send', { f_clear: '5', f_notes: '' });
    await v.submit('Continue');
    expect(v.text()).toContain('Thank you: you have finished');
    expect(v.last!.body).toContain('href="https://app.prolific.com/submissions/complete?cc=C0DE42"');
    // Their running reward, as the scoring rule counts it.
    expect(v.text()).toMatch(/Your rewards -?\d+\.\d{3} points over 2 verdicts/);

    // What the browser saw during each turn is on the judge's moves.
    const metas = [];
    for (const t of trials) for (const e of await w.events(t.id)) if ('meta' in e) metas.push(e);
    const attention = metas
      .map((e) => (e as { meta?: { attention?: unknown } }).meta?.attention)
      .filter(Boolean);
    expect(attention).toContainEqual({ turnSeconds: 20, hiddenSeconds: 0, pastedCharacters: 3 });
    expect(attention).toContainEqual({ turnSeconds: 15, hiddenSeconds: 1, pastedCharacters: 0 });

    // Coming back with the same link (a new browser) continues where they were: finished.
    const again = w.visitor();
    await again.get(
      w.link(EXP, { PROLIFIC_PID: 'alice00000000000000000001', STUDY_ID: 's', SESSION_ID: 'x' }),
    );
    expect(again.text()).toContain('Thank you: you have finished');
  });
});

describe('posts the chat layer refuses', () => {
  it('refuses a stale screen, records a repeated post once, and refuses a foreign session', async () => {
    // Two people join the second study; one of them takes its one seat.
    const bob = w.visitor();
    const carol = w.visitor();
    await arrive(bob, 'bob0001', EXP2);
    await arrive(carol, 'carol001', EXP2);
    // Both finished no trial; whoever got a seat has its page.
    const seated = [bob, carol].find((v) =>
      v.forms().some((f) => f.buttons.some((b) => b.label === 'Choose')),
    );
    const other = seated === bob ? carol : bob;
    expect(seated).toBeDefined();
    const choose = seated!.form('Choose');
    // Another person's post on this trial: refused, nothing recorded.
    const foreign = await other.post(choose.action, { ...choose.fields, value: '60' });
    expect(foreign.status).toBe(403);
    expect(other.text()).toContain('This is not your trial: only its participant can act here.');
    // Another person opening the trial's page: refused the same way.
    const url = seated!.last!.url;
    expect((await other.get(url)).status).toBe(403);

    await seated!.submit('Choose', { value: '70' });
    const cont = seated!.form('Continue');
    const first = await seated!.post(cont.action, cont.fields);
    expect(first.status).toBe(200);
    const ref = /\/t\/([A-Za-z0-9_-]+)/.exec(url)![1]!;
    const trial = (await w.db.trials.byRef(ref))!;
    const count = async () =>
      (await w.events(trial.id)).filter((e) => e.type === 'BeliefReported' || e.type === 'VerdictSubmitted')
        .length;
    const before = await count();
    // The same post again (a double click, a reload): the first result, nothing new.
    const repeat = await seated!.post(cont.action, cont.fields);
    expect(seated!.text()).toContain('Already recorded.');
    expect(repeat.status).toBe(200);
    expect(await count()).toBe(before);
    // The old screen's credence form with a fresh receipt: stale, refused with where the trial stands.
    const stale = await seated!.post(choose.action, {
      ...choose.fields,
      r: `rcpt_${'b'.repeat(22)}`,
      value: '40',
    });
    expect(stale.status).toBe(409);
    expect(seated!.text()).toMatch(/That screen is out of date|It is not your turn/);
    expect(await count()).toBe(before);
    // A form that is not ours.
    const bogus = await seated!.post(`/s/${EXP2}/act`, { a: 'ov1:verdict:zzzz:1', r: 'nope' });
    expect(bogus.status).toBe(400);
    // A post from another site.
    const res = await fetch(new URL(`/s/${EXP2}/act`, w.url), {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=x',
    });
    expect(res.status).toBe(403);
    const malformed = await fetch(new URL(`/s/${EXP2}/act`, w.url), {
      method: 'POST',
      headers: { origin: 'not a url', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=x',
    });
    expect(malformed.status).toBe(403);
  });
});

describe('a consultant in the browser', () => {
  it('joins by the arguers’ link, writes a speech, sees its quotes checked, sends it; a judge then judges it', async () => {
    // The arguers' link has its own key: the judges' key with "&pool=arguers" added makes nobody.
    const forged = w.visitor();
    const res = await forged.get(`${w.link(EXP3, { PROLIFIC_PID: 'sneaky001' })}&pool=arguers`);
    expect(res.status).toBe(403);

    const ada = w.visitor();
    await ada.get(w.link(EXP3, { PROLIFIC_PID: 'ada00001' }, { pool: 'arguers' }));
    await ada.submit('I agree: start');
    expect(ada.text()).toMatch(/You are Consultant: you defend [AB] \((the correct answer|a wrong answer)\)/);
    // The consultant reads the story; the judge will not.
    expect(ada.text()).toContain('The story: Tale 0');
    await ada.submit('Write your speech');
    expect(ada.text()).toContain('Up to 1500 characters, 500 of them quoted');
    await ada.submit('Check it', {
      f_speech:
        '<i>Trust me</i>: <quote>the pilot mapped the reef before the tide turned</quote> and <quote>a dragon ate the beacon</quote>.',
    });
    expect(ada.text()).toContain('Check your quotes, then send');
    expect(ada.text()).toMatch(/✓ “the pilot mapped the reef before the tide turned” — verified/);
    expect(ada.text()).toMatch(/✗ “a dragon ate the beacon” — not found/);
    expect(ada.last!.body).toContain('&lt;i&gt;Trust me&lt;/i&gt;');
    const send = ada.form('Send');
    await ada.submit('Send');
    expect(ada.text()).toContain('Your speech is in.');
    // The same Send again (a reload): recorded once.
    await ada.post(send.action, send.fields);
    expect(ada.text()).toContain('Already recorded.');
    const [trial] = await w.db.trials.list(EXP3);
    const speeches = async () =>
      (await w.events(trial!.id)).filter((e) => e.type === 'ArgumentSubmitted').length;
    expect(await speeches()).toBe(1);

    const jo = w.visitor();
    await until(
      async () => (await w.db.trials.owedIn(EXP3)).some((o) => o.role === 'judge'),
      'the judge seat',
    );
    await jo.get(w.link(EXP3, { PROLIFIC_PID: 'jo000001' }, { pool: 'people' }));
    await jo.submit('I agree: start');
    expect(jo.text()).toContain('Consultant · round 1');
    expect(jo.text()).toContain('Quotes: 1 verified, 1 not found');
    expect(jo.text()).not.toContain('The story: Tale 0');
    await jo.submit('Choose', { value: '35' });
    await jo.submit('Submit verdict');
    expect(jo.text()).toContain('Verdict recorded');
    // The consultant's page shows the outcome too.
    await ada.get(`/s/${EXP3}/t/${trial!.ref}`);
    expect(ada.text()).toContain('The verdict is in');
  });
});
