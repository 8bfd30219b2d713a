// BENCH_TRACE=1: where a web request's time goes on PostgreSQL, per route. The pg driver (under Prisma's
// adapter) is wrapped in the web process: each statement a request issues is counted and timed, with
// the time it waited for a pool connection and the time its COMMITs took. A request is followed by
// AsyncLocalStorage from the server's 'request' event, so concurrent requests are kept apart.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';

type Trace = { route: string; statements: number; queryMs: number; poolWaitMs: number; commitMs: number };
export type RouteTrace = {
  route: string;
  requests: number;
  statements: number;
  queryMs: number;
  poolWaitMs: number;
  commitMs: number;
};

const current = new AsyncLocalStorage<Trace>();

/** Wraps pg's Client.query and Pool.connect; `read` says what was seen per route since `clear`. */
export function traceStatements(server: Server): { read: () => RouteTrace[]; clear: () => void } {
  // The pg module the database package loads (this app has no dependency of its own on pg).
  const pg = createRequire(import.meta.resolve('@oversight/db'))('pg') as {
    Client: { prototype: { query: (...args: unknown[]) => unknown } };
    Pool: { prototype: { connect: (...args: unknown[]) => unknown } };
  };
  const routes = new Map<string, RouteTrace>();
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const trace = current.getStore();
    if (!trace) return query.apply(this, args);
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    const started = performance.now();
    trace.statements += 1;
    const done = () => {
      const took = performance.now() - started;
      trace.queryMs += took;
      if (text?.trim().toUpperCase() === 'COMMIT') trace.commitMs += took;
    };
    // pg-pool's query passes a callback; Prisma's adapter awaits the promise of a checked-out client.
    const last = args.length - 1;
    const cb = args[last];
    if (typeof cb === 'function') {
      args[last] = (...r: unknown[]) => {
        done();
        return cb(...r);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  };
  const connect = pg.Pool.prototype.connect;
  pg.Pool.prototype.connect = function (this: unknown, ...args: unknown[]) {
    const trace = current.getStore();
    if (!trace) return connect.apply(this, args);
    const started = performance.now();
    const waited = () => {
      trace.poolWaitMs += performance.now() - started;
    };
    const cb = args[0];
    if (typeof cb === 'function')
      // pg-pool calls back from whichever context released the connection: the request's is restored.
      return connect.call(this, (...r: unknown[]) => {
        waited();
        return current.run(trace, () => cb(...r));
      });
    const result = connect.apply(this, args) as Promise<unknown>;
    result.then(waited, waited);
    return result;
  };
  server.prependListener('request', (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
      .replace(/\/t\/[^/]+$/, '/t/<ref>')
      .replace(/^\/s\/[^/]+/, '');
    const trace: Trace = {
      route: `${req.method} ${path}`,
      statements: 0,
      queryMs: 0,
      poolWaitMs: 0,
      commitMs: 0,
    };
    // The rest of this event's listeners (the app's handler) run in this store.
    current.enterWith(trace);
    res.on('finish', () => {
      const r = routes.get(trace.route) ?? {
        route: trace.route,
        requests: 0,
        statements: 0,
        queryMs: 0,
        poolWaitMs: 0,
        commitMs: 0,
      };
      r.requests += 1;
      r.statements += trace.statements;
      r.queryMs += trace.queryMs;
      r.poolWaitMs += trace.poolWaitMs;
      r.commitMs += trace.commitMs;
      routes.set(trace.route, r);
    });
  });
  return { read: () => [...routes.values()], clear: () => routes.clear() };
}
