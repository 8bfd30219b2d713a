// What the chat layer shows of the payment rule and the quality checks: a person's running reward and
// what it will pay (by the rule `oversight pay` pays by), and a survey whose attention check's expected
// answer never reaches their screen, nor shows in the reply to a right or a wrong answer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bonusFor, ExperimentConfigSchema, type Question, rewardStatusLine } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { type Identity, persistPlan, planExperiment, runTrials } from '@oversight/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatAction, ChatService, surveyQuestionForClient } from '../src/index.ts';

const source = Array.from({ length: 20 }, (_, i) => `Line ${i}: the keeper lit lamp ${i} at dusk.`).join(' ');
const questions: Question[] = Array.from({ length: 3 }, (_, i) => ({
  id: `q${i}`,
  storyId: `s${i}`,
  storyTitle: `Story ${i}`,
  question: `What did keeper ${i} do at dusk?`,
  answers: ['lit the lamp', 'went fishing'],
  correctIndex: 0,
  source,
  metadata: {},
}));

let db: Database;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-chat-pay-'));
  db = await openDatabase({ dataDir: dir });
});
afterAll(async () => {
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const EXPECTED = 'tangerine-owl';
const payment = {
  platform: 'prolific',
  currency: 'GBP',
  base: 1,
  ratePerPoint: 0.3,
  floor: 0,
  cap: 5,
  excludedJudges: 'base',
} as const;

async function experiment(name: string) {
  const config = ExperimentConfigSchema.parse({
    name,
    seed: name,
    judges: [{ name: 'people', participant: { kind: 'human', platform: 'discord' } }],
    arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 1 }],
    reward: { constant: 1 },
    survey: [
      { id: 'clear', question: 'How clear was it?' },
      { id: 'word', question: 'Type the two words the instructions asked you to remember.', kind: 'text' },
      {
        id: 'pick',
        question: 'Choose "second" to show you read this.',
        kind: 'choice',
        options: ['first', 'second'],
      },
    ],
    payment,
    qualityControl: {
      attentionChecks: [
        { question: 'word', expected: EXPECTED },
        { question: 'pick', expected: 'second' },
      ],
      exclude: { attentionChecks: { maxFailed: 0 } },
    },
  });
  const plan = planExperiment(config, questions, `${name}-q`);
  await persistPlan(db, plan, `${name}-q`);
  await runTrials(db, plan);
  return new ChatService(db, 'discord');
}

const discord = (user: string): Identity => ({ platform: 'discord', user });
let clicks = 0;
const origin = () => ({ id: `interaction:pay-${++clicks}` });

async function judgeOnce(chat: ChatService, name: string, who: Identity, pCorrectShown: number) {
  const next = await chat.next(name, who, origin());
  if (next.status !== 'trial') throw new Error(next.reason);
  const numbers: ChatAction = { kind: 'numbers', ref: next.ref, position: next.presentation.turn!.position };
  const chosen = await chat.act(
    who,
    numbers,
    { fields: { 'credence-0': String(pCorrectShown), 'credence-1': String(100 - pCorrectShown) } },
    origin(),
  );
  if (chosen.status !== 'choose') throw new Error(JSON.stringify(chosen));
  const verdict = chosen.actions.find((a) => a.action.kind === 'verdict')!;
  expect(await chat.act(who, verdict.action, {}, origin())).toMatchObject({ status: 'accepted' });
  return next.ref;
}

describe('payment and quality checks in the chat layer', () => {
  it("shows a person's running reward and what it will pay, by the payment rule", async () => {
    const name = 'chat-pay';
    const chat = await experiment(name);
    await chat.join(name, discord('501'), true);
    const before = await chat.status(name, discord('501'));
    expect(before!.rewardText).toBe(
      "No verdicts yet: it would pay £1.00 (£1.00 plus £0.30 per point of reward, between £0.00 and £5.00), before the study's quality checks.",
    );
    await judgeOnce(chat, name, discord('501'), 70);
    await judgeOnce(chat, name, discord('501'), 40);
    const after = (await chat.status(name, discord('501')))!;
    const rewards = (await db.judgments.list(name)).map((j) => j.reward);
    expect(rewards).toHaveLength(2);
    const bonus = bonusFor(payment, rewards);
    expect(after.bonus).toMatchObject({ minor: bonus.minor, currency: 'GBP' });
    const total = rewards[0]! + rewards[1]!;
    expect(after.rewardText).toBe(
      `Reward so far ${total.toFixed(2)} over 2 verdicts (mean ${(total / 2).toFixed(3)}); it pays £${(bonus.minor / 100).toFixed(2)} (£1.00 plus £0.30 per point of reward, between £0.00 and £5.00), before the study's quality checks.`,
    );
  });

  it("never sends an attention check's expected answer to the client, and replies the same to a wrong answer", async () => {
    const name = 'chat-qc';
    const chat = await experiment(name);
    const replies: string[] = [];
    for (const [user, word] of [
      ['601', EXPECTED],
      ['602', 'no idea'],
    ] as const) {
      await chat.join(name, discord(user), true);
      const ref = await judgeOnce(chat, name, discord(user), 80);
      const survey: ChatAction = { kind: 'survey', ref, position: 0 };
      const modal = await chat.act(discord(user), survey, {}, origin());
      expect(modal).toMatchObject({ status: 'modal', modal: { kind: 'survey' } });
      if (modal.status !== 'modal' || modal.modal.kind !== 'survey') throw new Error();
      const spec = JSON.stringify(modal);
      expect(spec).not.toContain(EXPECTED);
      expect(spec).not.toContain('expected');
      expect(modal.modal.questions.map((q) => Object.keys(q).sort())).toEqual([
        ['id', 'kind', 'question'],
        ['id', 'kind', 'question'],
        ['id', 'kind', 'options', 'question'],
      ]);
      const done = await chat.act(
        discord(user),
        survey,
        { fields: { clear: '3', word, pick: user === '601' ? 'second' : 'first' } },
        origin(),
      );
      expect(done.status).toBe('accepted');
      if (done.status === 'accepted') replies.push(JSON.stringify({ ...done, presentation: null }));
    }
    // The reply says nothing of right or wrong: the same words after either.
    expect(replies[0]).toBe(replies[1]);
    expect(replies.join('')).not.toContain(EXPECTED);
  });

  it('keeps only a question’s own fields, whatever else a question object carries', () => {
    const carrying = { id: 'x', question: 'Q?', kind: 'text' as const, expected: 'secret' } as never;
    expect(surveyQuestionForClient(carrying)).toEqual({ id: 'x', question: 'Q?', kind: 'text' });
    expect(rewardStatusLine([], undefined)).toBe('No verdicts yet.');
    expect(rewardStatusLine([-1, 0.5], undefined)).toBe('Reward so far -0.50 over 2 verdicts (mean -0.250).');
  });
});
