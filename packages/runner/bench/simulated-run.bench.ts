/**
 * Simulated trials per second, end to end on the embedded database (PGlite): plan, persist, drive
 * every trial with simulated arguers and judges, one transaction per move, as `oversight run` does.
 * Prints the median of several runs. Usage: pnpm --filter @oversight/runner bench [trials] [runs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExperimentConfigSchema } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { loadBundledQuestions, persistPlan, planExperiment, runTrials } from '../src/index.ts';

const trialsWanted = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 3);
const questions = await loadBundledQuestions();
const perQuestion = 2;
const arms = ['debate', 'consultancy'];
const questionCount = Math.min(questions.length, Math.ceil(trialsWanted / (perQuestion * arms.length)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Array<{ trialsPerSecond: number; eventsPerSecond: number; seconds: number }> = [];
for (let run = 0; run < runs; run++) {
  const dir = mkdtempSync(path.join(tmpdir(), 'oversight-bench-'));
  const config = ExperimentConfigSchema.parse({
    name: 'bench',
    seed: `bench-${run}`,
    questions: { limit: questionCount },
    judges: [{ count: 200 }],
    arms: arms.map((protocol) => ({
      name: protocol,
      protocol,
      rounds: 3,
      judgeMayEndEarly: false,
      trialsPerQuestion: perQuestion,
    })),
    concurrency: 32,
  });
  const db = await openDatabase({ dataDir: dir });
  try {
    const started = performance.now();
    const plan = planExperiment(config, questions);
    await persistPlan(db, plan, 'nyu-2023');
    await runTrials(db, plan);
    const seconds = (performance.now() - started) / 1000;
    const counts = await db.trials.countByStatus('bench');
    const n =
      (await db.prisma.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM "TrialEvent"`))[0]
        ?.n ?? 0n;
    const finished = counts.finished ?? 0;
    results.push({ trialsPerSecond: finished / seconds, eventsPerSecond: Number(n) / seconds, seconds });
    console.log(
      `run ${run + 1}: ${finished} trials, ${n} events in ${seconds.toFixed(2)} s: ${(finished / seconds).toFixed(1)} trials/s, ${(Number(n) / seconds).toFixed(0)} events/s`,
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  `median of ${runs}: ${median(results.map((r) => r.trialsPerSecond)).toFixed(1)} simulated trials/s, ${median(results.map((r) => r.eventsPerSecond)).toFixed(0)} events/s (embedded PGlite, plan + persist + run, debate and consultancy, 3 rounds)`,
);
