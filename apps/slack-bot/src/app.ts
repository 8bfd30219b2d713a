import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExperimentConfigSchema } from '@oversight/core';
import type { Database } from '@oversight/db';
import { type ServeHandle, type ServeOptions, serve } from '@oversight/runner';
import { App, type Logger } from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import { PLATFORM, SlackBot, slackError } from './bot.ts';
import { Clients, databaseInstallationStore } from './clients.ts';
import { runCommand } from './commands.ts';
import type { SlackEnv } from './env.ts';
import { InstallationKey } from './installation-key.ts';
import { type Click, decodeControl, onClick, onSubmit, type Submitted } from './interactions.ts';
import { createLogger } from './log.ts';
import { noteMessage } from './render/trial.ts';
import { WorkQueue } from './work.ts';

/**
 * The Slack app: Bolt with the receiver the environment asks for (Socket Mode, or HTTP at
 * /slack/events with the signing secret, and OAuth installs kept in the project's database), the
 * handlers, and the loops that run beside them (threads kept posted, "your turn" DMs, and `serve`
 * driving the model turns in this process unless it runs beside it). Every handler acknowledges first
 * and works after, except modal submissions, whose answer (errors inside the modal) is the ack.
 */

export const SCOPES = [
  'chat:write',
  'commands',
  'im:write',
  'im:history',
  'channels:history',
  'groups:history',
  'users:read',
  'usergroups:read',
];

export interface SlackAppOptions {
  env: SlackEnv;
  db: Database;
  /** Web API client options (tests: the fake's URL and short retries). */
  clientOptions?: WebClientOptions;
  logger?: Logger;
  /** Served experiments (default: the environment's, else every one with a pool of Slack people). */
  experimentIds?: string[];
  /** Participant implementations for `serve` in this process (models come from here). */
  factories?: ServeOptions['factories'];
  /** Requests worked on at once after their acknowledgement (default 8). */
  workConcurrency?: number;
  /** How often threads and notices are looked at when nothing wakes them. */
  pollMs?: number;
}

export interface RunningSlackApp {
  app: App;
  bot: SlackBot;
  /** HTTP mode: the port listened on. */
  port: number | null;
  serve: ServeHandle | null;
  stop(): Promise<void>;
}

/** Experiments with a pool of people on Slack: those this app serves when none are named. */
export async function slackExperiments(db: Database): Promise<string[]> {
  const out: string[] = [];
  for (const row of await db.experiments.list()) {
    const parsed = ExperimentConfigSchema.safeParse(row.config);
    if (!parsed.success) continue;
    const pools = [...parsed.data.judges, ...(parsed.data.arguers ?? [])];
    const armArguers = parsed.data.arms.map((a) => a.arguer).filter(Boolean);
    const slack = [...pools.map((p) => p.participant), ...armArguers].some(
      (spec) =>
        spec &&
        (spec as { kind?: string; platform?: string }).kind === 'human' &&
        (spec as { platform?: string }).platform === PLATFORM,
    );
    if (slack) out.push(row.id);
  }
  return out;
}

type Values = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

function inputValues(state: { values?: Values } | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const block of Object.values(state?.values ?? {}))
    for (const [actionId, input] of Object.entries(block))
      out[actionId] = input.selected_option?.value ?? input.value ?? '';
  return out;
}

const SUBMIT_DEADLINE_MS = 2500;

