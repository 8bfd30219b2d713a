// A PostgreSQL server for tests and benchmarks. With OVERSIGHT_TEST_DATABASE_URL set (CI's .ci/run starts
// one on loopback and sets it), tests share that server, each in databases of its own; otherwise a
// throwaway server is started: initdb on a temporary folder, pg_ctl start on a free loopback port, trust
// authentication. The binaries run as the `postgres` user when we are root (initdb refuses root).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface PostgresServer {
  /** postgresql://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /**
   * Creates an empty database and returns its URL (one per test keeps tests independent). On a shared
   * server the name gets a suffix unique to this process, so test files running at once never meet.
   */
  createDatabase(name: string): Promise<string>;
  /**
   * Runs a client tool of the server's version (psql, pgbench) against it, connected through libpq's
   * environment (PGHOST, PGPORT, PGUSER, PGDATABASE: the database of `databaseUrl`); returns its stdout.
   */
  tool(name: string, args: readonly string[], options?: { databaseUrl?: string; input?: string }): string;
  /** Stops the server (fast shutdown: connections cut), waits `downMs`, starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
  /** The data folder of a server this process started (null for a shared one). */
  dataDir: string | null;
  /** What the server has logged so far ('' for a shared one, whose log is not ours to read). */
  log(): string;
  stop(): Promise<void>;
}

/** Where initdb/pg_ctl live: $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin. */
export function findPostgresBin(): string | null {
  const candidates = process.env.PG_BIN ? [process.env.PG_BIN] : [];
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  return (
    candidates.find(
      (dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')),
    ) ?? null
  );
}

/** The server CI started for the tests (see .ci/run), if any. */
export const sharedServerUrl = (): string | null => process.env.OVERSIGHT_TEST_DATABASE_URL || null;

export interface StartOptions {
  /**
   * Trade durability for speed (fsync, synchronous_commit and full_page_writes off). Default true: right
   * for tests; benchmarks pass false to measure what a real server would do, and get a server of their own.
   */
  fast?: boolean;
  /** More server settings (`-c name=value`), e.g. for a benchmark. */
  settings?: Record<string, string>;
  /** A server of this process's own even when a shared one is there (to restart it, say). */
  own?: boolean;
}

export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer> {
  const shared = sharedServerUrl();
  const wantsOwn = options.own || options.fast === false || options.settings !== undefined;
  if (shared && !wantsOwn) return sharedServer(shared);
  const bin = findPostgresBin();
  if (!bin)
    throw new Error(
      'PostgreSQL server binaries not found (looked in $PG_BIN and /usr/lib/postgresql/*/bin): install PostgreSQL (Debian: apt-get install postgresql) or set OVERSIGHT_TEST_DATABASE_URL to a server for the tests',
    );
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oversight-pg-'));
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const dataDir = path.join(dir, 'data');
  const run = (tool: string, args: readonly string[], input?: string, env?: Record<string, string>) => {
    const cmd = asRoot ? 'runuser' : path.join(bin, tool);
    const argv = asRoot
      ? [
          '-u',
          'postgres',
          '--',
          'env',
          ...Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`),
          path.join(bin, tool),
          ...args,
        ]
      : [...args];
    const result = spawnSync(cmd, argv, {
      encoding: 'utf8',
      cwd: dir,
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, ...env },
      ...(input === undefined ? {} : { input }),
    });
    if (result.status !== 0) {
      throw new Error(`${tool} failed (${result.status}): ${result.stderr || result.stdout || result.error}`);
    }
    return result.stdout;
  };

  run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=100',
    ...(options.fast === false
      ? []
      : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  const start = () =>
    run('pg_ctl', [
      '-D',
      dataDir,
      '-o',
      serverOptions,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  start();

  // pg_ctl starts the server detached from this process: it stays after this process is gone unless
  // stopped. Stopped by stop(); at exit; on SIGINT, SIGTERM or SIGHUP (a caller's timeout); and, for a
  // SIGKILL, which runs no hook, by a watcher started beside it that stops it once this pid is gone.
  const pgCtl = asRoot ? `runuser -u postgres -- ${path.join(bin, 'pg_ctl')}` : path.join(bin, 'pg_ctl');
  const watcher = spawn(
    'sh',
    [
      '-c',
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ${pgCtl} -D '${dataDir}' -m immediate -w stop >/dev/null 2>&1; rm -rf '${dir}'`,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watcher.unref();
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopSync);
    for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    watcher.kill();
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const alone = process.listenerCount(signal) === 1;
    stopSync();
    // Ours the only handler: the signal would be swallowed; end the process as it would have ended.
    if (alone) process.kill(process.pid, signal);
  };
  process.once('exit', stopSync);
  for (const s of STOP_SIGNALS) process.on(s, onSignal);

  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dataDir,
    log: () => fs.readFileSync(path.join(dir, 'server.log'), 'utf8'),
    createDatabase: (name) => createDatabase(url, name, name),
    tool: (name, args, { databaseUrl = url, input } = {}) => run(name, args, input, libpqEnv(databaseUrl)),
    async restart(downMs = 0) {
      run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      start();
    },
    async stop() {
      stopSync();
    },
  };
}

let databases = 0;

/** The server CI started: databases of this process's own on it, dropped again by stop(). */
function sharedServer(url: string): PostgresServer {
  const parsed = new URL(url);
  const port = Number(parsed.port || 5432);
  const created: string[] = [];
  const bin = findPostgresBin();
  return {
    url,
    port,
    dataDir: null,
    log: () => '',
    async createDatabase(name) {
      databases += 1;
      const unique = `${name}_${process.pid}_${databases}`;
      created.push(unique);
      return createDatabase(url, name, unique);
    },
    tool(name, args, { databaseUrl = url, input } = {}) {
      if (!bin) throw new Error(`${name}: no PostgreSQL client binaries here`);
      const result = spawnSync(path.join(bin, name), args, {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, ...libpqEnv(databaseUrl) },
        ...(input === undefined ? {} : { input }),
      });
      if (result.status !== 0) throw new Error(`${name} failed (${result.status}): ${result.stderr}`);
      return result.stdout;
    },
    async restart() {
      throw new Error(
        'a shared test server cannot be restarted: startPostgres({ own: true }) for one of your own',
      );
    },
    async stop() {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const name of created.splice(0))
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

async function createDatabase(serverUrl: string, requested: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(requested)) throw new Error(`invalid database name ${requested}`);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** libpq's connection variables for a postgresql:// URL. */
function libpqEnv(databaseUrl: string): Record<string, string> {
  const u = new URL(databaseUrl);
  return {
    PGHOST: u.hostname || '127.0.0.1',
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || 'postgres',
    PGDATABASE: u.pathname.replace(/^\//, '') || 'postgres',
    ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
