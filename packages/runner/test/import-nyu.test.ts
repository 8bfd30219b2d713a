import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ExperimentConfigSchema,
  foldEvents,
  judgmentOf,
  RewardConfigSchema,
  TrialEventSchema,
} from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundledQuestions } from '../src/datasets.ts';
import {
  detokenize,
  importNyuDataset,
  type NyuImport,
  type NyuRoom,
  nyuExperimentConfig,
  nyuOfflineToTrials,
  nyuToTrials,
  readNyuDebates,
} from '../src/import-nyu.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = process.env.OVERSIGHT_NYU_DATA ?? join(repo, '..', 'shared', 'data', 'nyu-debate-2023');
const available = existsSync(join(dataDir, 'debates-metadata.jsonl'));
if (!available)
  console.warn(
    `import-nyu.test.ts: skipping the NYU import tests: no NYU debate data at ${dataDir} ` +
      '(set OVERSIGHT_NYU_DATA to the folder holding debates-metadata.jsonl and debates/)',
  );

describe('detokenize', () => {
  it('turns Penn Treebank tokens into prose', () => {
    const tokens = ['``', 'I', 'do', "n't", 'know', ',', "''", 'he', 'said', '.', '\n', '\n'];
    const more = [
      '-LRB-',
      'It',
      "'s",
      'Pa',
      "'s",
      '-RRB-',
      '-LSB-',
      'see',
      '-RSB-',
      'I',
      'can',
      'not',
      '--',
      'no',
      '!',
    ];
    expect(detokenize([...tokens, ...more])).toBe(
      `"I don't know," he said.\n\n(It's Pa's) [see] I cannot—no!`,
    );
  });

  it('copes with tokens split into sentences or on whitespace', () => {
    expect(detokenize(['There was a thump.', 'Maitland stirred, and opened his', '\n', ' eyes.'])).toBe(
      'There was a thump. Maitland stirred, and opened his\neyes.',
    );
    expect(detokenize(['the', '', 'spaceship—and', 'nothing.'])).toBe('the spaceship—and nothing.');
  });
});