export async function startSlackApp(options: SlackAppOptions): Promise<RunningSlackApp> {
  const { env, db } = options;
  const logger = options.logger ?? createLogger(env.LOG_LEVEL);
  const clientOptions: WebClientOptions = {
    ...(env.SLACK_API_URL
      ? { slackApiUrl: env.SLACK_API_URL.endsWith('/') ? env.SLACK_API_URL : `${env.SLACK_API_URL}/` }
      : {}),
    // Retries are what honours a 429: the client waits out Retry-After, then tries again.
    retryConfig: { retries: 5, factor: 1.6, minTimeout: 250, maxTimeout: 10_000 },
    ...options.clientOptions,
    logger,
  };
  const installations = env.oauth
    ? databaseInstallationStore(db, new InstallationKey(env.SLACK_INSTALLATION_KEY!), (rowId) =>
        logger.info(`the installation of ${rowId}, stored in the clear by an earlier version, is now sealed`),
      )
    : undefined;
  const clients = new Clients({
    clientOptions,
    ...(env.SLACK_BOT_TOKEN && !env.oauth ? { botToken: env.SLACK_BOT_TOKEN } : {}),
    ...(installations ? { installations } : {}),
  });
  const experimentIds = options.experimentIds ?? env.OVERSIGHT_EXPERIMENTS ?? (await slackExperiments(db));
  for (const id of experimentIds) await new SlackBot(db, clients, [], logger).chat.experiment(id);
  const bot = new SlackBot(db, clients, experimentIds, logger);

  const common = {
    logger,
    clientOptions,
    convoStore: false as const,
    ignoreSelf: true,
    processBeforeResponse: false,
  };
  const app =
    env.mode === 'socket'
      ? new App({ ...common, socketMode: true, appToken: env.SLACK_APP_TOKEN!, token: env.SLACK_BOT_TOKEN! })
      : new App({
          ...common,
          signingSecret: env.SLACK_SIGNING_SECRET!,
          endpoints: '/slack/events',
          customRoutes: [
            { path: '/healthz', method: ['GET'], handler: (_req, res) => void res.writeHead(200).end('ok') },
          ],
          ...(env.oauth
            ? {
                clientId: env.SLACK_CLIENT_ID!,
                clientSecret: env.SLACK_CLIENT_SECRET!,
                stateSecret: env.SLACK_STATE_SECRET!,
                scopes: SCOPES,
                installationStore: installations!,
                installerOptions: {
                  directInstall: true,
                  clientOptions,
                  ...(env.SLACK_AUTHORIZE_URL ? { authorizationUrl: env.SLACK_AUTHORIZE_URL } : {}),
                },
              }
            : { token: env.SLACK_BOT_TOKEN! }),
        });

  const work = new WorkQueue(options.workConcurrency ?? 8, (error) =>
    logger.error(`after an acknowledgement: ${slackError(error) ?? (error as Error).message}`),
  );
  register(app, bot, logger, work);

  const stop = new AbortController();
  let service: ServeHandle | null = null;
  if (env.OVERSIGHT_SERVE && experimentIds.length > 0) {
    service = serve(db, {
      experimentIds,
      ...(options.factories ? { factories: options.factories } : {}),
      signal: stop.signal,
      pollMs: options.pollMs ?? 1000,
      onTrial: () => bot.requestSync(),
      onWarning: (message) => logger.warn(`serve: ${message}`),
    });
    bot.onMove = () => service?.wake();
    service.done.catch((error) => logger.error(`serve stopped: ${(error as Error).message}`));
  }
  const loops = [
    bot.runSync(stop.signal, options.pollMs ?? 500),
    bot.runNotices(stop.signal, options.pollMs ?? 1000),
  ];

  const started =
    env.mode === 'http' ? await app.start({ port: env.PORT, host: env.HOST }) : await app.start();
  const port = env.mode === 'http' ? ((started as Server).address() as AddressInfo).port : null;

  return {
    app,
    bot,
    port,
    serve: service,
    async stop() {
      await app.stop().catch(() => {});
      await work.idle();
      stop.abort();
      await Promise.allSettled(loops);
      if (service) await service.done.catch(() => {});
    },
  };
}

