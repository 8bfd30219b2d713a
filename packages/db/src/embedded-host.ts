// The embedded database in a process of its own, for a process that must stay responsive while it
// is used (the Discord bot acknowledges every interaction within Discord's 3 s). PGlite runs
// PostgreSQL as WebAssembly on the thread that calls it: each statement holds that thread until it is
// done, so in the bot's own process queries delay the acknowledgements queued behind them. The host
// opens the folder as any holder does and shares it (embedded-share.ts); the parent then opens the
// same folder and is let in through the socket like any other process (through.ts), its event loop
// only waiting on a socket.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { socketPathFor } from './embedded-share.ts';
import { openDatabase } from './open.ts';

/** What the host says on its stdout, one JSON line. */
type HostReport =
  | { state: 'ready'; pid: number }
  /** Another process holds the folder already: the parent joins that one, no host is needed. */
  | { state: 'held elsewhere' }
  | { state: 'failed'; message: string };

export interface EmbeddedHost {
  pid: number;
  /** Closes the database (after the processes using it through the host, this one first) and waits for the host to end. */
  stop(): Promise<void>;
}

const HOST_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'embedded-host-process.mjs');

/**
 * Starts a process that holds the embedded database in `dataDir` and shares it. Resolves once it is
 * ready (then `openDatabase({ dataDir })` in this process goes through it), or with null and the
 * reason when there is nothing to host: another process holds the folder (this one then joins that
 * one), or the folder cannot be shared (its path is too long for a unix socket; the caller opens it
 * itself). The host ends with this process, even a killed one: its stdin is this process's pipe.
 */
export async function hostEmbedded(
  dataDir: string,
): Promise<{ host: EmbeddedHost } | { host: null; heldElsewhere: boolean; reason: string }> {
  if (!socketPathFor(path.resolve(dataDir)))
    return {
      host: null,
      heldElsewhere: false,
      reason: `the path ${dataDir} is too long for the unix socket a host shares it on`,
    };
  const child = spawn(process.execPath, [HOST_SCRIPT, path.resolve(dataDir)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const report = await new Promise<HostReport>((resolve) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n', 1)[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line) as HostReport);
    });
    void exited.then((code) =>
      resolve({
        state: 'failed',
        message: `the database host ended (exit code ${code}) before it was ready`,
      }),
    );
  });
  if (report.state !== 'ready') {
    child.stdin.end();
    await exited;
    if (report.state === 'failed') throw new Error(`cannot host the embedded database: ${report.message}`);
    return { host: null, heldElsewhere: true, reason: 'another process holds the database' };
  }
  let stopping: Promise<void> | undefined;
  return {
    host: {
      pid: report.pid,
      stop() {
        // The end of its stdin is the signal: the same one a killed parent gives.
        stopping ??= (async () => {
          child.stdin.end();
          await exited;
        })();
        return stopping;
      },
    },
  };
}

/** The host process: holds the folder until its parent is gone or it is told to stop. */
export async function runEmbeddedHost(dataDir: string): Promise<void> {
  const say = (report: HostReport) => process.stdout.write(`${JSON.stringify(report)}\n`);
  // Until the parent ends its stdin (it stopped, or died), or a signal (a Ctrl-C reaches the whole
  // process group): closing then waits for the processes using the database through this one.
  const parentGone = new Promise<void>((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.resume();
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    db = await openDatabase({ dataDir, databaseUrl: '' });
  } catch (error) {
    say({ state: 'failed', message: (error as Error).message });
    return;
  }
  if (db.through !== null) {
    say({ state: 'held elsewhere' });
    await db.close();
    return;
  }
  say({ state: 'ready', pid: process.pid });
  await parentGone;
  await db.close();
}
