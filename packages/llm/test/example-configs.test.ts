import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExperimentConfigSchema, type LlmSpec } from '@oversight/core';
import { loadBundledQuestions, participantDirectory, planExperiment } from '@oversight/runner';
import { describe, expect, it } from 'vitest';
import { llmParticipantFactory, MemoryLlmStore } from '../src/index.ts';

/**
 * The example configs in experiments/: ai-debate-* and the training loop of docs/training-data.md
 * (training-loop/). They parse, plan, and build their participants.
 */

const load = (file: string) =>
  ExperimentConfigSchema.parse(
    JSON.parse(readFileSync(fileURLToPath(new URL(`../../../experiments/${file}`, import.meta.url)), 'utf8')),
  );

describe.each([
  'ai-debate-local/config.json',
  'ai-debate-openai/config.json',
  'training-loop/prompted.json',
  'training-loop/trained.json',
])('experiments/%s', (file) => {
  const config = load(file);

  it('plans on the bundled questions and builds every participant', async () => {
    const plan = planExperiment(config, await loadBundledQuestions());
    expect(plan.trials.length).toBeGreaterThan(0);
    const factory = llmParticipantFactory({
      store: new MemoryLlmStore(),
      config: config.llm,
      experimentId: plan.experimentId,
      // The training loop's servers are local and need no key.
      env: file.startsWith('ai-debate') ? { OPENAI_API_KEY: 'sk-not-a-real-key' } : {},
    });
    const participant = participantDirectory(plan, { llm: factory });
    for (const record of plan.participants) expect(participant(record.id).record.id).toBe(record.id);
  });
});

describe.each(['ai-debate-local', 'ai-debate-openai'])('experiments/%s/config.json', (name) => {
  it('parses, with AI debate and AI consultancy arms and AI judges', () => {
    const config = load(`${name}/config.json`);
    expect(config.name).toBe(name);
    const protocols = new Set(config.arms.map((a) => a.protocol));
    expect(protocols.has('debate') && protocols.has('consultancy')).toBe(true);
    expect(config.judges.every((j) => j.participant.kind === 'llm')).toBe(true);
    expect(
      config.arms.some((a) => a.arguer.kind === 'llm' && a.arguer.induction.method === 'best-of-n'),
    ).toBe(true);
  });
});

it('the local example has a best-of-n arm and a model arm, all on loopback', () => {
  const config = load('ai-debate-local/config.json');
  expect(config.arms.some((a) => a.dishonestArguer?.kind === 'llm')).toBe(true);
  const specs = [
    ...config.arms.flatMap((a) => [a.arguer, a.dishonestArguer]),
    ...config.judges.map((j) => j.participant),
  ];
  for (const spec of specs.filter((s): s is LlmSpec => s?.kind === 'llm')) {
    expect(config.llm.endpoints[spec.endpoint]?.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:/);
  }
});

it('the training loop calls only loopback servers', () => {
  for (const file of ['training-loop/prompted.json', 'training-loop/trained.json'])
    for (const endpoint of Object.values(load(file).llm.endpoints))
      expect(endpoint.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:/);
});

it('the first collects from prompted and best-of-n liars; the second puts the trained model on the wrong side', () => {
  const prompted = load('training-loop/prompted.json');
  const inductions = (config: typeof prompted) =>
    config.arms.map((a) => (a.arguer as LlmSpec).induction.method).sort();
  expect(inductions(prompted)).toEqual(['best-of-n', 'prompted', 'prompted']);
  // Outcome pairs need a wrong-side prompt written from twice: each (answer order, honesty) twice.
  expect(prompted.arms.some((a) => a.protocol === 'consultancy' && a.trialsPerQuestion % 8 === 0)).toBe(true);

  const trained = load('training-loop/trained.json');
  const models = trained.arms.flatMap((a) => {
    const induction = (a.arguer as LlmSpec).induction;
    const wrongSide = a.dishonestArguer as LlmSpec | undefined;
    return [induction.method === 'model' ? induction.model : null, wrongSide?.model ?? null];
  });
  expect(models.filter((m) => m === 'liar-ft')).toHaveLength(3);
  expect(trained.arms.map((a) => a.name)).toContain('consultancy-prompted');
});