function register(app: App, bot: SlackBot, logger: Logger, work: WorkQueue) {
  const oops = async (team: string, user: string, channel: string | null, error: unknown) => {
    logger.error(`request failed: ${slackError(error) ?? (error as Error).message}`);
    await bot
      .ephemeral(
        team,
        user,
        channel,
        'Something went wrong on our side; nothing was recorded. Try again in a moment.',
      )
      .catch(() => {});
  };

  app.error(async (error) => {
    logger.error(`slack: ${slackError(error) ?? error.message}`);
  });

  app.command('/oversight', async ({ command, ack, respond, client }) => {
    await ack();
    const opensModal = /^\s*join\b/i.test(command.text ?? '');
    work.run(opensModal ? 'urgent' : 'normal', async () => {
      try {
        const out = await runCommand(
          bot,
          {
            team: command.team_id,
            user: command.user_id,
            channel: command.channel_id,
            text: command.text ?? '',
            trigger: command.trigger_id,
            origin: `command:${command.trigger_id}`,
          },
          {
            openView: async (trigger, view) =>
              void (await client.views.open({ trigger_id: trigger, view: view as never })),
          },
        );
        if (out)
          await respond({
            response_type: 'ephemeral',
            text: out.text,
            ...(out.blocks ? { blocks: out.blocks as never } : {}),
          });
      } catch (error) {
        logger.error(`/oversight ${command.text}: ${slackError(error) ?? (error as Error).message}`);
        await respond({
          response_type: 'ephemeral',
          text: 'Something went wrong on our side; nothing was recorded. Try again in a moment.',
        }).catch(() => {});
      }
    });
  });

  // Link buttons send an action too; it only needs acknowledging.
  app.action('link', async ({ ack }) => {
    await ack();
  });

  app.action(/^ov1:/, async ({ ack, body, client }) => {
    await ack();
    const b = body as unknown as {
      user: { id: string; team_id?: string };
      team?: { id: string } | null;
      trigger_id: string;
      container?: { type: string; channel_id?: string; message_ts?: string };
      channel?: { id: string };
      actions: Array<{ action_id: string; action_ts: string }>;
    };
    const team = b.team?.id ?? b.user.team_id ?? '';
    const act = b.actions[0];
    const action = act ? decodeControl(act.action_id) : null;
    if (!action || !act) return;
    const channel =
      b.container?.type === 'message' ? (b.container.channel_id ?? b.channel?.id ?? null) : null;
    const click: Click = {
      team,
      user: b.user.id,
      action,
      origin: `action:${b.user.id}:${act.action_ts}`,
      trigger: b.trigger_id,
      channel,
      messageTs: channel ? (b.container?.message_ts ?? null) : null,
    };
    const urgent = ['numbers', 'speak', 'survey', 'show', 'accept'].includes(action.kind);
    work.run(urgent ? 'urgent' : 'normal', async () => {
      try {
        await onClick(bot, click, {
          openView: async (trigger, view) =>
            void (await client.views.open({ trigger_id: trigger, view: view as never })),
        });
      } catch (error) {
        await oops(team, b.user.id, channel, error);
      }
    });
  });

  app.view(/^ov1:/, async ({ ack, body, view }) => {
    const action = decodeControl(view.callback_id);
    const team = body.team?.id ?? body.user.team_id ?? '';
    if (!action) {
      await ack();
      return;
    }
    let meta = {};
    try {
      meta = JSON.parse(view.private_metadata || '{}');
    } catch {
      meta = {};
    }
    // The answer must leave within Slack's 3 seconds: past the deadline the modal closes and the
    // outcome follows as a DM (a slow database, not a lost move: the move keeps its idempotency key).
    let timedOut = false;
    const work = onSubmit(bot, {
      team,
      user: body.user.id,
      viewId: view.id,
      action,
      meta,
      values: inputValues(view.state as never),
    });
    const deadline = new Promise<'late'>((resolve) =>
      setTimeout(() => resolve('late'), SUBMIT_DEADLINE_MS).unref(),
    );
    let done: Submitted | 'late';
    try {
      done = await Promise.race([work, deadline]);
    } catch (error) {
      await ack({
        response_action: 'errors',
        errors: { [firstInput(view)]: 'Something went wrong on our side; nothing was recorded. Try again.' },
      } as never);
      logger.error(`modal ${view.callback_id}: ${slackError(error) ?? (error as Error).message}`);
      return;
    }
    if (done === 'late') {
      timedOut = true;
      await ack();
      work
        .then(async (late) => {
          const errs =
            late.response?.response_action === 'errors'
              ? Object.values(late.response.errors).join(' ')
              : null;
          if (errs) await bot.dm(team, body.user.id, noteMessage(`Not recorded: ${errs}`));
          await late.after?.();
        })
        .catch((error) => logger.error(`modal ${view.callback_id} (late): ${(error as Error).message}`));
      return;
    }
    await ack(done.response as never);
    if (!timedOut)
      await done.after?.().catch((error) => logger.warn(`after a submission: ${(error as Error).message}`));
  });

  app.view({ callback_id: /^ov1:accept:/, type: 'view_closed' }, async ({ ack, body, view }) => {
    await ack();
    const action = decodeControl(view.callback_id);
    if (!action) return;
    const team = body.team?.id ?? body.user.team_id ?? '';
    await bot
      .dm(
        team,
        body.user.id,
        noteMessage(
          `You did not accept the consent text, so you have not joined ${action.ref}. Nothing was recorded.`,
        ),
      )
      .catch(() => {});
  });

  app.event('app_home_opened', async ({ event, body, client }) => {
    if (event.tab !== 'home') return;
    work.run('normal', () =>
      bot.publishHome((body as { team_id: string }).team_id, event.user, client as WebClient),
    );
  });

  app.event('message', async ({ event, body }) => {
    const m = event as unknown as {
      subtype?: string;
      bot_id?: string;
      user?: string;
      text?: string;
      channel: string;
      thread_ts?: string;
      ts: string;
    };
    if (m.subtype || m.bot_id || !m.user || !m.thread_ts || m.thread_ts === m.ts) return;
    const b = body as unknown as { team_id: string; event_id: string };
    const { user, thread_ts: thread } = m;
    work.run('normal', async () => {
      try {
        await onThreadMessage(bot, {
          team: b.team_id,
          user,
          channel: m.channel,
          thread,
          text: m.text ?? '',
          eventId: b.event_id,
        });
      } catch (error) {
        await oops(b.team_id, user, m.channel, error);
      }
    });
  });
}

