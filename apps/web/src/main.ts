// `node apps/web/bin/web.mjs`: the web app for recruited participants, with `serve` in this process
// (OVERSIGHT_SERVE=off to run it beside). `link <experiment>` and `invite <experiment> [n]` print the
// links to give a crowd platform or people.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseStoredConfig, peoplePools } from '@oversight/core';
import { type Database, openDatabase } from '@oversight/db';
import { resolveDataFolder } from '@oversight/db/data-folder';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import { type ServeHandle, serve } from '@oversight/runner';
import { EnvError, readEnv, type WebEnv } from './env.ts';
import { loadSecret, StudyKeys } from './keys.ts';
import { externalQuestionXml } from './mturk.ts';
import { startWebApp, webExperiments } from './server.ts';

const USAGE = `usage: node apps/web/bin/web.mjs [serve]                 run the web app (PORT, HOST; see apps/web/README.md)
       node apps/web/bin/web.mjs link <experiment>       print the study links for Prolific and MTurk
       node apps/web/bin/web.mjs link <experiment> --mturk-xml [--frame-height N] [pool]
                                                 print MTurk's ExternalQuestion XML for the HIT
       node apps/web/bin/web.mjs invite <experiment> [n] [pool]
                                                 print n personal invitation links (default 1)
A study with several pools of web people (judges and arguers) has a link per pool.`;

class UsageError extends Error {}

async function openDb(env: WebEnv): Promise<{ db: Database; dataDir: string }> {
  const folder = resolveDataFolder(undefined, process.env.INIT_CWD ?? process.cwd(), env);
  if (!env.DATABASE_URL && !existsSync(path.join(folder.dir, 'pgdata')))
    throw new UsageError(
      `no database in ${folder.dir} (from ${folder.source}): plan an experiment first (pnpm oversight run <config>), or set OVERSIGHT_DATA_DIR / DATABASE_URL`,
    );
  const db = await openDatabase(env.DATABASE_URL ? {} : { dataDir: folder.dir });
  return { db, dataDir: folder.dir };
}

function publicUrl(env: WebEnv): string {
  return (env.OVERSIGHT_WEB_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/$/, '');
}

