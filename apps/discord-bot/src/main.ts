import type { ExperimentConfig } from '@oversight/core';
import { type Database, type EmbeddedHost, hostEmbedded, openDatabase } from '@oversight/db';
import { resolveDataFolder } from '@oversight/db/data-folder';
import { databaseLlmStore, llmParticipantFactory } from '@oversight/llm';
import { exitWithParent, type ServeHandle, serve } from '@oversight/runner';
import { BotSetupError, type RunningBot, startBot } from './bot.ts';
import { EnvError, readEnv } from './env.ts';

/**
 * `node apps/discord-bot/bin/discord.mjs`: reads the environment, opens the project's database (DATABASE_URL, or the embedded
 * one in OVERSIGHT_DATA_DIR / .oversight), runs `serve` in this process for the model and simulated
 * turns of the experiments it serves (unless OVERSIGHT_SERVE=off), registers the slash command in each
 * experiment's servers and connects. An experiment whose config would let other servers in (no
 * server named, an admin role named by name) is not served, with what to set. SIGINT/SIGTERM stop it cleanly; SIGKILL loses nothing either (all state is in the database).
 */

async function main(): Promise<number> {
  // Started by a benchmark or a test: end with it (packages/runner/src/exit-with-parent.ts).
  exitWithParent();
  let env: ReturnType<typeof readEnv>;
  try {
    env = readEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  let db: Database;
  let host: EmbeddedHost | null = null;
  try {
    // The same folder the CLI uses wherever it is typed (pnpm runs the script in this app's folder).
    const dataDir = resolveDataFolder(undefined).dir;
    if (!process.env.DATABASE_URL) {
      // The embedded database runs in a process of its own: PGlite holds the thread that queries it,
      // and here that thread must acknowledge every interaction within 3 s (embedded-host.ts).
      const hosted = await hostEmbedded(dataDir);
      host = hosted.host;
      // Held by another process: this one joins it, and its queries run there.
      if (!hosted.host && !hosted.heldElsewhere)
        console.error(
          `database: opened in the bot's own process (${hosted.reason}); its queries will delay acknowledgements`,
        );
    }
    db = await openDatabase({ dataDir });
  } catch (error) {
    await host?.stop();
    console.error(`The Discord bot cannot open the database: ${(error as Error).message}`);
    return 3;
  }
  const known = (await db.experiments.list()).map((e) => e.id);
  const experimentIds = env.OVERSIGHT_EXPERIMENTS ?? known;
  const missing = experimentIds.filter((id) => !known.includes(id));
  if (missing.length || experimentIds.length === 0) {
    console.error(
      missing.length
        ? `No experiment ${missing.join(', ')} in ${db.location}. There are: ${known.join(', ') || 'none'}.`
        : `No experiment in ${db.location} yet. Plan one first: oversight run <config.json> (trials that wait for people stay waiting).`,
    );
    await db.close();
    await host?.stop();
    return 2;
  }
  const controller = new AbortController();
  let service: ServeHandle | null = null;
  if (env.OVERSIGHT_SERVE)
    service = serve(db, {
      experimentIds,
      signal: controller.signal,
      leaseMs: env.OVERSIGHT_LEASE_SECONDS * 1000,
      factories: (experimentId: string, config: ExperimentConfig) => ({
        llm: llmParticipantFactory({ store: databaseLlmStore(db), config: config.llm, experimentId }),
      }),
      onWarning: (message) => console.error(`serve: ${message}`),
    });
  let bot: RunningBot;
  try {
    bot = await startBot({
      db,
      token: env.DISCORD_TOKEN,
      applicationId: env.DISCORD_APPLICATION_ID,
      experimentIds,
      ...(env.DISCORD_GUILD_ID ? { guildId: env.DISCORD_GUILD_ID } : {}),
      ...(env.DISCORD_CHANNEL_ID ? { defaultChannelId: env.DISCORD_CHANNEL_ID } : {}),
      ...(env.DISCORD_API_URL ? { apiUrl: env.DISCORD_API_URL } : {}),
      activeMs: env.OVERSIGHT_ACTIVE_MINUTES * 60_000,
      ...(service ? { onMove: () => service!.wake() } : {}),
    });
  } catch (error) {
    if (!(error instanceof BotSetupError)) throw error;
    // Expected: a setting to fix, said without a stack trace.
    console.error(error.message);
    controller.abort();
    await service?.done.catch(() => undefined);
    await db.close();
    await host?.stop();
    return 2;
  }
  console.log(
    service ? 'serve: driving model and simulated turns in this process' : 'serve: left to another process',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  controller.abort();
  await bot.stop();
  await service?.done.catch(() => undefined);
  await db.close();
  await host?.stop();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`The Discord bot stopped: ${(error as Error).message}`);
    process.exit(1);
  },
);
