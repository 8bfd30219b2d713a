// `node apps/slack-bot/bin/slack.mjs`: the Slack app, with `serve` in this process (OVERSIGHT_SERVE=off to run it beside).
import { openDatabase, resolveDataFolder } from '@oversight/db';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import { exitWithParent } from '@oversight/runner';
import { SlackSetupError, startSlackApp } from './app.ts';
import { describeEnv, EnvError, readEnv } from './env.ts';
import { createLogger } from './log.ts';

async function main(): Promise<number> {
  // Started by a benchmark or a test: end with it (packages/runner/src/exit-with-parent.ts).
  exitWithParent();
  let env: ReturnType<typeof readEnv>;
  try {
    env = readEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(env.LOG_LEVEL);
  // The same folder the CLI uses wherever it is typed (the repository's .oversight/, or OVERSIGHT_DATA_DIR).
  const db = await openDatabase({ dataDir: resolveDataFolder(undefined).dir });
  const store = databaseLlmStore(db);
  let running: Awaited<ReturnType<typeof startSlackApp>>;
  try {
    running = await startSlackApp({
      env,
      db,
      logger,
      factories: (experimentId, config) => ({
        llm: llmParticipantFactory({ store, config: config.llm, experimentId }),
      }),
    });
  } catch (error) {
    if (!(error instanceof SlackSetupError)) throw error;
    // Expected: a token or a setting to fix, said in one line.
    process.stderr.write(`${error.message}\n`);
    await db.close();
    return 2;
  }
  const served = running.bot.experimentIds;
  logger.info(
    `Slack app running: ${describeEnv(env)}${running.port !== null ? ` (port ${running.port})` : ''}; experiments: ${served.join(', ') || 'none (set OVERSIGHT_EXPERIMENTS or add a pool of Slack people)'}; database: ${db.location}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('stopping: requests in progress finish first');
  await running.stop();
  await db.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`The Slack app stopped: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
