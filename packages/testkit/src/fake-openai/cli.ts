/**
 * Starts the fake OpenAI-compatible server from a shell, for manual experiments:
 *
 *   pnpm --filter @oversight/testkit fake-openai --port 8787 --latency 200 --rate429 0.1
 *
 * then use the printed baseURL with any OpenAI client (any API key). Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { startFakeOpenAI } from './server.ts';
import type { BadContentKind, FaultOptions, RecordedRequest } from './types.ts';

const HELP = `Usage: fake-openai [options]
  --port N               port to listen on (default 0: any free port)
  --host H               host (default 127.0.0.1)
  --latency MS           delay before each chat completion (default 0)
  --rate429 P            probability of HTTP 429 per request
  --retry-after S        retry-after of the 429s, in seconds (default 1)
  --rate500 P            probability of HTTP 500
  --rate-hang P          probability of never answering
  --rate-malformed P     probability of a truncated JSON body
  --rate-bad-content P   probability of broken JSON content (json_schema/json_object requests)
  --bad-content KIND     truncated | prose | fenced | schema-mismatch (default truncated)
  --seed N               seed of the fault draws (default 0)
  --model ID             model id listed by GET /v1/models (repeatable; default fake-model)
  --quiet                do not print a line per request
  -h, --help             this help`;

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} expects a number, got "${value}"`);
  return n;
}

/** One line per request: method, path, fault, status, duration — never headers or bodies. */
function printRequest(r: RecordedRequest): void {
  const ms = `${(r.respondedAt ?? Date.now()) - r.receivedAt}ms`;
  const call = r.callIndex === null ? '' : ` call=${r.callIndex}`;
  const left = r.clientAborted ? ' (client left)' : '';
  console.log(`${r.method} ${r.path}${call} ${r.outcome} status=${r.status ?? '-'} ${ms}${left}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      latency: { type: 'string' },
      rate429: { type: 'string' },
      'retry-after': { type: 'string' },
      rate500: { type: 'string' },
      'rate-hang': { type: 'string' },
      'rate-malformed': { type: 'string' },
      'rate-bad-content': { type: 'string' },
      'bad-content': { type: 'string' },
      seed: { type: 'string' },
      model: { type: 'string', multiple: true },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const faults: FaultOptions = {};
  const set = (key: keyof FaultOptions, value: number | undefined): void => {
    if (value !== undefined) (faults as Record<string, number>)[key] = value;
  };
  set('rate429', num('rate429', values.rate429));
  set('retryAfterSeconds', num('retry-after', values['retry-after']));
  set('rate500', num('rate500', values.rate500));
  set('rateHang', num('rate-hang', values['rate-hang']));
  set('rateMalformed', num('rate-malformed', values['rate-malformed']));
  set('rateBadContent', num('rate-bad-content', values['rate-bad-content']));
  set('seed', num('seed', values.seed));
  const badContent = values['bad-content'];
  if (badContent !== undefined) {
    if (!['truncated', 'prose', 'fenced', 'schema-mismatch'].includes(badContent)) {
      throw new Error(
        `--bad-content expects truncated, prose, fenced or schema-mismatch, got "${badContent}"`,
      );
    }
    faults.badContent = badContent as BadContentKind;
  }

  const quiet = values.quiet;
  const server = await startFakeOpenAI({
    port: num('port', values.port) ?? 0,
    host: values.host ?? '127.0.0.1',
    latencyMs: num('latency', values.latency) ?? 0,
    faults,
    ...(values.model !== undefined ? { models: values.model } : {}),
    // Bounded log; the CLI prints requests itself, so keep few.
    maxRecordedRequests: 1000,
    ...(quiet ? {} : { onRequestEnd: printRequest }),
  });
  console.log(`fake-openai listening; baseURL: ${server.url}`);
  console.log(`  e.g. new OpenAI({ baseURL: '${server.url}', apiKey: 'any' })`);

  const stop = (): void => {
    const stats = server.stats();
    console.log(`\nstopping; ${stats.requests} requests, max in flight ${stats.maxInFlight}`);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
