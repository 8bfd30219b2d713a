// MTurk's ExternalQuestion over HTTP: the XML the researcher gives MTurk, the preview a worker sees
// before accepting (nobody made), a framed session (headers that let MTurk's worker site frame it and
// no other site, a cookie that works in a third-party frame), the final form to MTurk's externalSubmit
// with the assignment, and a submit address from the link that is not MTurk's refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXTERNAL_QUESTION_SCHEMA,
  externalQuestionXml,
  externalSubmitUrl,
  framingOrigins,
  submitOrigin,
} from '../src/mturk.ts';
import { questions, startWorld, until, type World, webPeople } from './harness.ts';

const EXP = 'web-mturk';
let w: World;

beforeAll(async () => {
  w = await startWorld(
    [
      {
        name: EXP,
        judges: [webPeople],
        consent: { text: 'You will judge which answer to a question about a short story is right.' },
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
    ],
    { plans: { [EXP]: { questions: questions(2) } } },
  );
  await until(
    async () => (await w.db.trials.owedIn(EXP)).filter((o) => o.role === 'judge').length === 2,
    'the judge seats',
  );
}, 60_000);
afterAll(async () => {
  await w?.close();
});

describe('the ExternalQuestion XML', () => {
  it('frames the study link, its ampersands escaped, at the height asked', () => {
    const link = `https://study.example.org/s/${EXP}?k=abc_DEF-123&pool=judges`;
    const xml = externalQuestionXml(link, 700);
    expect(xml).toContain(`<ExternalQuestion xmlns="${EXTERNAL_QUESTION_SCHEMA}">`);
    expect(EXTERNAL_QUESTION_SCHEMA).toBe(
      'http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd',
    );
    const url = /<ExternalURL>([^<]*)<\/ExternalURL>/.exec(xml)![1]!;
    expect(url).toBe(link.replace('&', '&amp;'));
    expect(url.replace(/&amp;/g, '&')).toBe(link);
    expect(xml).toContain('<FrameHeight>700</FrameHeight>');
    // No raw ampersand anywhere (the XML would not parse).
    expect(xml.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
  });

  it('refuses a plain-http link (MTurk frames https only) and a bad height', () => {
    expect(() => externalQuestionXml('http://study.example.org/s/x?k=a', 600)).toThrow(/https/);
    expect(() => externalQuestionXml('https://study.example.org/s/x?k=a', -1)).toThrow(/frame height/);
    expect(externalQuestionXml('http://127.0.0.1:8080/s/x?k=a', 600)).toContain('127.0.0.1');
  });
});

describe('where a finished worker submits', () => {
  it("is MTurk's production or sandbox host only (loopback when a test allows it)", () => {
    expect(submitOrigin('https://www.mturk.com')).toBe('https://www.mturk.com');
    expect(submitOrigin('https://workersandbox.mturk.com/')).toBe('https://workersandbox.mturk.com');
    expect(submitOrigin('https://www.mturk.com/some/path?x=1')).toBe('https://www.mturk.com');
    for (const bad of [
      'http://www.mturk.com',
      'https://www.mturk.com.evil.example',
      'https://evil.example/www.mturk.com',
      'https://user:pw@www.mturk.com',
      'https://www.mturk.com:8443',
      'javascript:alert(1)',
      '//www.mturk.com',
      'https://mturk.com',
      'http://127.0.0.1:9',
      '',
    ])
      expect(submitOrigin(bad), bad).toBeNull();
    expect(submitOrigin('http://127.0.0.1:9999/x', true)).toBe('http://127.0.0.1:9999');
    expect(submitOrigin('http://localhost:9999', true)).toBe('http://localhost:9999');
    expect(submitOrigin('http://evil.example', true)).toBeNull();
    expect(externalSubmitUrl('https://www.mturk.com')).toBe('https://www.mturk.com/mturk/externalSubmit');
  });
});

const mturkParams = (worker: string, submit: string | null, assignment = `ASG${worker}`) => ({
  assignmentId: assignment,
  hitId: 'HIT0001',
  workerId: worker,
  ...(submit === null ? {} : { turkSubmitTo: submit }),
});

function csp(headers: Headers): string {
  return headers.get('content-security-policy') ?? '';
}

describe('a worker in MTurk’s frame', () => {
  it('previews the HIT: the task described, framable by MTurk, nobody made', async () => {
    const v = w.visitor();
    await v.get(
      w.link(EXP, {
        assignmentId: 'ASSIGNMENT_ID_NOT_AVAILABLE',
        hitId: 'HIT0001',
        turkSubmitTo: 'https://www.mturk.com',
      }),
    );
    expect(v.last!.status).toBe(200);
    expect(v.text()).toContain('Preview of this HIT');
    expect(v.text()).toContain('You will judge which answer to a question about a short story is right.');
    expect(v.text()).toContain('submit the HIT');
    expect(csp(v.last!.headers)).toContain(`frame-ancestors ${framingOrigins(false).join(' ')}`);
    expect(v.last!.headers.get('x-frame-options')).toBeNull();
    expect(v.cookie('ov_session')).toBeUndefined();
    expect((await w.db.participants.list(EXP)).filter((p) => p.kind === 'human')).toHaveLength(0);
  });

  it('refuses a link whose turkSubmitTo is not MTurk’s, making nobody', async () => {
    const v = w.visitor();
    await v.get(w.link(EXP, mturkParams('AEVIL0001', 'https://evil.example')));
    expect(v.last!.status).toBe(400);
    expect(v.text()).toContain("turkSubmitTo is not MTurk's");
    expect(v.cookie('ov_session')).toBeUndefined();
    expect(await w.db.participants.byIdentity(EXP, 'mturk:AEVIL0001')).toBeNull();
    // Shown inside the HIT (MTurk may frame a refusal), with nothing to submit anywhere.
    expect(csp(v.last!.headers)).toContain(`frame-ancestors ${framingOrigins(false).join(' ')}`);
    expect(csp(v.last!.headers)).toContain("form-action 'self';");
    expect(v.last!.headers.get('x-frame-options')).toBeNull();
    expect(v.forms()).toHaveLength(0);
  });

  it('shows a worker whose link has a wrong key why, inside the HIT', async () => {
    const v = w.visitor();
    await v.get(w.link(EXP, mturkParams('ABADKEY01', 'https://www.mturk.com'), { key: 'not-the-study-key' }));
    expect(v.last!.status).toBe(403);
    expect(v.text()).toContain('This link does not work');
    expect(csp(v.last!.headers)).toContain(`frame-ancestors ${framingOrigins(false).join(' ')}`);
    expect(v.last!.headers.get('x-frame-options')).toBeNull();
    expect(v.forms()).toHaveLength(0);
    expect(await w.db.participants.byIdentity(EXP, 'mturk:ABADKEY01')).toBeNull();
  });

  it('consents, judges and submits the HIT to MTurk with the assignment and the code', async () => {
    const v = w.visitor();
    const first = await v.get(w.link(EXP, mturkParams('AWORKER01', 'https://workersandbox.mturk.com')));
    // The welcome page's cookies: usable in MTurk's third-party frame.
    const setCookies = v.seen.at(-2)!.headers.getSetCookie();
    expect(setCookies).toHaveLength(2);
    for (const c of setCookies) {
      expect(c).toContain('SameSite=None');
      expect(c).toContain('Secure');
      expect(c).toContain('Partitioned');
      expect(c).toContain('HttpOnly');
    }
    expect(first.status).toBe(200);
    expect(csp(v.last!.headers)).toContain('frame-ancestors https://worker.mturk.com');
    expect(csp(v.last!.headers)).toContain("form-action 'self' https://workersandbox.mturk.com;");
    await v.submit('I agree: start');
    const person = await w.db.participants.byIdentity(EXP, 'mturk:AWORKER01');
    // `pay` bonuses the worker through this assignment.
    expect((person!.spec as { assignmentId?: string }).assignmentId).toBe('ASGAWORKER01');
    for (let i = 0; i < 2; i++) {
      await v.submit('Choose', { value: '70' });
      await v.submit('Submit verdict');
      await v.submit('Continue');
    }
    expect(v.text()).toContain('Thank you: you have finished');
    const form = v.form('Submit the HIT');
    expect(form.action).toBe('https://workersandbox.mturk.com/mturk/externalSubmit');
    expect(form.fields).toEqual({
      assignmentId: 'ASGAWORKER01',
      completionCode: w.keys.completionCode(EXP),
      outcome: 'completed',
    });
    expect(csp(v.last!.headers)).toContain("form-action 'self' https://workersandbox.mturk.com;");
    expect(v.last!.headers.get('x-frame-options')).toBeNull();

    // A cookie edited to name another submit address (its signature no longer holds) is ignored: the
    // page is then not framable and has no form to MTurk.
    const forged = w.keys.mturkAssignment(EXP, 'mturk:OTHER', 'ASGAWORKER01', 'https://evil.example');
    v.setCookie('ov_mturk', forged);
    await v.get(`/s/${EXP}/home`);
    expect(v.last!.body).not.toContain('evil.example');
    expect(v.forms().some((f) => f.action.includes('externalSubmit'))).toBe(false);
    expect(v.last!.headers.get('x-frame-options')).toBe('DENY');
  });

  it('keeps the frame closed to every other session, and the tab flow with the code to enter', async () => {
    const prolific = w.visitor();
    await prolific.get(w.link(EXP, { PROLIFIC_PID: 'notframed0001', STUDY_ID: 's', SESSION_ID: 'x' }));
    expect(csp(prolific.last!.headers)).toContain("frame-ancestors 'none'");
    expect(csp(prolific.last!.headers)).toContain("form-action 'self';");
    expect(prolific.last!.headers.get('x-frame-options')).toBe('DENY');
    expect(prolific.seen[0]!.headers.getSetCookie()[0]).toContain('SameSite=Strict');

    // MTurk without turkSubmitTo: a HIT page opened the link in a tab; no frame, a code to enter.
    const tab = w.visitor();
    await tab.get(w.link(EXP, mturkParams('ATAB00001', null)));
    for (const r of tab.seen) expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(tab.seen[0]!.headers.getSetCookie().join()).not.toContain('SameSite=None');
    await tab.submit('I agree: start');
    const person = await w.db.participants.byIdentity(EXP, 'mturk:ATAB00001');
    expect((person!.spec as { assignmentId?: string }).assignmentId).toBe('ASGATAB00001');
  });
});