async function main(argv: string[]): Promise<number> {
  const env = readEnv();
  // --mturk-xml and --frame-height N (link only) apart from the positional words.
  const words: string[] = [];
  let mturkXml = false;
  let frameHeight = 800;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--mturk-xml') mturkXml = true;
    else if (arg === '--frame-height' || arg.startsWith('--frame-height=')) {
      const value = arg.includes('=') ? arg.split('=')[1] : argv[++i];
      frameHeight = Number(value);
      if (!Number.isInteger(frameHeight) || frameHeight < 0 || frameHeight > 10_000)
        throw new UsageError('--frame-height takes a whole number of pixels from 0 to 10000');
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option "${arg}"\n${USAGE}`);
    else words.push(arg);
  }
  const [command = 'serve', experimentId, count, poolArg] = words;
  if ((mturkXml || argv.some((a) => a.startsWith('--frame-height'))) && command !== 'link')
    throw new UsageError(`--mturk-xml and --frame-height belong to the link command\n${USAGE}`);
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!['serve', 'link', 'invite'].includes(command))
    throw new UsageError(`unknown command "${command}"\n${USAGE}`);
  const { db, dataDir } = await openDb(env);
  try {
    const { secret, source } = loadSecret(env.OVERSIGHT_WEB_SECRET, dataDir);
    const keys = new StudyKeys(secret);
    if (command === 'link' || command === 'invite') {
      const known = (await db.experiments.list()).map((e) => e.id);
      if (!experimentId || !known.includes(experimentId))
        throw new UsageError(
          `${experimentId ? `there is no experiment "${experimentId}"` : 'name an experiment'}; experiments: ${known.join(', ') || 'none'}`,
        );
      const config = parseStoredConfig((await db.experiments.get(experimentId))!.config);
      const pools = [...peoplePools(config).values()].filter(
        (p) => (p.pool.participant as { platform?: string }).platform === 'web',
      );
      const poolNames = pools.map((p) => p.pool.name);
      if (pools.length === 0)
        throw new UsageError(
          `experiment "${experimentId}" has no pool of web people ({ "kind": "human", "platform": "web" })`,
        );
      // One pool: the plain link joins it. Several: a link per pool, each with its own key.
      const linkOf = (pool: string | null) =>
        `${publicUrl(env)}/s/${experimentId}?k=${keys.studyKey(experimentId, pool)}${pool ? `&pool=${pool}` : ''}`;
      if (command === 'link' && mturkXml) {
        // The pool is the third word here (no count): link <experiment> --mturk-xml [pool].
        const pool = count;
        if (pools.length > 1 && (!pool || !poolNames.includes(pool)))
          throw new UsageError(`name the pool the HIT is for: ${poolNames.join(', ')}`);
        try {
          process.stdout.write(externalQuestionXml(linkOf(pools.length > 1 ? pool! : null), frameHeight));
        } catch (error) {
          throw new UsageError((error as Error).message);
        }
        return 0;
      }
      if (command === 'link') {
        const code = env.OVERSIGHT_WEB_COMPLETION_CODES[experimentId] ?? keys.completionCode(experimentId);
        const lines: string[] = [];
        for (const pool of pools.length > 1 ? pools : [null]) {
          const base = linkOf(pool?.pool.name ?? null);
          if (pool) lines.push(`Pool "${pool.pool.name}" (${pool.seats}s):`);
          lines.push(
            `Prolific study URL (choose "URL parameters"):`,
            `  ${base}&PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}`,
            `MTurk: the ExternalQuestion for the HIT (MTurk frames the link and adds workerId, assignmentId, hitId, turkSubmitTo):`,
            `  node apps/web/bin/web.mjs link ${experimentId} --mturk-xml${pool ? ` ${pool.pool.name}` : ''}`,
            `  or a HIT page that opens this link in a new tab with those parameters: ${base}`,
          );
        }
        const screened =
          env.OVERSIGHT_WEB_SCREENED_OUT_CODES[experimentId] ?? keys.screenedOutCode(experimentId);
        lines.push(
          `Completion code (enter it on Prolific; shown to people at the end): ${code}`,
          `Screened-out code (Prolific: a second completion code, for people a rule screens out): ${screened}`,
          `Keys derived from the secret in ${source}; keep it to keep these links working.`,
          '',
        );
        process.stdout.write(lines.join('\n'));
      } else {
        const n = Number(count ?? 1);
        if (!Number.isInteger(n) || n < 1 || n > 10_000)
          throw new UsageError('the count must be a whole number from 1 to 10000');
        if (pools.length > 1 && (!poolArg || !poolNames.includes(poolArg)))
          throw new UsageError(`name the pool the invitations are for: ${poolNames.join(', ')}`);
        const base = linkOf(pools.length > 1 ? poolArg! : null);
        for (let i = 0; i < n; i++) process.stdout.write(`${base}&invite=${keys.invite(experimentId)}\n`);
      }
      return 0;
    }
    return await run(env, db, keys, source);
  } finally {
    await db.close();
  }
}

async function run(env: WebEnv, db: Database, keys: StudyKeys, secretSource: string): Promise<number> {
  const experimentIds = env.OVERSIGHT_EXPERIMENTS ?? (await webExperiments(db));
  const stop = new AbortController();
  let service: ServeHandle | null = null;
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let wakeWeb = () => {};
  if (env.OVERSIGHT_SERVE === 'in-process' && experimentIds.length > 0) {
    const store = databaseLlmStore(db);
    service = serve(db, {
      experimentIds,
      factories: (experimentId, config) => ({
        llm: llmParticipantFactory({ store, config: config.llm, experimentId }),
      }),
      signal: stop.signal,
      onTrial: () => wakeWeb(),
      onWarning: (message) => log(`serve: ${message}`),
    });
    service.done.catch((error) => log(`serve stopped: ${(error as Error).message}`));
  }
  let app: Awaited<ReturnType<typeof startWebApp>>;
  try {
    app = await startWebApp({
      db,
      keys,
      experimentIds,
      completionCodes: env.OVERSIGHT_WEB_COMPLETION_CODES,
      screenedOutCodes: env.OVERSIGHT_WEB_SCREENED_OUT_CODES,
      secureCookies: (env.OVERSIGHT_WEB_URL ?? '').startsWith('https:'),
      idleMs: env.OVERSIGHT_WEB_IDLE_MINUTES * 60_000,
      ...(env.OVERSIGHT_WEB_RESEARCHER_TOKEN ? { researcherToken: env.OVERSIGHT_WEB_RESEARCHER_TOKEN } : {}),
      port: env.PORT,
      host: env.HOST,
      onMove: () => service?.wake(),
      log,
    });
  } catch (error) {
    stop.abort();
    if (service) await service.done.catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new UsageError(`cannot listen on ${env.HOST}:${env.PORT} (${code}): choose another PORT`);
    throw error;
  }
  wakeWeb = () => app.wake();
  log(
    `web app on ${app.url} (database: ${db.location}; secret from ${secretSource}); experiments: ${experimentIds.join(', ') || 'none (set OVERSIGHT_EXPERIMENTS or add a pool of web people)'}; serve: ${service ? 'in this process' : 'off'}; researcher's view: ${env.OVERSIGHT_WEB_RESEARCHER_TOKEN ? 'on at /r' : 'off'}`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  log('stopping');
  await app.stop();
  stop.abort();
  if (service) await service.done.catch(() => {});
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof EnvError || error instanceof UsageError) {
      process.stderr.write(`error: ${(error as Error).message}\n`);
      process.exit(2);
    }
    process.stderr.write(`The web app stopped: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
