// The signed parts of the web app without a server: study keys, invitations, sessions, and the
// identities a link makes (the `pay` command reads "prolific:<PID>", "mturk:<workerId>", "web:<id>").
import { describe, expect, it } from 'vitest';
import { arrivalOf, identityOfKey } from '../src/arrival.ts';
import { escapeHtml, html } from '../src/html.ts';
import { StudyKeys } from '../src/keys.ts';

const keys = new StudyKeys(Buffer.from('the secret of one deployment, long enough'));
const other = new StudyKeys(Buffer.from('the secret of another deployment, as long'));

describe('study keys and invitations', () => {
  it('are per experiment, per pool and per deployment secret', () => {
    const k = keys.studyKey('exp-a');
    expect(keys.checkStudyKey('exp-a', k)).toBe(true);
    expect(keys.checkStudyKey('exp-b', k)).toBe(false);
    expect(keys.checkStudyKey('exp-a', k, 'arguers')).toBe(false);
    expect(keys.checkStudyKey('exp-a', keys.studyKey('exp-a', 'arguers'), 'arguers')).toBe(true);
    expect(other.checkStudyKey('exp-a', k)).toBe(false);
    expect(keys.checkStudyKey('exp-a', null)).toBe(false);
    expect(keys.checkStudyKey('exp-a', `${k}x`)).toBe(false);
    const invite = keys.invite('exp-a');
    expect(keys.checkInvite('exp-a', invite)).toBe(invite.split('.')[0]);
    expect(keys.checkInvite('exp-b', invite)).toBeNull();
    expect(keys.checkInvite('exp-a', `${invite.split('.')[0]}.AAAAAAAAAAAAAAAA`)).toBeNull();
  });

  it('sign sessions for one experiment, and refuse any change to them', () => {
    const value = keys.session('exp-a', 'prolific:abc', 'arguers');
    expect(keys.openSession('exp-a', value)).toEqual({ identity: 'prolific:abc', pool: 'arguers' });
    expect(keys.openSession('exp-b', value)).toBeNull();
    const [id, pool, mac] = value.split('.');
    const swapped = `${Buffer.from('prolific:someone-else').toString('base64url')}.${pool}.${mac}`;
    expect(keys.openSession('exp-a', swapped)).toBeNull();
    expect(
      keys.openSession('exp-a', `${id}.${Buffer.from('people').toString('base64url')}.${mac}`),
    ).toBeNull();
    expect(keys.openSession('exp-a', undefined)).toBeNull();
    expect(keys.openSession('exp-a', keys.session('exp-a', 'web:1234abcd'))).toEqual({
      identity: 'web:1234abcd',
      pool: null,
    });
  });

  it('derive a stable completion code per experiment', () => {
    expect(keys.completionCode('exp-a')).toMatch(/^[A-Z2-9]{8}$/);
    expect(keys.completionCode('exp-a')).toBe(keys.completionCode('exp-a'));
    expect(keys.completionCode('exp-a')).not.toBe(keys.completionCode('exp-b'));
  });
});

describe('the identity a link makes', () => {
  const q = (params: Record<string, string>, pool?: string) =>
    new URLSearchParams({ k: keys.studyKey('exp-a', pool ?? null), ...params, ...(pool ? { pool } : {}) });

  it('is prolific:<PID>, mturk:<workerId> or web:<invite id>, and back', () => {
    const prolific = arrivalOf(
      'exp-a',
      q({ PROLIFIC_PID: '5f1a2b3c4d5e6f7a8b9c0d1e', STUDY_ID: 's', SESSION_ID: 'x' }),
      keys,
    );
    expect(prolific).toMatchObject({
      status: 'person',
      key: 'prolific:5f1a2b3c4d5e6f7a8b9c0d1e',
      pool: null,
    });
    const mturk = arrivalOf('exp-a', q({ workerId: 'A1B2C3D4', assignmentId: '3XYZ', hitId: '3ABC' }), keys);
    expect(mturk).toMatchObject({ status: 'person', key: 'mturk:A1B2C3D4' });
    const invite = keys.invite('exp-a', 'cafe0123');
    expect(arrivalOf('exp-a', q({ invite }), keys)).toMatchObject({ status: 'person', key: 'web:cafe0123' });
    for (const key of ['prolific:5f1a', 'mturk:A1B2', 'web:cafe0123'])
      expect(identityOfKey(key)).toMatchObject({ platform: 'web', user: key.split(':')[1] });
    expect(identityOfKey('discord:123')).toBeNull();
    expect(arrivalOf('exp-a', q({ PROLIFIC_PID: 'abc' }, 'arguers'), keys)).toMatchObject({
      pool: 'arguers',
    });
  });

  it('is nobody while a worker previews a HIT, or when the link lacks its key or an id', () => {
    expect(
      arrivalOf('exp-a', q({ workerId: 'A1', assignmentId: 'ASSIGNMENT_ID_NOT_AVAILABLE' }), keys),
    ).toEqual({
      status: 'preview',
    });
    expect(arrivalOf('exp-a', new URLSearchParams({ PROLIFIC_PID: 'abc' }), keys)).toMatchObject({
      status: 'refused',
      code: 403,
    });
    expect(arrivalOf('exp-a', q({}), keys)).toMatchObject({ status: 'refused', code: 400 });
    expect(arrivalOf('exp-a', q({ PROLIFIC_PID: 'a b' }), keys)).toMatchObject({
      status: 'refused',
      code: 400,
    });
    expect(arrivalOf('exp-a', q({ workerId: 'A1' }, 'Not A Pool'), keys)).toMatchObject({
      status: 'refused',
    });
  });
});

describe('html', () => {
  it('escapes every interpolated value and keeps nested html', () => {
    const speech = `<img src=x onerror="alert('x')"> & "quotes"`;
    expect(html`<p title="${speech}">${speech}</p>`.value).toBe(
      `<p title="${escapeHtml(speech)}">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; &quot;quotes&quot;</p>`,
    );
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });
});

describe('experiments/web-study/config.json', () => {
  it('parses and plans on the bundled questions, with its judges on the web', async () => {
    const { readFileSync } = await import('node:fs');
    const { ExperimentConfigSchema, peoplePools } = await import('@oversight/core');
    const { loadBundledQuestions, planExperiment } = await import('@oversight/runner');
    const config = ExperimentConfigSchema.parse(
      JSON.parse(
        readFileSync(new URL('../../../experiments/web-study/config.json', import.meta.url), 'utf8'),
      ),
    );
    expect([...peoplePools(config).values()].map((p) => p.pool.participant)).toEqual([
      { kind: 'human', platform: 'web' },
    ]);
    expect(planExperiment(config, await loadBundledQuestions()).trials.length).toBe(16);
  });
});
