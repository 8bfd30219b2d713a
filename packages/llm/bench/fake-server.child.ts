/**
 * The fake OpenAI-compatible server for the benchmark, in its own process so that its CPU time is
 * not counted as the orchestrator's. Prints `{"url": ...}` once listening; on the IPC message
 * `stats` it answers with the server's stats and its own CPU time, on `close` it exits.
 */
import { startFakeOpenAI } from '@oversight/testkit';

const latencyMs = Number(process.env.FAKE_LATENCY_MS ?? 200);
const server = await startFakeOpenAI({ latencyMs, maxRecordedRequests: 100 });
process.send?.({ url: server.url });
process.on('message', async (message: unknown) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send?.({ stats: server.stats(), cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (message === 'close') {
    await server.close();
    process.exit(0);
  }
});
// The benchmark is gone however it ended (an error, a timeout, SIGKILL): its IPC channel closes.
process.on('disconnect', () => process.exit(0));
