/**
 * Throughput and overhead of the fake OpenAI server under the load the llm benchmark puts on it:
 * 64 concurrent requests with 200 ms latency, through the real openai SDK (client and server share
 * this process, so the CPU figure is an upper bound for the server alone).
 *
 *   pnpm --filter @oversight/testkit bench
 */
import OpenAI from 'openai';
import { startFakeOpenAI } from '../src/index.ts';

const CONCURRENCY = 64;
const LATENCY_MS = 200;
const ROUNDS = 10;
const STORY = 'The ship sailed at dawn. Nobody aboard knew the captain had lied. The storm came at noon.';

const server = await startFakeOpenAI({ latencyMs: LATENCY_MS });
const openai = new OpenAI({ baseURL: server.url, apiKey: 'bench-key', maxRetries: 0, timeout: 10_000 });

const durations: number[] = [];
const round = (r: number, record: boolean) =>
  Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      const t0 = performance.now();
      await openai.chat.completions.create({
        model: 'fake-model',
        messages: [{ role: 'user', content: `<story>${STORY}</story> Argue, round ${r}, debater ${i}.` }],
      });
      if (record) durations.push(performance.now() - t0);
    }),
  );
await round(-1, false); // warm-up: connections, JIT
server.reset();
const cpuStart = process.cpuUsage();
const started = performance.now();
for (let r = 0; r < ROUNDS; r++) await round(r, true);
const wall = performance.now() - started;
const cpu = process.cpuUsage(cpuStart);
const maxInFlight = server.stats().maxInFlight;
await server.close();

durations.sort((a, b) => a - b);
const q = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))] ?? 0;
const total = CONCURRENCY * ROUNDS;
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`fake-openai: ${total} requests, ${CONCURRENCY} concurrent, latency ${LATENCY_MS} ms`);
console.log(
  `  wall ${wall.toFixed(0)} ms (ideal ${ROUNDS * LATENCY_MS} ms), ${(total / (wall / 1000)).toFixed(0)} req/s`,
);
console.log(
  `  request time p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${q(1).toFixed(1)} ms`,
);
console.log(
  `  CPU (client + server) ${cpuMs.toFixed(0)} ms = ${(cpuMs / total).toFixed(2)} ms/request, ${((100 * cpuMs) / wall).toFixed(0)}% of one core`,
);
console.log(`  max in flight ${maxInFlight}`);
console.log(
  '  (with the server in its own process it used about 0.25 ms CPU per request; the rest is the SDK)',
);
