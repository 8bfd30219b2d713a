import path from 'node:path';
import { planExperiment } from '@oversight/runner';
import { describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../src/config-file.ts';
import { preflight } from '../src/preflight.ts';
import { repoRoot } from './cli.ts';

/**
 * The configs of docs/first-experiment.md, one per way of judging: each is read as `oversight run`
 * reads it (comments, its own questions file, the checks before anything is written) and planned.
 */
const folder = path.join(repoRoot, 'experiments/first-experiment');
const load = (name: string) => loadExperimentConfig(path.join(folder, name));

describe('experiments/first-experiment', () => {
  it('the pilot: simulated judges and arguers, debate vs consultancy vs the judge alone, 80 trials', async () => {
    const loaded = await load('pilot.json');
    preflight(loaded);
    expect(loaded.questions).toHaveLength(8);
    const plan = planExperiment(loaded.config, loaded.questions, loaded.datasetName);
    expect(plan.trials).toHaveLength(80);
    expect(loaded.config.arms.map((a) => a.protocol)).toEqual(['debate', 'consultancy', 'judge-alone']);
    expect(plan.participants.every((p) => p.spec.kind.startsWith('simulated'))).toBe(true);
    // Every trial has its simulated judge when planned; no judge sees a story twice.
    const seen = new Set<string>();
    for (const { created } of plan.trials) {
      expect(created.judgeId).not.toBeNull();
      const key = `${created.judgeId} ${created.storyId}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
    }
  });

  it.each([
    ['terminal.json', 'terminal'],
    ['discord.json', 'discord'],
    ['slack.json', 'slack'],
  ] as const)(
    '%s: the same design judged by people (%s), with consent, a survey and AI arguers',
    async (file, platform) => {
      const loaded = await load(file);
      preflight(loaded);
      const { config } = loaded;
      expect(config.judges).toHaveLength(1);
      expect(config.judges[0]!.participant).toEqual({ kind: 'human', platform });
      expect(config.consent?.text).toMatch(/pseudonym/);
      expect(config.survey?.length).toBeGreaterThan(0);
      expect(config.arms.filter((a) => a.arguer.kind === 'llm').map((a) => a.name)).toEqual([
        'debate',
        'consultancy',
      ]);
      // The model server is on this machine: no key is sent anywhere.
      expect(config.llm.endpoints.local?.baseURL).toBe('http://127.0.0.1:8000/v1');
      const plan = planExperiment(config, loaded.questions, loaded.datasetName);
      expect(plan.trials).toHaveLength(80);
      // A person's seat is given when they ask for work, never when the experiment is planned.
      expect(plan.trials.every(({ created }) => created.judgeId === null)).toBe(true);
    },
  );
});
