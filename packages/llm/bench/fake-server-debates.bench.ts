/**
 * 1,000 AI debates against the fake OpenAI-compatible server at 200 ms latency.
 *
 * Each debate: 3 rounds, sequential speeches, the AI judge reports beliefs after every round and
 * may not end early, so every turn is one model call: 3 × (debater A, debater B, judge) = 9 calls
 * in a row. The endpoint allows 64 requests in flight and 64 debates are driven at once, one
 * request in flight each. Trials live in the runner's MemoryTrialStore and the LLM cache and call
 * log in a MemoryLlmStore (cache on, all misses), so the database is not what is measured. The fake
 * server runs in a child process, so its CPU is not counted as orchestration.
 *
 * Printed: wall time; the latency-bound limit = (sequential calls per debate × latency) ×
 * waves, waves = ceil(debates / floor(maxConcurrent / requests in flight per debate)); limit / wall;
 * model calls; orchestration CPU per call (this process's user + system CPU during the run / calls).
 *
 *   pnpm --filter @oversight/llm bench       (DEBATES=200 LATENCY_MS=200 MAX_CONCURRENT=64 to vary)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRng, ExperimentConfigSchema, type Question } from '@oversight/core';
import {
  driveTrial,
  MemoryTrialStore,
  participantDirectory,
  planExperiment,
  runPool,
} from '@oversight/runner';
import type { FakeOpenAIStats } from '@oversight/testkit';
import { llmParticipantFactory, MemoryLlmStore } from '../src/index.ts';

const DEBATES = Number(process.env.DEBATES ?? 1000);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 200);
const MAX_CONCURRENT = Number(process.env.MAX_CONCURRENT ?? 64);
const ROUNDS = 3;
const TRIALS_PER_QUESTION = 10;
const STORY_CHARS = Number(process.env.STORY_CHARS ?? 18_000); // QuALITY stories run to 2–8 thousand words

// ---------------------------------------------------------------------------------------------
// Synthetic questions: one story per question, each about 18,000 characters.

const WORDS =
  'the a ship captain crew storm night river city machine letter garden tower signal doctor colony engine window road forest message station silver harbour winter'.split(
    ' ',
  );
const VERBS = 'saw built carried found opened crossed followed watched repaired hid answered waited'.split(
  ' ',
);

function story(seed: string): string {
  const rng = createRng(seed);
  const sentences: string[] = [];
  let length = 0;
  while (length < STORY_CHARS) {
    const words = Array.from({ length: 8 + rng.int(12) }, (_, i) =>
      i === 2 ? VERBS[rng.int(VERBS.length)]! : WORDS[rng.int(WORDS.length)]!,
    );
    const sentence = `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}.`;
    sentences.push(sentence);
    length += sentence.length + 1;
  }
  return sentences.join(' ');
}

const questionCount = Math.ceil(DEBATES / TRIALS_PER_QUESTION);
const questions: Question[] = Array.from({ length: questionCount }, (_, i) => ({
  id: `q${String(i).padStart(4, '0')}`,
  storyId: `s${i}`,
  storyTitle: `Story ${i}`,
  question: `What did the captain find in story ${i}?`,
  answers: ['A silver letter in the tower', 'A broken engine by the river'],
  correctIndex: 0,
  source: story(`story-${i}`),
  metadata: {},
}));

// ---------------------------------------------------------------------------------------------

type ChildMessage = { url: string } | { stats: FakeOpenAIStats; cpuMs: number };

async function startServerProcess() {
  const child = fork(fileURLToPath(new URL('./fake-server.child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, FAKE_LATENCY_MS: String(LATENCY_MS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<ChildMessage>((resolve, reject) => {
      child.once('message', (m) => resolve(m as ChildMessage));
      child.once('exit', (code) => reject(new Error(`fake server exited with ${code}`)));
    });
  const { url } = (await next()) as { url: string };
  return {
    url,
    async stats() {
      const reply = next();
      child.send('stats');
      return (await reply) as { stats: FakeOpenAIStats; cpuMs: number };
    },
    close() {
      child.send('close');
    },
  };
}

async function startProfiler() {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main() {
  const server = await startServerProcess();
  const config = ExperimentConfigSchema.parse({
    name: 'bench-ai-debates',
    seed: 'bench',
    judges: [
      {
        name: 'ai',
        count: 64,
        participant: { kind: 'llm', model: 'fake-judge', temperature: 0, maxTokens: 300 },
      },
    ],
    arms: [
      {
        name: 'debate',
        protocol: 'debate',
        rounds: ROUNDS,
        speeches: 'sequential',
        judgeMayEndEarly: false,
        beliefsEachRound: true,
        trialsPerQuestion: TRIALS_PER_QUESTION,
        arguer: { kind: 'llm', model: 'fake-model', maxTokens: 600 },
      },
    ],
    concurrency: MAX_CONCURRENT,
    llm: {
      endpoints: {
        default: { baseURL: server.url, maxConcurrent: MAX_CONCURRENT, timeoutMs: 20_000, maxRetries: 2 },
      },
    },
  });
  const plan = planExperiment(config, questions);
  plan.trials = plan.trials.slice(0, DEBATES);
  const trials = new MemoryTrialStore();
  for (const t of plan.trials) trials.create([t.created]);
  const store = new MemoryLlmStore();
  const participant = participantDirectory(plan, {
    llm: llmParticipantFactory({ store, config: config.llm, experimentId: plan.experimentId }),
  });
  const byId = new Map(questions.map((q) => [q.id, q]));
  const context = {
    store: trials,
    questions: (created: { questionId: string }) => byId.get(created.questionId)!,
    participant,
    reward: config.reward,
  };

  // Warm-up (JIT, connection pool): a few debates outside the measurement, on their own store.
  {
    const warm = planExperiment({ ...config, name: 'bench-warm-up' }, questions.slice(0, 2));
    const warmTrials = new MemoryTrialStore();
    for (const t of warm.trials.slice(0, 8)) warmTrials.create([t.created]);
    const warmParticipant = participantDirectory(warm, {
      llm: llmParticipantFactory({
        store: new MemoryLlmStore(),
        config: config.llm,
        experimentId: warm.experimentId,
      }),
    });
    await Promise.all(
      warm.trials
        .slice(0, 8)
        .map((t) =>
          driveTrial(t.created.trialId, { ...context, store: warmTrials, participant: warmParticipant }),
        ),
    );
  }
  const serverBefore = await server.stats();

  const outcomes = { finished: 0, aborted: 0, waiting: 0 };
  async function* ids() {
    for (const t of plan.trials) yield t.created.trialId;
  }
  // PROFILE=file.cpuprofile records a CPU profile of the measured run only (open it in Chrome DevTools).
  const profiler = process.env.PROFILE ? await startProfiler() : undefined;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await runPool(ids(), MAX_CONCURRENT, async (trialId) => {
    outcomes[await driveTrial(trialId, context)] += 1;
  });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  if (profiler && process.env.PROFILE) await profiler.stop(process.env.PROFILE);
  const serverAfter = await server.stats();
  server.close();

  const calls = store.calls.filter((c) => c.ok && !c.cached).length;
  const failedAttempts = store.calls.filter((c) => !c.ok).length;
  const sequentialCalls = ROUNDS * 3;
  const inFlightPerDebate = 1;
  const waves = Math.ceil(DEBATES / Math.floor(MAX_CONCURRENT / inFlightPerDebate));
  const limitMs = sequentialCalls * LATENCY_MS * waves;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const serverCpuMs = serverAfter.cpuMs - serverBefore.cpuMs;
  const requests = serverAfter.stats.chatCompletions - serverBefore.stats.chatCompletions;

  const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `AI debates against the fake OpenAI server (child process), MemoryTrialStore + MemoryLlmStore (no database)`,
  );
  console.log(
    `  debates                  ${DEBATES} (${outcomes.finished} finished, ${outcomes.aborted} aborted)`,
  );
  console.log(
    `  per debate               ${ROUNDS} rounds, sequential speeches, AI judge every round: ${sequentialCalls} calls in a row`,
  );
  console.log(
    `  latency / maxConcurrent  ${LATENCY_MS} ms / ${MAX_CONCURRENT} (driven ${MAX_CONCURRENT} debates at once)`,
  );
  console.log(`  story size               ~${STORY_CHARS.toLocaleString()} characters`);
  console.log(`  wall time                ${fmt(wallMs)}`);
  console.log(
    `  latency-bound limit      ${fmt(limitMs)} = ${sequentialCalls} × ${LATENCY_MS} ms × ${waves} waves`,
  );
  console.log(`  limit / wall             ${((limitMs / wallMs) * 100).toFixed(1)}%`);
  console.log(
    `  model calls              ${calls} (server saw ${requests}; ${failedAttempts} failed attempts)`,
  );
  console.log(`  max requests in flight   ${serverAfter.stats.maxInFlight}`);
  console.log(`  throughput               ${(calls / (wallMs / 1000)).toFixed(1)} calls/s`);
  console.log(
    `  orchestration CPU        ${fmt(cpuMs)} total, ${(cpuMs / calls).toFixed(3)} ms per call (this process only;` +
      ` user ${(cpu.user / 1000 / calls).toFixed(3)} + system ${(cpu.system / 1000 / calls).toFixed(3)} ms)`,
  );
  console.log(`  fake server CPU          ${fmt(serverCpuMs)} (child process, not counted above)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
