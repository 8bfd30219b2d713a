// The platform-neutral layer as the chat apps use it: identities join, ask for work, click and type;
// late, repeated and foreign clicks; speeches previewed; the survey; threads kept up to date.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema, foldEvents, type Question } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { type Identity, persistPlan, planExperiment, runTrials, serve } from '@oversight/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatAction,
  ChatService,
  decodeAction,
  encodeAction,
  splitText,
  ThreadSync,
} from '../src/index.ts';

const source = Array.from(
  { length: 20 },
  (_, i) => `Line ${i}: the keeper of lighthouse ${i % 5} lit the lamp at dusk and watched for ships.`,
).join(' ');
const questions = (answers = ['lit the lamp', 'went fishing']): Question[] =>
  Array.from({ length: 4 }, (_, i) => ({
    id: `q${i}`,
    storyId: `s${i}`,
    storyTitle: `Story ${i}`,
    question: `What did keeper ${i} do at dusk?`,
    answers,
    correctIndex: 0,
    source,
    metadata: {},
  }));

let db: Database;
let dir: string;
let n = 0;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-chat-'));
  db = await openDatabase({ dataDir: dir });
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function experiment(input: Record<string, unknown>, qs = questions()) {
  n += 1;
  const name = `chat-${n}`;
  const config = ExperimentConfigSchema.parse({ name, seed: name, ...input });
  const plan = planExperiment(config, qs, `${name}-q`);
  await persistPlan(db, plan, `${name}-q`);
  await runTrials(db, plan);
  return { name, chat: new ChatService(db, 'discord') };
}

const discord = (user: string): Identity => ({ platform: 'discord', user });
let clicks = 0;
const origin = () => ({ id: `interaction:${++clicks}` });
const people = { name: 'people', participant: { kind: 'human', platform: 'discord' } };

