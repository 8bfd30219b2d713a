import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ExperimentConfig, parseStoredConfig } from '@oversight/core';
import type { Database } from '@oversight/db';
import { type ServeHandle, type ServeOptions, serve } from '@oversight/runner';
import { App, type Logger } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import { PLATFORM, SlackBot, slackError } from './bot.ts';
import { Clients, databaseInstallationStore } from './clients.ts';
import { runCommand } from './commands.ts';
import type { SlackEnv } from './env.ts';
import { InstallationKey } from './installation-key.ts';
import { type Click, decodeControl, onClick, onSubmit, type Submitted } from './interactions.ts';
import { plain, textContext } from './limits.ts';
import { createLogger } from './log.ts';
import { consentModal, infoModal, type View } from './render/modals.ts';
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
  /**
   * A person who moved in a trial this recently is taken to be at it: their next turn there comes
   * without a "your turn" DM (default: the chat layer's two minutes; tests: 0, so every turn is DM'd).
   */
  activeMs?: number;
}

export interface RunningSlackApp {
  app: App;
  bot: SlackBot;
  /** HTTP mode: the port listened on. */
  port: number | null;
  serve: ServeHandle | null;
  /** Requests acknowledged whose work (and a submission's follow-up) is still queued or running. */
  busy(): number;
  stop(): Promise<void>;
}

