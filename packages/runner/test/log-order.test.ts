// Views list the turns in the order of the log, whatever their round numbers say (the NYU data numbers
// a judge's question with the round of the answer that follows it), and the driver gives up on a trial
// that keeps losing races instead of spinning.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExperimentConfigSchema, foldEvents, judgeView, type TrialEvent } from '@oversight/core';
import { describe, expect, it } from 'vitest';
import {
  AppendConflict,
  driveTrial,
  MAX_APPEND_CONFLICTS,
  MemoryTrialStore,
  nyuToTrials,
  participantDirectory,
  planExperiment,
  readNyuDebates,
} from '../src/index.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const dataDir = process.env.OVERSIGHT_NYU_DATA ?? join(repo, '..', 'shared', 'data', 'nyu-debate-2023');

describe.skipIf(!existsSync(join(dataDir, 'debates-metadata.jsonl')))('the NYU 2023 trials', () => {
  it('show every judge the turns in log order', async () => {
    const data = nyuToTrials(await readNyuDebates(dataDir), { experimentId: 'nyu-2023' });
    const byId = new Map(data.questions.map((q) => [q.id, q]));
    let withQuestionsBeforeAnswers = 0;
    for (const trial of data.trials) {
      const events: TrialEvent[] = [trial.created, ...trial.events];
      const state = foldEvents(events);
      const shown = judgeView(state, byId.get(trial.created.questionId)!)
        .transcript.filter((e) => e.kind !== 'belief')
        .map((e) => e.text);
      const logged = events.flatMap((e) =>
        e.type === 'ArgumentSubmitted' || e.type === 'JudgeInterjected' ? [e.text] : [],
      );
      expect(shown, trial.created.trialId).toEqual(logged);
      // Count the trials where a question carries the round of the answer logged after it.
      if (
        events.some(
          (e, i) =>
            e.type === 'JudgeInterjected' &&
            events.slice(i + 1).some((f) => f.type === 'ArgumentSubmitted' && f.round === e.round),
        )
      )
        withQuestionsBeforeAnswers += 1;
    }
    expect(data.trials).toHaveLength(413);
    expect(withQuestionsBeforeAnswers).toBeGreaterThan(100);
  });
});

describe('the driver', () => {
  it('stops after a bounded number of lost races, saying why, instead of looping', async () => {
    const config = ExperimentConfigSchema.parse({
      name: 'race',
      seed: 1,
      arms: [{ name: 'debate', protocol: 'debate' }],
    });
    const source = 'The keeper lit the lamp at dusk and waited for ships to pass the rocks.';
    const questions = [
      {
        id: 'q',
        storyId: 's',
        storyTitle: '',
        question: '?',
        answers: ['a', 'b'],
        correctIndex: 0,
        source,
        metadata: {},
      },
    ];
    const plan = planExperiment(config, questions);
    const store = new MemoryTrialStore();
    store.create([plan.trials[0]!.created]);
    let appends = 0;
    const losing = Object.assign(Object.create(store), {
      async append() {
        appends += 1;
        throw new AppendConflict('another writer won');
      },
    }) as MemoryTrialStore;
    const drive = driveTrial(plan.trials[0]!.created.trialId, {
      store: losing,
      questions: () => questions[0]!,
      participant: participantDirectory(plan, {}),
      reward: config.reward,
    });
    await expect(drive).rejects.toThrow(/lost to other writers/);
    expect(appends).toBe(MAX_APPEND_CONFLICTS + 1);
  });
});
