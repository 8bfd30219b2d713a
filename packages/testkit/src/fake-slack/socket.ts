import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import type { SocketAck } from './types.ts';

/**
 * Socket Mode as Slack speaks it: the app opens `apps.connections.open`'s URL, gets `hello`, and then
 * receives envelopes (`events_api`, `interactive`, `slash_commands`) that it must acknowledge with
 * `{ envelope_id, payload }`. The fake pings every few seconds as Slack does (the client drops a
 * connection that stays silent for 30 s) and keeps acknowledgements apart per envelope.
 */
export interface FakeSocket {
  /** Open connections. */
  connections(): number;
  /** Resolves when at least `count` connections have received `hello`. */
  connected(count?: number, timeoutMs?: number): Promise<void>;
  /**
   * Sends an envelope to the newest connection and resolves with its acknowledgement (rejects after
   * `timeoutMs`, default 5 s: Slack would retry).
   */
  send(
    type: 'events_api' | 'interactive' | 'slash_commands',
    payload: Record<string, unknown>,
    options?: { retryAttempt?: number; retryReason?: string; envelopeId?: string; timeoutMs?: number },
  ): Promise<SocketAck>;
  /** Asks every client to reconnect, as Slack does when it recycles a connection. */
  recycle(): void;
  /** Drops every connection without a close handshake (a network cut). */
  drop(): void;
  close(): Promise<void>;
}

export function startSocket(server: Server): FakeSocket {
  const wss = new WebSocketServer({ noServer: true });
  const ready: WebSocket[] = [];
  const waiting = new Map<string, { resolve: (ack: SocketAck) => void; sent: number }>();
  const waiters: Array<() => void> = [];

  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/socket')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        let msg: { envelope_id?: string; payload?: Record<string, unknown> };
        try {
          msg = JSON.parse(String(data));
        } catch {
          return;
        }
        const pending = msg.envelope_id ? waiting.get(msg.envelope_id) : undefined;
        if (!pending || !msg.envelope_id) return;
        waiting.delete(msg.envelope_id);
        pending.resolve({
          envelopeId: msg.envelope_id,
          payload: msg.payload ?? {},
          ms: performance.now() - pending.sent,
        });
      });
      const ping = setInterval(() => ws.ping(), 5000);
      ws.on('close', () => {
        clearInterval(ping);
        const i = ready.indexOf(ws);
        if (i >= 0) ready.splice(i, 1);
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: ready.length + 1,
          debug_info: { host: 'fake-slack', approximate_connection_time: 3600 },
          connection_info: { app_id: 'A0000001' },
        }),
      );
      ready.push(ws);
      for (const w of waiters.splice(0)) w();
    });
  });

  return {
    connections: () => ready.length,
    async connected(count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (ready.length < count) {
        if (Date.now() > deadline)
          throw new Error(`fake Slack: no Socket Mode connection within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      // The client counts as connected once it has read hello; give it that turn of the event loop.
      await new Promise((r) => setTimeout(r, 20));
    },
    send(type, payload, options = {}) {
      const ws = ready.at(-1);
      if (!ws) return Promise.reject(new Error('fake Slack: no Socket Mode connection'));
      const envelopeId = options.envelopeId ?? randomUUID();
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          reject(new Error(`fake Slack: envelope ${envelopeId} (${type}) not acknowledged in time`));
        }, options.timeoutMs ?? 5000);
        waiting.set(envelopeId, {
          sent: performance.now(),
          resolve: (ack) => {
            clearTimeout(timer);
            resolve(ack);
          },
        });
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
            ...(type === 'events_api'
              ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryReason ?? '' }
              : {}),
          }),
        );
      });
    },
    recycle() {
      for (const ws of ready) ws.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }));
    },
    drop() {
      for (const ws of [...ready]) ws.terminate();
    },
    async close() {
      for (const ws of [...ready]) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
