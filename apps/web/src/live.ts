import type { ServerResponse } from 'node:http';
import type { Presentation } from '@oversight/chat';
import { type Database, NOTIFY_CHANNEL } from '@oversight/db';

/**
 * Server-sent events for "your turn" and new speeches. A page says what it shows as a version string
 * (made by `versionOf` from what the person sees, never from the log's length, so a withheld
 * simultaneous speech or the other side's extra model calls change nothing a client receives); the
 * hub recomputes each open page's version when woken (a move here, `serve` in this process, or a
 * database notification from another process) and at a slow poll, and sends the new version when it
 * differs. The page then loads itself again.
 */

/** What a trial page shows, as far as a reload is concerned. */
export function versionOf(p: Presentation): string {
  return [
    p.entries.length,
    p.turn ? `t${p.turn.position}` : 'w',
    p.ask ? `a${p.ask.position}` : '-',
    p.outcome ? 'v' : '',
  ].join('.');
}

interface Client {
  experimentId: string;
  res: ServerResponse;
  sent: string;
  /** Cheap check first (a trial row's sequence number, the person's owed moves): null when unchanged. */
  probe: () => Promise<string>;
  lastProbe: string | null;
  compute: () => Promise<string>;
}

export class LiveHub {
  private readonly clients = new Set<Client>();
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private stopListening: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly options: { pollMs: number; heartbeatMs?: number; onError: (error: unknown) => void },
  ) {}

  async start(): Promise<void> {
    this.stopListening = await this.db.listen(NOTIFY_CHANNEL, () => this.wake());
    this.loop = this.run();
  }

  get size(): number {
    return this.clients.size;
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Registers an open page; the stream stays open until the browser closes it. */
  add(
    experimentId: string,
    res: ServerResponse,
    current: string,
    probe: () => Promise<string>,
    compute: () => Promise<string>,
  ): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: Client = { experimentId, res, sent: current, probe, lastProbe: null, compute };
    res.write(`retry: 3000\nevent: update\ndata: ${JSON.stringify({ version: current })}\n\n`);
    this.clients.add(client);
    res.on('close', () => this.clients.delete(client));
  }

  private async run(): Promise<void> {
    let lastBeat = Date.now();
    const heartbeatMs = this.options.heartbeatMs ?? 15_000;
    while (!this.stopped) {
      this.woken = false;
      for (const client of [...this.clients]) {
        try {
          const probe = await client.probe();
          if (probe === client.lastProbe) continue;
          client.lastProbe = probe;
          const version = await client.compute();
          if (version === client.sent) continue;
          client.sent = version;
          client.res.write(`event: update\ndata: ${JSON.stringify({ version })}\n\n`);
        } catch (error) {
          this.options.onError(error);
        }
      }
      if (Date.now() - lastBeat > heartbeatMs) {
        lastBeat = Date.now();
        // A comment line keeps proxies from closing an idle stream.
        for (const client of this.clients) client.res.write(': keep-alive\n\n');
      }
      if (this.stopped) break;
      if (!this.woken)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      this.wakeUp = null;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    for (const client of this.clients) client.res.end();
    this.clients.clear();
    await this.loop;
    await this.stopListening?.();
  }
}
