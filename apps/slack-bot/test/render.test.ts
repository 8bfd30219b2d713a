// Block Kit limits, checked by the fake's validator (what Slack refuses): a long speech with many
// quotes split into several messages, a Home tab with a long queue, modals with long labels.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Entry, Presentation } from '@oversight/chat';
import { checkMessage, checkView } from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import { readEnv } from '../src/env.ts';
import { SLACK } from '../src/limits.ts';
import { homeView } from '../src/render/home.ts';
import { consentModal, judgeModal, speechModal, surveyModal } from '../src/render/modals.ts';
import { entryMessages, introMessage, storyMessages, turnMessage } from '../src/render/trial.ts';

const long = (n: number) =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} of a very long speech <b>& co</b>, which goes on.`).join(
    ' ',
  );

const entry = (seq: number, text: string, quotes = 0): Entry => ({
  seq,
  round: 1,
  speaker: 'Debater A',
  kind: 'argument',
  text,
  quotes: Array.from({ length: quotes }, (_, i) => ({
    text: `quote ${i} ${'x'.repeat(400)}`,
    status: i % 3 === 0 ? 'verified' : i % 3 === 1 ? 'partial' : 'unverified',
    mark: '✓',
    label: 'verified',
  })),
  quoteSummary: `${quotes} quotes`,
  belief: null,
});

const presentation = (over: Partial<Presentation> = {}): Presentation => ({
  intro: {
    title: `Debate: ${'A story with a long title '.repeat(10)}`,
    protocol: 'Debate',
    question: long(80),
    storyTitle: 'Story',
    answers: [
      { letter: 'A', text: long(5), defendedBy: ['Debater A'] },
      { letter: 'B', text: long(5), defendedBy: ['Debater B'] },
    ],
    role: 'judge',
    roleLine: 'You are the judge.',
    rules: '2 rounds',
    source: long(2000),
  },
  entries: [],
  turn: {
    yours: true,
    role: 'judge',
    position: 4,
    heading: 'Your verdict',
    judge: {
      final: true,
      mayEnd: true,
      mayComment: false,
      mustComment: false,
      beliefsRequired: true,
      answers: 2,
      credenceInput: 'select',
    },
    speech: null,
  },
  waiting: null,
  ask: null,
  outcome: null,
  ...over,
});

describe('Block Kit limits', () => {
  it('splits a long speech with many quotes into messages Slack accepts, keeping every word', () => {
    const text = long(1500); // about 90,000 characters
    const messages = entryMessages([entry(1, text, 120), entry(2, 'Short reply.', 1)]);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(() => checkMessage(m.blocks, m.text)).not.toThrow();
      expect(m.blocks.length).toBeLessThanOrEqual(SLACK.messageBlocks);
    }
    const sections = messages.flatMap((m) => m.blocks).filter((b) => b.type === 'section');
    const speech = sections.map((b) => b.text as { type: string; text: string });
    // Every word, as written, in plain_text: Slack renders it literally, so nobody's words become
    // markup, links or pings.
    expect(speech.every((t) => t.type === 'plain_text')).toBe(true);
    expect(
      speech
        .map((t) => t.text)
        .join(' ')
        .replace(/\s+/g, ''),
    ).toContain(text.replace(/\s+/g, '').slice(0, 5000));
    // The fallback text notifications show is mrkdwn: escaped there.
    for (const m of messages) expect(m.text).not.toContain('<b>');
  });

  it('keeps the parent, the story, the turn and the Home tab within their limits', () => {
    const p = presentation();
    const intro = introMessage(p);
    expect(() => checkMessage(intro.blocks, intro.text)).not.toThrow();
    for (const m of storyMessages(p)) expect(() => checkMessage(m.blocks, m.text)).not.toThrow();
    const turn = turnMessage(p, 'AbCdEfGhIjKl')!;
    expect(() => checkMessage(turn.blocks, turn.text)).not.toThrow();
    const owed = Array.from({ length: 300 }, (_, i) => ({
      ref: `ref${i}`,
      role: 'judge' as const,
      since: new Date(0),
    }));
    const home = homeView(
      Array.from({ length: 12 }, (_, i) => ({
        id: `experiment-${i}`,
        joined: { label: 'Velvet Bison', seats: 3, judged: 2, correct: 1, meanReward: -0.5, owed },
        left: false,
        progress: {
          counts: { waiting: 40, finished: 2 },
          waitingOn: owed.map((o) => [o.ref, 1] as [string, number]),
        },
      })),
    );
    expect(() => checkView(home)).not.toThrow();
    expect((home.blocks as unknown[]).length).toBeLessThanOrEqual(SLACK.viewBlocks);
  });

  it('builds modals Slack accepts, even with long answers and many survey questions', () => {
    const action = { kind: 'numbers' as const, ref: 'AbCdEfGhIjKl', position: 3 };
    const judge = {
      final: false,
      mayEnd: true,
      mayComment: true,
      mustComment: false,
      beliefsRequired: false,
      answers: 4,
      credenceInput: 'numbers' as const,
    };
    expect(() =>
      checkView(
        judgeModal(action, judge, [long(20), 'b', 'c', 'd'], { c: 'C1', m: '1.2' }, { warning: long(100) }),
      ),
    ).not.toThrow();
    expect(() =>
      checkView(
        speechModal(
          { ...action, kind: 'speak' },
          {
            title: 'Your speech, round 12 of a long debate',
            label: long(10),
            maxLength: 5000,
            limits: long(3),
          },
          {},
        ),
      ),
    ).not.toThrow();
    expect(() =>
      checkView(
        surveyModal({ ...action, kind: 'survey' }, [
          { id: 'a', question: long(4), kind: 'scale' },
          { id: 'b', question: 'Which?', kind: 'choice', options: ['x', 'y'] },
          { id: 'c', question: 'Notes', kind: 'text' },
        ]),
      ),
    ).not.toThrow();
    expect(() => checkView(consentModal('exp', { text: long(3000) }, 'pool'))).not.toThrow();
  });
});

interface Manifest {
  settings: { socket_mode_enabled: boolean };
}

describe('the app manifests', () => {
  const read = (name: string) =>
    JSON.parse(readFileSync(fileURLToPath(new URL(`../${name}`, import.meta.url)), 'utf8')) as Manifest;

  it('Socket Mode has no URL to fill in; HTTP mode has them all; the rest is the same', () => {
    const socket = read('manifest-socket-mode.json');
    const http = read('manifest.json');
    expect(JSON.stringify(socket)).not.toMatch(/YOUR-HOST|https?:/);
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(JSON.stringify(http).match(/https:\/\/YOUR-HOST\//g)).toHaveLength(4);
    // Without the URLs and the mode, the two are one manifest.
    const strip = (m: Manifest) =>
      JSON.parse(
        JSON.stringify(m, (key, value) =>
          ['url', 'request_url', 'redirect_urls', 'socket_mode_enabled'].includes(key) ? undefined : value,
        ),
      );
    expect(strip(socket)).toEqual(strip(http));
  });
});

describe('the environment', () => {
  it('says what is missing for each mode, without printing secrets', () => {
    expect(() => readEnv({})).toThrow(/SLACK_SIGNING_SECRET.*SLACK_BOT_TOKEN for one workspace/s);
    expect(() => readEnv({ SLACK_APP_TOKEN: 'xapp-1-secret-value' })).toThrow(/Socket Mode.*SLACK_BOT_TOKEN/);
    expect(() => readEnv({ SLACK_APP_TOKEN: 'xoxb-wrong-kind' })).toThrow(/must start with "xapp-"/);
    expect(() => readEnv({ SLACK_SIGNING_SECRET: 'abcdefgh12345', SLACK_CLIENT_ID: '1.2' })).toThrow(
      /SLACK_CLIENT_SECRET.*SLACK_STATE_SECRET/,
    );
    try {
      readEnv({ SLACK_APP_TOKEN: 'xapp-1-secret-value' });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-value');
    }
    expect(readEnv({ SLACK_APP_TOKEN: 'xapp-1-a', SLACK_BOT_TOKEN: 'xoxb-1' }).mode).toBe('socket');
    expect(
      readEnv({
        SLACK_SIGNING_SECRET: 'abcdefgh12345',
        SLACK_CLIENT_ID: '1',
        SLACK_CLIENT_SECRET: '2',
        SLACK_STATE_SECRET: 'abcdefgh9',
        SLACK_INSTALLATION_KEY: 'k'.repeat(32),
      }),
    ).toMatchObject({ mode: 'http', oauth: true });
  });
});