function firstInput(view: { blocks?: Array<{ type: string; block_id?: string }> }): string {
  return view.blocks?.find((b) => b.type === 'input')?.block_id ?? 'speech';
}

/** A person writing in a trial's thread: in sandwiching, a message to the assistant. */
export async function onThreadMessage(
  bot: SlackBot,
  m: { team: string; user: string; channel: string; thread: string; text: string; eventId: string },
) {
  const thread = await bot.sync.threadAt(m.team, m.channel, m.thread);
  if (!thread) return;
  const trial = await bot.db.trials.get(thread.trialId);
  if (!trial) return;
  const identity = bot.identity(m.team, m.user);
  const person = await bot.chat.person(trial.experimentId, identity);
  if (!person || person.id !== thread.participantId) {
    await bot.ephemeral(
      m.team,
      m.user,
      m.channel,
      'This thread belongs to another participant: only they can write here. Nothing was recorded.',
    );
    return;
  }
  const ref = trial.ref ?? thread.trialId;
  const shown = await bot.chat.show(identity, ref);
  if (shown.status !== 'accepted') return;
  const p = shown.presentation;
  if (p.turn?.judge?.beliefsRequired && p.turn.judge.mustComment) {
    await bot.ephemeral(
      m.team,
      m.user,
      m.channel,
      'This study asks for your credence with every message: use the “Write with my credence” button. Your message was not sent.',
    );
    return;
  }
  if (trial.protocol !== 'sandwiching') {
    await bot.ephemeral(
      m.team,
      m.user,
      m.channel,
      'Messages in this thread reach nobody: take your turn with its buttons.',
    );
    return;
  }
  const result = await bot.chat.act(
    identity,
    { kind: 'comment', ref, position: p.turn?.position ?? 0 },
    { fields: { comment: m.text } },
    { id: `event:${m.eventId}` },
  );
  if (result.status === 'accepted') {
    if (!result.duplicate) await bot.afterMove(m.team, m.user, ref, p.turn?.position ?? 0);
    return;
  }
  if (result.status === 'refused') {
    const message = p.turn
      ? result.message
      : p.outcome
        ? 'This trial has ended; your message was not sent.'
        : 'Wait for the assistant’s reply before writing again; your message was not sent.';
    await bot.ephemeral(m.team, m.user, m.channel, message);
  }
}