describe.skipIf(!available)(`NYU 2023 import (data: ${dataDir})`, () => {
  let rooms: NyuRoom[];
  let data: NyuImport;
  let db: Database;
  let dbDir: string;
  const reward = RewardConfigSchema.parse({ logBase: 2, perRoundPenalty: 0.05 });

  beforeAll(async () => {
    rooms = await readNyuDebates(dataDir);
    data = nyuToTrials(rooms);
    dbDir = mkdtempSync(join(tmpdir(), 'oversight-nyu-'));
    db = await openDatabase({ dataDir: dbDir, databaseUrl: '' });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it('reads every room and builds the 342 questions of the bundled dataset', async () => {
    expect(rooms).toHaveLength(631);
    const bundled = await loadBundledQuestions();
    expect(data.questions).toEqual(bundled);
  });

  it('converts the 413 rooms of the paper into valid event logs with the NYU outcome', () => {
    expect(data.trials).toHaveLength(413);
    const byName = new Map(rooms.map((r) => [r.name, r]));
    for (const trial of data.trials) {
      const log = [trial.created, ...trial.events];
      for (const event of log) TrialEventSchema.parse(event);
      const room = byName.get(trial.room)!;
      const judgment = judgmentOf(foldEvents(log), reward)!;
      expect(judgment.probCorrect).toBe(room.result!.finalJudgement[room.correctAnswerIndex]);
      expect(judgment.rounds).toBe(room.result!.numContinues);
      // NYU's own judge reward (log2 p − 0.05 per continue) comes out the same.
      expect(judgment.reward).toBeCloseTo(room.result!.judgeReward, 9);
      const question = data.questions.find((q) => q.id === trial.created.questionId)!;
      const shown = trial.created.displayed.map((i) => question.answers[i]);
      expect(shown).toEqual(room.answers);
      expect(question.answers[trial.created.displayed[trial.created.correctDisplayed]!]).toBe(
        room.answers[room.correctAnswerIndex],
      );
    }
  });

  it('verifies every quote against the detokenised story', () => {
    let quotes = 0;
    for (const trial of data.trials)
      for (const event of trial.events)
        if (event.type === 'ArgumentSubmitted')
          for (const quote of event.quotes) {
            quotes += 1;
            expect(quote.status, `${trial.room}: ${quote.text}`).toBe('verified');
          }
    expect(quotes).toBeGreaterThan(5000);
  });

  it('describes the experiment with a valid config, the one kept in experiments/nyu-2023-reanalysis', () => {
    const config = nyuExperimentConfig(data);
    const stored = JSON.parse(
      readFileSync(join(repo, 'experiments', 'nyu-2023-reanalysis', 'config.json'), 'utf8'),
    ) as unknown;
    expect(ExperimentConfigSchema.parse(stored)).toEqual(config);
    expect(config.arms.map((a) => a.name)).toEqual([
      'human-debate',
      'human-consultancy',
      'ai-debate',
      'ai-consultancy',
    ]);
  });

  it('turns the 247 offline judgments into their own arms, with the paper exclusions by flag', () => {
    const all = nyuOfflineToTrials(rooms, { all: true });
    // 247 offline judgments in the release; one never reached a final judgement
    expect(all.trials.length + all.unfinished).toBe(247);
    expect(all.unfinished).toBe(1);
    const count = (d: typeof all) =>
      Object.fromEntries(
        [...new Set(d.trials.map((t) => t.created.arm))].map((a) => [
          a,
          d.trials.filter((t) => t.created.arm === a).length,
        ]),
      );
    // judge-less rooms, ended by the debaters' NegotiateEnd vote, are their own arm
    expect(count(all)).toEqual({
      'human-debate-offline': 147,
      'human-debate-negotiated': 82,
      'human-consultancy-offline': 14,
      'ai-debate-offline': 1,
      'ai-consultancy-offline': 2,
    });
    const paper = nyuOfflineToTrials(rooms);
    expect(paper.trials).toHaveLength(118);
    expect(paper.trials.every((t) => !t.created.arm.endsWith('-negotiated'))).toBe(true);
    const byName = new Map(rooms.map((r) => [r.name, r]));
    for (const trial of all.trials) {
      const log = [trial.created, ...trial.events];
      for (const event of log) TrialEventSchema.parse(event);
      const state = foldEvents(log);
      const judgment = judgmentOf(state, reward)!;
      const room = byName.get(trial.room)!;
      // the offline judge is the trial's judge; their belief path is theirs alone
      expect(trial.created.judgeId).not.toBe(room.roles.Judge ? room.roles.Judge.toLowerCase() : '');
      expect(state.beliefs.every((b) => b.meta?.participantId === trial.created.judgeId)).toBe(true);
      expect(judgment.correct).toBe(judgment.probCorrect > 0.5);
    }
    expect(
      ExperimentConfigSchema.parse(nyuExperimentConfig(all, 'nyu-2023-offline')).arms.map((a) => a.name),
    ).toEqual([
      'human-debate-offline',
      'human-debate-negotiated',
      'human-consultancy-offline',
      'ai-debate-offline',
      'ai-consultancy-offline',
    ]);
  });

  it('imports into the database with the published judgments, and a second import adds nothing', async () => {
    const first = await importNyuDataset(db, dataDir);
    expect(first).toMatchObject({ experimentId: 'nyu-2023', questions: 342, trials: 413, completed: 413 });
    expect(first.offline).toMatchObject({ experimentId: 'nyu-2023-offline', trials: 118, completed: 118 });
    expect(await db.judgments.count('nyu-2023-offline')).toBe(118);

    const judgments = await db.judgments.list('nyu-2023');
    expect(judgments).toHaveLength(413);
    const tally = (rows: typeof judgments) => `${rows.filter((j) => j.correct).length}/${rows.length}`;
    const arm = (name: string) => judgments.filter((j) => j.arm === name);
    expect(tally(arm('human-debate'))).toBe('130/154');
    expect(tally(arm('human-consultancy'))).toBe('71/96');
    expect(tally(arm('ai-debate'))).toBe('68/87');
    expect(tally(arm('ai-consultancy'))).toBe('61/76');
    expect(tally(arm('human-consultancy').filter((j) => j.arguerHonest === true))).toBe('42/48');
    expect(tally(arm('human-consultancy').filter((j) => j.arguerHonest === false))).toBe('29/48');
    for (const j of judgments) expect(j.correct).toBe(j.probCorrect > 0.5);

    const events = async () => (await db.trials.list('nyu-2023')).reduce((sum, t) => sum + t.nextSeq, 0);
    const eventsBefore = await events();
    expect(eventsBefore).toBe(data.trials.reduce((sum, t) => sum + 1 + t.events.length, 0));

    const second = await importNyuDataset(db, dataDir);
    expect(second).toMatchObject({ questions: 0, participants: 0, trials: 0, completed: 0 });
    expect(second.offline).toMatchObject({ trials: 0, completed: 0 });
    expect(await db.judgments.count('nyu-2023')).toBe(413);
    expect(await events()).toBe(eventsBefore);
    expect(await db.questions.count('nyu-2023')).toBe(342);
  }, 300_000);
});
