import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type FakeState, snowflake } from './state.ts';

/**
 * The gateway WebSocket as a bot sees it: HELLO, then IDENTIFY (token and intents checked) answered
 * by READY and a GUILD_CREATE, heartbeats acknowledged, RESUME replaying what the session missed, and
 * dispatches (INTERACTION_CREATE, THREAD_CREATE, ...) numbered by sequence. JSON encoding, no
 * compression (discord.js's default without zlib-sync).
 */

type Json = Record<string, unknown>;

interface Session {
  id: string;
  seq: number;
  intents: number;
  /** Dispatches sent, kept for RESUME. */
  sent: Array<{ s: number; t: string; d: unknown }>;
  socket: WebSocket | null;
}

export interface GatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** ws URL of this gateway, for READY's resume_gateway_url. */
  url: () => string;
}

export interface IdentifyRecord {
  at: number;
  intents: number;
  resumed: boolean;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private session: Session | null = null;
  readonly identifies: IdentifyRecord[] = [];
  heartbeats = 0;
  private readyWaiters: Array<() => void> = [];

  constructor(
    private readonly state: FakeState,
    private readonly options: GatewayOptions,
  ) {
    this.wss.on('connection', (socket) => this.connected(socket));
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname !== '/gateway' || url.searchParams.get('encoding') !== 'json') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request));
  }

  /** A bot is connected and identified (READY or RESUMED sent). */
  get ready(): boolean {
    return this.session?.socket?.readyState === 1;
  }

  /** Resolves once a bot has identified or resumed (now, if one has). */
  waitReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get intents(): number | null {
    return this.session?.intents ?? null;
  }

  /** Sends a dispatch to the connected bot; false when no bot is connected (the event is lost, as on Discord). */
  dispatch(t: string, d: unknown): boolean {
    const session = this.session;
    if (session?.socket?.readyState !== 1) return false;
    session.seq += 1;
    const frame = { op: 0, s: session.seq, t, d };
    session.sent.push({ s: session.seq, t, d });
    if (session.sent.length > 5000) session.sent.splice(0, session.sent.length - 5000);
    session.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Closes the connection as Discord does when it wants a resume (4000) or a fresh identify (4009 etc.). */
  drop(code = 4000): void {
    this.session?.socket?.close(code, 'fake-discord: dropped');
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private connected(socket: WebSocket): void {
    let identified = false;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs } }));
    socket.on('message', (raw) => {
      let frame: { op: number; d: Json | number | null };
      try {
        frame = JSON.parse(String(raw));
      } catch {
        socket.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (frame.op) {
        case 1:
          this.heartbeats += 1;
          socket.send(JSON.stringify({ op: 11 }));
          return;
        case 2: {
          const d = frame.d as Json;
          if (identified) return void socket.close(4005, 'Already authenticated.');
          if (d.token !== this.options.token) return void socket.close(4004, 'Authentication failed.');
          if (typeof d.intents !== 'number') return void socket.close(4013, 'Invalid intent(s).');
          identified = true;
          this.identifies.push({ at: Date.now(), intents: d.intents, resumed: false });
          this.session?.socket?.close(4009, 'Session superseded');
          this.session = { id: snowflake(), seq: 0, intents: d.intents, sent: [], socket };
          this.dispatch('READY', {
            v: 10,
            user: this.state.bot,
            guilds: [...this.state.guilds.keys()].map((id) => ({ id, unavailable: true })),
            session_id: this.session.id,
            resume_gateway_url: this.options.url(),
            shard: [0, 1],
            application: { id: this.state.applicationId, flags: 0 },
            user_settings: {},
            private_channels: [],
            relationships: [],
          });
          if (d.intents & 1)
            for (const id of this.state.guilds.keys())
              this.dispatch('GUILD_CREATE', this.state.guildCreate(id));
          this.becameReady();
          return;
        }
        case 6: {
          const d = frame.d as Json;
          const session = this.session;
          if (d.token !== this.options.token) return void socket.close(4004, 'Authentication failed.');
          if (!session || session.id !== d.session_id) {
            socket.send(JSON.stringify({ op: 9, d: false }));
            return;
          }
          identified = true;
          this.identifies.push({ at: Date.now(), intents: session.intents, resumed: true });
          if (session.socket && session.socket !== socket)
            session.socket.close(4009, 'Session resumed elsewhere');
          session.socket = socket;
          for (const missed of session.sent.filter((e) => e.s > Number(d.seq)))
            socket.send(JSON.stringify({ op: 0, ...missed }));
          this.dispatch('RESUMED', {});
          this.becameReady();
          return;
        }
        default:
          if (!identified) socket.close(4003, 'Not authenticated.');
      }
    });
    socket.on('close', () => {
      if (this.session?.socket === socket) this.session.socket = null;
    });
  }

  private becameReady(): void {
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