/** Experiments with a pool of people on Slack: those this app serves when none are named. */
export async function slackExperiments(db: Database): Promise<string[]> {
  const out: string[] = [];
  for (const row of await db.experiments.list()) {
    let parsed: { data: ExperimentConfig };
    try {
      parsed = { data: parseStoredConfig(row.config) };
    } catch {
      continue;
    }
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

/** The app cannot start as configured (a token Slack refuses, Slack out of reach); the message says what to do. */
export class SlackSetupError extends Error {
  override name = 'SlackSetupError';
}

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => 'error' as never,
  setName: () => {},
};

/**
 * A token checked before anything starts: a token Slack refuses, or a Slack the machine cannot reach,
 * ends the start in one sentence (and exit code 2), not in a stack trace after the app said it runs.
 * Bolt's own check runs in its constructor, where its failure is an unhandled rejection.
 */
async function verifyToken(
  name: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN',
  token: string,
  clientOptions: WebClientOptions,
): Promise<{ user_id?: string; bot_id?: string; team_id?: string }> {
  const client = new WebClient(token, {
    ...clientOptions,
    logger: quiet,
    retryConfig: { retries: 2, factor: 1.5, minTimeout: 200, maxTimeout: 1000 },
  });
  try {
    if (name === 'SLACK_BOT_TOKEN') return await client.auth.test();
    await client.apps.connections.open();
    return {};
  } catch (error) {
    const code = (error as { code?: string }).code;
    const platform = (error as { data?: { error?: string } }).data?.error;
    const where = clientOptions.slackApiUrl ?? 'https://slack.com/api/';
    if (platform)
      throw new SlackSetupError(
        `Slack refused ${name} (${platform}): ${
          name === 'SLACK_BOT_TOKEN'
            ? 'copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions, after installing the app'
            : 'make an app-level token (xapp-…) with connections:write under Basic Information → App-Level Tokens'
        }.`,
      );
    const cause = (error as { original?: { code?: string; message?: string } }).original;
    throw new SlackSetupError(
      `Slack could not be reached at ${where} to check ${name} (${cause?.code ?? code ?? (error as Error).message}): check the network${clientOptions.slackApiUrl ? ' and SLACK_API_URL' : ''}.`,
    );
  }
}

/** What a modal shows while its content is worked out: the trigger is used at once, the work after. */
function loadingView(title: string): View {
  return {
    type: 'modal',
    callback_id: 'ov-loading',
    title: plain(title, 24),
    close: plain('Close', 24),
    blocks: [textContext('Loading…')],
  };
}

/** Clicks whose answer is a modal: opened with a loading view straight away, filled in after. */
const OPENS_MODAL: ReadonlySet<string> = new Set(['numbers', 'ask', 'speak', 'survey', 'show']);

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
  const self =
    env.SLACK_BOT_TOKEN && !env.oauth
      ? await verifyToken('SLACK_BOT_TOKEN', env.SLACK_BOT_TOKEN, clientOptions)
      : null;
  // With one bot token, who the app is comes from the check above: Bolt's own authorization would
  // call auth.test on the first request, before its handler could acknowledge it.
  const authorize = self
    ? async () => ({
        botToken: env.SLACK_BOT_TOKEN!,
        ...(self.bot_id ? { botId: self.bot_id } : {}),
        ...(self.user_id ? { botUserId: self.user_id } : {}),
        ...(self.team_id ? { teamId: self.team_id } : {}),
      })
    : null;
  if (env.mode === 'socket') await verifyToken('SLACK_APP_TOKEN', env.SLACK_APP_TOKEN!, clientOptions);
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
  const bot = new SlackBot(
    db,
    clients,
    experimentIds,
    logger,
    options.activeMs === undefined ? {} : { activeMs: options.activeMs },
  );

  const common = {
    logger,
    clientOptions,
    convoStore: false as const,
    ignoreSelf: true,
    processBeforeResponse: false,
    // Checked above (verifyToken); Bolt's own check would run unawaited in its constructor.
    tokenVerificationEnabled: false,
  };
  const app =
    env.mode === 'socket'
      ? new App({ ...common, socketMode: true, appToken: env.SLACK_APP_TOKEN!, authorize: authorize! })
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
            : { authorize: authorize! }),
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

  let started: unknown;
  try {
    started = env.mode === 'http' ? await app.start({ port: env.PORT, host: env.HOST }) : await app.start();
  } catch (error) {
    stop.abort();
    await Promise.allSettled(loops);
    if (service) await service.done.catch(() => {});
    throw new SlackSetupError(
      `The Slack app could not start (${slackError(error) ?? (error as Error).message})${env.mode === 'http' ? `: is port ${env.PORT} free?` : '.'}`,
    );
  }
  const port = env.mode === 'http' ? ((started as Server).address() as AddressInfo).port : null;

  return {
    app,
    bot,
    port,
    serve: service,
    busy: () => work.pending,
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
    // Typed in a DM (a `D` id): the app's own with this person if the app can post there, which
    // the first post tells (SlackBot.inDm); typed in a channel, nothing is learnt.
    bot.learnDm(command.team_id, command.user_id, command.channel_id, false);
    // `join` with a consent text is a modal: opened now, from the config kept in memory, before any
    // other work (Slack's trigger lasts 3 seconds, and the network both ways comes out of that).
    const join = /^\s*join\b\s*(\S*)\s*(\S*)/i.exec(command.text ?? '');
    if (join) {
      try {
        const experimentId = bot.resolveExperiment(join[1] || undefined);
        const consent = await bot.chat.consent(experimentId);
        if (consent) {
          await client.views.open({
            trigger_id: command.trigger_id,
            view: consentModal(experimentId, consent, join[2] || undefined) as never,
          });
          return;
        }
      } catch (error) {
        logger.debug(`join: ${(error as Error).message}`);
        // An unknown experiment and the like: the command below says so.
      }
    }
    work.run('normal', async () => {
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
    // A button on the app's own message in a DM: that DM is the app's with this person.
    bot.learnDm(team, b.user.id, channel, true);
    const click: Click = {
      team,
      user: b.user.id,
      action,
      origin: `action:${b.user.id}:${act.action_ts}`,
      trigger: b.trigger_id,
      channel,
      messageTs: channel ? (b.container?.message_ts ?? null) : null,
    };
    // A click whose answer is a modal opens one now (a loading view) and the work fills it in
    // (views.update needs no trigger): the trigger is used within moments of the click, however busy
    // the database is. `accept` opens the consent text, known from the config in memory.
    let opened: { id: string; hash: string } | null = null;
    let filled = false;
    const consent = action.kind === 'accept' ? await bot.chat.consent(action.ref).catch(() => null) : null;
    try {
      if (consent) {
        await client.views.open({
          trigger_id: b.trigger_id,
          view: consentModal(action.ref, consent, undefined) as never,
        });
        return;
      }
      if (OPENS_MODAL.has(action.kind)) {
        const res = await client.views.open({
          trigger_id: b.trigger_id,
          view: loadingView(action.kind === 'show' ? 'Your trial' : 'One moment') as never,
        });
        if (res.view?.id) opened = { id: res.view.id, hash: res.view.hash ?? '' };
      }
    } catch (error) {
      logger.warn(`a modal could not be opened: ${slackError(error) ?? (error as Error).message}`);
    }
    work.run(opened ? 'urgent' : 'normal', async () => {
      try {
        await onClick(bot, click, {
          modalOpen: opened !== null,
          openView: async (trigger, view) => {
            if (!opened) {
              await client.views.open({ trigger_id: trigger, view: view as never });
              return;
            }
            filled = true;
            await client.views.update({ view_id: opened.id, hash: opened.hash, view: view as never });
          },
        });
        // Nothing to show after all: the loading view says where to look instead of spinning.
        if (opened && !filled)
          await client.views.update({
            view_id: opened.id,
            hash: opened.hash,
            view: infoModal(
              'Done',
              'Nothing more to show here: see the note in your conversation with the app.',
            ) as never,
          });
      } catch (error) {
        await oops(team, b.user.id, channel, error);
      }
    });
  });

  // The Home tab's menu of waiting trials past those it lists: choosing one opens it, as Open does.
  app.action(/^ov-queue:/, async ({ ack, body, client }) => {
    await ack();
    const b = body as unknown as {
      user: { id: string; team_id?: string };
      team?: { id: string } | null;
      trigger_id: string;
      actions: Array<{ selected_option?: { value: string }; action_ts: string }>;
    };
    const chosen = b.actions[0]?.selected_option?.value;
    const action = chosen ? decodeControl(chosen) : null;
    if (action?.kind !== 'show') return;
    const team = b.team?.id ?? b.user.team_id ?? '';
    let opened: { id: string; hash: string } | null = null;
    try {
      const res = await client.views.open({
        trigger_id: b.trigger_id,
        view: loadingView('Your trial') as never,
      });
      if (res.view?.id) opened = { id: res.view.id, hash: res.view.hash ?? '' };
    } catch (error) {
      logger.warn(`a modal could not be opened: ${slackError(error) ?? (error as Error).message}`);
      return;
    }
    work.run('urgent', async () => {
      try {
        await onClick(
          bot,
          {
            team,
            user: b.user.id,
            action,
            origin: `action:${b.user.id}:${b.actions[0]!.action_ts}`,
            trigger: b.trigger_id,
            channel: null,
            messageTs: null,
          },
          {
            modalOpen: true,
            openView: async (_trigger, view) =>
              void (await client.views.update({
                view_id: opened!.id,
                hash: opened!.hash,
                view: view as never,
              })),
          },
        );
      } catch (error) {
        await oops(team, b.user.id, null, error);
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
    const submitted = onSubmit(bot, {
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
      done = await Promise.race([submitted, deadline]);
    } catch (error) {
      await ack({
        response_action: 'errors',
        errors: { [firstInput(view)]: 'Something went wrong on our side; nothing was recorded. Try again.' },
      } as never);
      logger.error(`modal ${view.callback_id}: ${slackError(error) ?? (error as Error).message}`);
      return;
    }
    if (done === 'late') {
      await ack();
      submitted
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
    // What follows a recorded move (the turn marked answered, the Home tab) is work after an
    // acknowledgement like any other: queued, so a clean stop waits for it and `busy` counts it.
    const after = done.after;
    if (after)
      work.run('normal', () =>
        after().catch((error) => logger.warn(`after a submission: ${(error as Error).message}`)),
      );
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
    // The event names the person's DM with the app, whichever tab was opened.
    bot.learnDm((body as { team_id: string }).team_id, event.user, event.channel, true);
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
  const ref = trial.ref;
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
