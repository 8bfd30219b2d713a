import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExperimentConfigSchema, type LlmSpec } from '@oversight/core';
import { loadBundledQuestions, participantDirectory, planExperiment } from '@oversight/runner';
import { describe, expect, it } from 'vitest';
import { llmParticipantFactory, MemoryLlmStore } from '../src/index.ts';

/** The configs of the training loop in docs/training-data.md (experiments/training-loop/). */

const load = (file: string) =>
  ExperimentConfigSchema.parse(
    JSON.parse(
      readFileSync(
        fileURLToPath(new URL(`../../../experiments/training-loop/${file}`, import.meta.url)),
        'utf8',
      ),
    ),
  );

describe.each(['prompted.json', 'trained.json'])('experiments/training-loop/%s', (file) => {
  const config = load(file);

  it('plans on the bundled questions, builds every participant, and calls only loopback servers', async () => {
    const plan = planExperiment(config, await loadBundledQuestions());
    expect(plan.trials.length).toBeGreaterThan(0);
    const factory = llmParticipantFactory({
      store: new MemoryLlmStore(),
      config: config.llm,
      experimentId: plan.experimentId,
      env: {},
    });
    const participant = participantDirectory(plan, { llm: factory });
    for (const record of plan.participants) expect(participant(record.id).record.id).toBe(record.id);
    for (const endpoint of Object.values(config.llm.endpoints))
      expect(endpoint.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});

it('the first collects from prompted and best-of-n liars; the second puts the trained model on the wrong side', () => {
  const prompted = load('prompted.json');
  const inductions = (config: typeof prompted) =>
    config.arms.map((a) => (a.arguer as LlmSpec).induction.method).sort();
  expect(inductions(prompted)).toEqual(['best-of-n', 'prompted', 'prompted']);
  // Outcome pairs need a wrong-side prompt written from twice: each (answer order, honesty) twice.
  expect(prompted.arms.some((a) => a.protocol === 'consultancy' && a.trialsPerQuestion % 8 === 0)).toBe(true);

  const trained = load('trained.json');
  const models = trained.arms.flatMap((a) => {
    const induction = (a.arguer as LlmSpec).induction;
    const wrongSide = a.dishonestArguer as LlmSpec | undefined;
    return [induction.method === 'model' ? induction.model : null, wrongSide?.model ?? null];
  });
  expect(models.filter((m) => m === 'liar-ft')).toHaveLength(3);
  expect(trained.arms.map((a) => a.name)).toContain('consultancy-prompted');
});
