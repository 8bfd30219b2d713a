import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExperimentConfigSchema, type LlmSpec } from '@oversight/core';
import { loadBundledQuestions, participantDirectory, planExperiment } from '@oversight/runner';
import { describe, expect, it } from 'vitest';
import { llmParticipantFactory, MemoryLlmStore } from '../src/index.ts';

/** The example configs in experiments/ai-debate-*: they parse, plan, and build their participants. */

const configPath = (name: string) =>
  fileURLToPath(new URL(`../../../experiments/${name}/config.json`, import.meta.url));

describe.each(['ai-debate-local', 'ai-debate-openai'])('experiments/%s/config.json', (name) => {
  const config = ExperimentConfigSchema.parse(JSON.parse(readFileSync(configPath(name), 'utf8')));

  it('parses, with AI debate and AI consultancy arms and AI judges', () => {
    expect(config.name).toBe(name);
    const protocols = new Set(config.arms.map((a) => a.protocol));
    expect(protocols.has('debate') && protocols.has('consultancy')).toBe(true);
    expect(config.judges.every((j) => j.participant.kind === 'llm')).toBe(true);
    expect(
      config.arms.some((a) => a.arguer.kind === 'llm' && a.arguer.induction.method === 'best-of-n'),
    ).toBe(true);
  });

  it('plans on the bundled questions and builds every participant', async () => {
    const plan = planExperiment(config, await loadBundledQuestions());
    expect(plan.trials.length).toBeGreaterThan(0);
    const factory = llmParticipantFactory({
      store: new MemoryLlmStore(),
      config: config.llm,
      experimentId: plan.experimentId,
      env: { OPENAI_API_KEY: 'sk-not-a-real-key' },
    });
    const participant = participantDirectory(plan, { llm: factory });
    for (const record of plan.participants) expect(participant(record.id).record.id).toBe(record.id);
  });
});

it('the local example has a best-of-n arm and a model arm, all on loopback', () => {
  const config = ExperimentConfigSchema.parse(
    JSON.parse(readFileSync(configPath('ai-debate-local'), 'utf8')),
  );
  expect(config.arms.some((a) => a.dishonestArguer?.kind === 'llm')).toBe(true);
  const specs = [
    ...config.arms.flatMap((a) => [a.arguer, a.dishonestArguer]),
    ...config.judges.map((j) => j.participant),
  ];
  for (const spec of specs.filter((s): s is LlmSpec => s?.kind === 'llm')) {
    expect(config.llm.endpoints[spec.endpoint]?.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:/);
  }
});