describe('the chat layer', () => {
  it('carries what a click needs in its id, within Discord’s 100 characters', () => {
    const action: ChatAction = { kind: 'verdict', ref: 'AbC-_0123456', position: 17, credence: [0.7, 0.3] };
    expect(decodeAction(encodeAction(action))).toEqual(action);
    expect(decodeAction('someone-elses-button')).toBeNull();
    expect(decodeAction('ov1:verdict:AbC:1:900-x')).toBeNull();
    expect(() => encodeAction({ kind: 'next', ref: 'x'.repeat(120), position: 0 })).toThrow(
      /longer than 100/,
    );
  });

  it('splits long text at paragraph, sentence or word breaks within the limit', () => {
    const text = `${'word '.repeat(300)}\n\n${'Sentence here. '.repeat(100)}`;
    const parts = splitText(text, 2000);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text.trim().replace(/\s+/g, ' '));
    expect(parts.every((p) => !/\w$/.test(p.slice(0, -1)) || p.endsWith('word') || p.endsWith('.'))).toBe(
      true,
    );
  });

  it('takes a judge from consent to verdict, refusing stale, foreign and repeated clicks', async () => {
    const { name, chat } = await experiment({
      judges: [people],
      consent: {
        text: 'You will judge debates about short stories. Your answers are kept under a pseudonym.',
      },
      arms: [{ name: 'consultancy', protocol: 'consultancy', rounds: 2, trialsPerQuestion: 1 }],
    });
    expect((await chat.consent(name))?.text).toMatch(/pseudonym/);
    expect((await chat.join(name, discord('111'), false)).status).toBe('refused');
    const joined = await chat.join(name, discord('111'), true);
    expect(joined).toMatchObject({
      status: 'joined',
      participant: { id: 'people-1', identity: 'discord:111' },
    });
    const next = await chat.next(name, discord('111'), origin());
    if (next.status !== 'trial') throw new Error(next.reason);
    const screen = next.presentation;
    expect(screen.intro.title).not.toContain(next.trial.id);
    expect(screen.intro.source).toBeNull();
    expect(screen.entries.map((e) => e.speaker)).toEqual(['Consultant']);
    expect(screen.entries[0]!.quoteSummary).toMatch(/verified/);
    expect(screen.turn).toMatchObject({
      yours: true,
      judge: { credenceInput: 'select', final: false, mayComment: true },
    });

    const at = (kind: ChatAction['kind'], extra: Partial<ChatAction> = {}): ChatAction => ({
      kind,
      ref: next.ref,
      position: screen.turn!.position,
      ...extra,
    });
    const chosen = await chat.act(discord('111'), at('credence'), { values: ['70'] }, origin());
    expect(chosen).toMatchObject({ status: 'choose', message: 'Your credence: A 70%, B 30%.' });
    if (chosen.status !== 'choose') throw new Error();
    expect(chosen.actions.map((a) => a.label)).toEqual([
      'Continue',
      'Ask or comment…',
      'End with this verdict',
    ]);
    // Someone else clicking the judge's button: refused, nothing recorded.
    const foreign = await chat.act(discord('999'), chosen.actions[0]!.action, {}, origin());
    expect(foreign).toMatchObject({ status: 'refused', message: expect.stringMatching(/not your trial/) });
    // The comment modal, then the comment with the credence.
    expect(await chat.act(discord('111'), chosen.actions[1]!.action, {}, origin())).toMatchObject({
      status: 'modal',
      modal: { kind: 'comment' },
    });
    const click = origin();
    const asked = await chat.act(
      discord('111'),
      chosen.actions[1]!.action,
      { fields: { comment: 'Which line says so?' } },
      click,
    );
    expect(asked).toMatchObject({ status: 'accepted', message: 'Sent to the arguers.', duplicate: false });
    // The same interaction delivered again: recorded once.
    const again = await chat.act(
      discord('111'),
      chosen.actions[1]!.action,
      { fields: { comment: 'Which line says so?' } },
      click,
    );
    expect(again).toMatchObject({ status: 'accepted', duplicate: true });
    // The old screen's verdict button: refused as out of date, with the current screen.
    const stale = await chat.act(discord('111'), chosen.actions[2]!.action, {}, origin());
    expect(stale).toMatchObject({
      status: 'refused',
      message: expect.stringMatching(/out of date|not your turn/i),
    });
    await serve(db, { experimentIds: [name], untilIdle: true, pollMs: 50 }).done;
    const now = await chat.show(discord('111'), next.ref);
    if (now.status !== 'accepted') throw new Error(now.message);
    expect(now.presentation.entries.map((e) => e.kind)).toEqual([
      'argument',
      'interjection',
      'belief',
      'argument',
    ]);
    expect(now.presentation.turn?.judge?.final).toBe(true);
    // Bad input is answered and records nothing.
    const bad = await chat.act(
      discord('111'),
      { ...at('credence'), position: now.presentation.turn!.position },
      { values: ['0.7'] },
      origin(),
    );
    expect(bad).toMatchObject({ status: 'refused', message: expect.stringMatching(/ambiguous/) });
    const final = await chat.act(
      discord('111'),
      { kind: 'verdict', ref: next.ref, position: now.presentation.turn!.position, credence: [0.8, 0.2] },
      {},
      origin(),
    );
    expect(final).toMatchObject({ status: 'accepted', message: 'Verdict recorded: A 80%, B 20%.' });
    if (final.status !== 'accepted') throw new Error();
    expect(final.presentation.outcome).toMatchObject({ correct: expect.stringMatching(/[AB]/) });
    expect(final.presentation.outcome!.reward).toBeCloseTo(
      Math.log2(final.presentation.outcome!.correct === 'A' ? 0.8 : 0.2) - 0.05,
      6,
    );
  });

  it('stores what a browser saw during the turn on the move, and nothing when none is sent', async () => {
    const { name, chat } = await experiment({
      judges: [people],
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    });
    const judge = async (
      user: string,
      attention?: { turnSeconds: number; hiddenSeconds: number; pastedCharacters: number },
    ) => {
      await chat.join(name, discord(user), true);
      const next = await chat.next(name, discord(user), origin());
      if (next.status !== 'trial') throw new Error(next.reason);
      const action: ChatAction = {
        kind: 'verdict',
        ref: next.ref,
        position: next.presentation.turn!.position,
        credence: [0.6, 0.4],
      };
      expect(await chat.act(discord(user), action, attention ? { attention } : {}, origin())).toMatchObject({
        status: 'accepted',
      });
      return foldEvents((await db.events.load(next.trial.id)).map((e) => e.payload as never));
    };
    const attention = { turnSeconds: 42.5, hiddenSeconds: 3, pastedCharacters: 120 };
    const seen = await judge('501', attention);
    const events = (
      await db.events.load((await db.trials.list(name)).find((t) => t.status === 'finished')!.id)
    ).map((e) => e.payload as { type: string; meta?: { attention?: unknown } });
    expect(events.find((e) => e.type === 'VerdictSubmitted')?.meta?.attention).toEqual(attention);
    expect(seen.verdict).not.toBeNull();
    await judge('502');
    const all = [];
    for (const t of await db.trials.list(name))
      all.push(...(await db.events.load(t.id)).map((e) => e.payload as { meta?: { attention?: unknown } }));
    expect(all.filter((e) => e.meta?.attention)).toHaveLength(1);
  });

  it('previews a speech with its quote checks and budgets before a human consultant sends it', async () => {
    const { name, chat } = await experiment({
      judges: [{ count: 4 }],
      arms: [
        {
          name: 'consultancy',
          protocol: 'consultancy',
          rounds: 1,
          trialsPerQuestion: 1,
          charLimit: 200,
          quoteLimit: 60,
          arguer: { kind: 'human', platform: 'discord' },
        },
      ],
    });
    await chat.join(name, discord('222'), true);
    const next = await chat.next(name, discord('222'), origin());
    if (next.status !== 'trial') throw new Error(next.reason);
    expect(next.presentation.intro.source).toContain('lighthouse');
    expect(next.presentation.intro.roleLine).toMatch(/You are Consultant: you defend [AB]/);
    const speak: ChatAction = { kind: 'speak', ref: next.ref, position: next.presentation.turn!.position };
    expect(await chat.act(discord('222'), speak, {}, origin())).toMatchObject({
      status: 'modal',
      modal: { kind: 'speech' },
    });
    const text =
      'The story: <quote>the keeper of lighthouse 2 lit the lamp</quote> and <quote>he sailed to Spain</quote>.';
    const preview = await chat.act(discord('222'), speak, { fields: { speech: text } }, origin());
    expect(preview).toMatchObject({
      status: 'preview',
      preview: { summary: '1 verified, 1 not found', problems: [] },
    });
    const tooLong = await chat.act(discord('222'), speak, { fields: { speech: text.repeat(3) } }, origin());
    expect(tooLong).toMatchObject({ status: 'preview', send: null });
    if (tooLong.status !== 'preview') throw new Error();
    expect(tooLong.preview.problems.join('; ')).toMatch(/characters; the limit is 200.*quote budget is 60/);
    if (preview.status !== 'preview') throw new Error();
    const sent = await chat.act(
      discord('222'),
      preview.send!,
      { previewText: preview.preview.text },
      origin(),
    );
    expect(sent).toMatchObject({ status: 'accepted', message: 'Your speech is in.' });
  });

  it('takes exact numbers for more than two answers, warns near certainty, and runs the survey after the verdict', async () => {
    const { name, chat } = await experiment(
      {
        judges: [people],
        survey: [
          { id: 'clear', question: 'How clear was the debate?' },
          { id: 'notes', question: 'Anything else?', kind: 'text' },
        ],
        arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
      },
      questions(['lit the lamp', 'went fishing', 'slept']).map((q) => ({ ...q, distractorIndex: 2 })),
    );
    await chat.join(name, discord('333'), true);
    const next = await chat.next(name, discord('333'), origin());
    if (next.status !== 'trial') throw new Error(next.reason);
    const numbers: ChatAction = {
      kind: 'numbers',
      ref: next.ref,
      position: next.presentation.turn!.position,
    };
    // Two of three answers are shown (correct and distractor), so the modal asks for two numbers.
    const modal = await chat.act(discord('333'), numbers, {}, origin());
    expect(modal).toMatchObject({ status: 'modal', modal: { kind: 'numbers', after: 'verdict' } });
    const sure = await chat.act(
      discord('333'),
      numbers,
      { fields: { 'credence-0': '100', 'credence-1': '0' } },
      origin(),
    );
    expect(sure).toMatchObject({ status: 'choose', warning: expect.stringMatching(/100% on one answer/) });
    if (sure.status !== 'choose') throw new Error();
    expect(sure.actions.map((a) => a.label)).toEqual(['Submit verdict']);
    await chat.act(discord('333'), sure.actions[0]!.action, {}, origin());
    const survey: ChatAction = { kind: 'survey', ref: next.ref, position: 0 };
    expect(await chat.act(discord('333'), survey, {}, origin())).toMatchObject({
      status: 'modal',
      modal: { kind: 'survey' },
    });
    expect(
      await chat.act(discord('333'), survey, { fields: { clear: '9', notes: '' } }, origin()),
    ).toMatchObject({
      status: 'refused',
      message: expect.stringMatching(/1 to 5/),
    });
    expect(
      await chat.act(discord('333'), survey, { fields: { clear: '4', notes: 'fine' } }, origin()),
    ).toMatchObject({
      status: 'accepted',
    });
    expect(
      await chat.act(discord('333'), survey, { fields: { clear: '4', notes: 'fine' } }, origin()),
    ).toMatchObject({
      // Sent twice (two devices, a double click): recorded once, and the person is thanked again.
      status: 'accepted',
      duplicate: true,
    });
    const events = (await db.events.load(next.trial.id)).map((e) => e.payload);
    expect(events.at(-1)).toMatchObject({ type: 'FeedbackSubmitted', answers: { clear: 4, notes: 'fine' } });
    const status = await chat.status(name, discord('333'));
    expect(status).toMatchObject({ judged: 1, seats: 1, owed: [] });
    const board = await chat.leaderboard(name);
    expect(board.judges[0]?.name).toBe(status!.participant.label);
  });

  it("times a person's wait from when they took the seat, not from when the move fell due", async () => {
    // A judge-alone trial owes its verdict from the moment it is planned: a person who takes it later
    // has not waited since then. The Slack Home tab's "waiting N min" reads this; counted from when the
    // move fell due, it would show a judge the trial's clock (when it was planned, when a round came
    // in), where what a judge sees may follow only the clock of their own turns.
    const { name, chat } = await experiment({
      judges: [people],
      arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    });
    const due = await db.trials.owedIn(name);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await chat.join(name, discord('444'), true);
    const next = await chat.next(name, discord('444'), origin());
    if (next.status !== 'trial') throw new Error(next.reason);
    const status = await chat.status(name, discord('444'));
    const owed = status!.owed.find((o) => o.trialId === next.trial.id)!;
    const [seat] = (await db.trials.seatsOf(name, status!.participant.id)).filter(
      (s) => s.trialId === next.trial.id,
    );
    const fellDue = due.find((o) => o.trialId === next.trial.id && o.role === 'judge')!.since;
    expect(seat!.assignedAt.getTime()).toBeGreaterThan(fellDue.getTime());
    expect(owed.since).toEqual(seat!.assignedAt);
  });

  it('posts to each thread what is new since it was last posted, simultaneous speeches together', async () => {
    const { name, chat } = await experiment({
      judges: [people],
      arms: [
        { name: 'debate', protocol: 'debate', rounds: 1, speeches: 'simultaneous', trialsPerQuestion: 1 },
      ],
    });
    const sync = new ThreadSync(chat);
    await chat.join(name, discord('444'), true);
    const next = await chat.next(name, discord('444'), origin());
    if (next.status !== 'trial') throw new Error(next.reason);
    await sync.follow({
      trialId: next.trial.id,
      participantId: 'people-1',
      role: 'judge',
      workspace: 'g',
      channel: 'c',
      thread: 't',
    });
    const [first] = await sync.pending({ experimentIds: [name] });
    expect(first!.presentation.entries.map((e) => e.speaker)).toEqual(['Debater A', 'Debater B']);
    await sync.posted(first!);
    expect(await sync.pending({ experimentIds: [name] })).toEqual([]);
    const verdict = await chat.act(
      discord('444'),
      { kind: 'verdict', ref: next.ref, position: next.presentation.turn!.position, credence: [0.6, 0.4] },
      {},
      origin(),
    );
    expect(verdict.status).toBe('accepted');
    const [after] = await sync.pending({ experimentIds: [name] });
    expect(after!.presentation.entries).toEqual([]);
    expect(after!.presentation.outcome).not.toBeNull();
    expect(
      foldEvents((await db.events.load(next.trial.id)).map((e) => e.payload as never)).verdict,
    ).not.toBeNull();
  });
});
