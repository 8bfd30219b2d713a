// Sharing the embedded database with other processes. PGlite is one PostgreSQL backend inside one
// process; the process that opens it (say `oversight serve`) also listens on a unix socket in the data
// folder and speaks the PostgreSQL wire protocol there, so `status`, `export` or `judge` in another
// terminal connect to it as to a server instead of failing on the lock.
//
// @electric-sql/pglite-socket was tried first and interleaves the messages of concurrent connections
// ("unnamed prepared statement does not exist") and cannot keep out the host's own transactions. Here a
// connection's messages run as whole batches (up to a Sync or a simple Query) with the instance to
// itself, and a connection that leaves a transaction open keeps it until the transaction ends.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';

/** How long a connection may sit inside an open transaction, holding everyone else up, before it is rolled back. */
const IDLE_IN_TRANSACTION_MS = 30_000;
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/** The protected mutexes PGlite's own query() and transaction() take (0.5.x); holding both keeps every other user out. */
interface Exclusive {
  _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  _runExclusiveQuery<T>(fn: () => Promise<T>): Promise<T>;
}

export interface SharedEmbedded {
  /** Where clients connect: the unix socket's folder (libpq and node-postgres take the folder as host). */
  socketDir: string;
  port: number;
  /** The open connections, each by the application name its client gave (its process and command). */
  connected(): string[];
  close(): Promise<void>;
}

/** The socket's path for a data folder; null when the path would be too long for a unix socket. */
export function socketPathFor(dataDir: string, port = 5432): string | null {
  const p = path.join(dataDir, `.s.PGSQL.${port}`);
  return Buffer.byteLength(p) < 100 ? p : null;
}

export async function shareEmbedded(db: PGlite, dataDir: string): Promise<SharedEmbedded | null> {
  const socket = socketPathFor(dataDir);
  if (!socket) return null;
  fs.rmSync(socket, { force: true }); // left by a host that was killed
  const exclusive = db as unknown as Exclusive;
  const connections = new Set<Connection>();
  const server = net.createServer((s) => {
    const connection = new Connection(s, db, exclusive);
    connections.add(connection);
    s.on('close', () => connections.delete(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(socket, 0o600);
  return {
    socketDir: dataDir,
    port: 5432,
    connected: () => [...connections].map((c) => c.application),
    async close() {
      for (const c of connections) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(socket, { force: true });
    },
  };
}

type Batch = Uint8Array[];

/** One client connection: frames its messages, runs them batch by batch with the backend to itself. */
class Connection {
  private buffer = Buffer.alloc(0);
  private started = false;
  private readonly batches: Batch[] = [];
  private current: Batch = [];
  private waiting: ((batch: Batch | null) => void) | null = null;
  private pumping = false;
  private closed = false;
  /** The client's application_name, from its startup message: who it is, for the host's messages. */
  application = 'a client';

  constructor(
    private readonly socket: net.Socket,
    private readonly db: PGlite,
    private readonly exclusive: Exclusive,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.waiting?.(null);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const length = this.buffer.readInt32BE(0);
        if (this.buffer.length < length) return;
        const code = this.buffer.readInt32BE(4);
        const message = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        if (code === SSL_REQUEST) {
          this.socket.write('N');
          continue;
        }
        if (code === CANCEL_REQUEST) {
          this.destroy();
          return;
        }
        this.started = true;
        this.application = startupParameter(message, 'application_name') ?? this.application;
        this.push([new Uint8Array(message)]);
        continue;
      }
      if (this.buffer.length < 5) return;
      const length = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < length) return;
      const type = String.fromCharCode(this.buffer[0]!);
      const message = new Uint8Array(this.buffer.subarray(0, length));
      this.buffer = this.buffer.subarray(length);
      if (type === 'X') {
        // Terminate ends this connection, not the one backend everyone shares.
        this.flushCurrent();
        this.destroy();
        return;
      }
      this.current.push(message);
      // A batch ends where the backend answers: Sync (extended protocol), Query (simple), Flush.
      if (type === 'S' || type === 'Q' || type === 'H') this.flushCurrent();
    }
  }

  private flushCurrent(): void {
    if (this.current.length === 0) return;
    this.push(this.current);
    this.current = [];
  }

  private push(batch: Batch): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(batch);
      return;
    }
    this.batches.push(batch);
    if (!this.pumping) void this.pump();
  }

  private nextBatch(timeoutMs: number): Promise<Batch | null> {
    const queued = this.batches.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      this.waiting = (batch) => {
        clearTimeout(timer);
        resolve(batch);
      };
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (!this.closed && this.batches.length > 0) {
        const first = this.batches.shift()!;
        await this.exclusive._runExclusiveTransaction(() =>
          this.exclusive._runExclusiveQuery(async () => {
            let status = await this.run(first);
            // Inside a transaction this connection keeps the backend: its next batches run here.
            while (status !== 'I' && !this.closed) {
              const next = await this.nextBatch(IDLE_IN_TRANSACTION_MS);
              if (!next) break;
              status = await this.run(next);
            }
            if (status !== 'I') {
              await this.db.execProtocolRaw(simpleQuery('ROLLBACK'));
              this.destroy();
            }
          }),
        );
      }
    } catch {
      this.destroy();
    } finally {
      this.pumping = false;
    }
  }

  /** Runs one batch and writes the replies; returns the transaction status of the last ReadyForQuery. */
  private async run(batch: Batch): Promise<string> {
    let status = 'I';
    for (const message of batch) {
      const reply = await this.db.execProtocolRaw(message, { syncToFs: false });
      if (reply.length > 0 && !this.closed) this.socket.write(reply);
      status = readyStatus(reply) ?? status;
    }
    await this.db.syncToFs();
    return status;
  }
}

/** The status byte of the last ReadyForQuery ('Z') in a reply, if it ends with one. */
function readyStatus(reply: Uint8Array): string | null {
  const n = reply.length;
  if (n >= 6 && reply[n - 6] === 0x5a && reply[n - 5] === 0 && reply[n - 2] === 5)
    return String.fromCharCode(reply[n - 1]!);
  return null;
}

function simpleQuery(sql: string): Uint8Array {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const out = Buffer.alloc(5 + body.length);
  out.write('Q', 0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return new Uint8Array(out);
}

/** A parameter of a StartupMessage (length, protocol version, then name\0value\0 pairs). */
function startupParameter(message: Buffer, name: string): string | null {
  const fields = message.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1] ?? null;
  return null;
}
