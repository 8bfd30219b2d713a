import {
  ChatError,
  ChatService,
  DEFAULT_REMINDER_MINUTES,
  type NextResult,
  Notices,
  type Presentation,
  pause,
  ThreadSync,
  type ThreadUpdate,
} from '@oversight/chat';
import type { ExperimentConfig, Role } from '@oversight/core';
import { type ChatThreadRow, type Database, NOTIFY_CHANNEL } from '@oversight/db';
import type { Identity } from '@oversight/runner';
import type { Logger } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Clients } from './clients.ts';
import { type Block, esc, fallback, type SlackMessage } from './limits.ts';
import { type HomeExperiment, homeView } from './render/home.ts';
import {
  answeredMessage,
  askMessage,
  entryMessages,
  introMessage,
  noteMessage,
  outcomeMessage,
  storyMessages,
  turnMessage,
} from './render/trial.ts';

/**
 * What the Slack app does around the shared chat layer: where a trial's thread lives and keeping it
 * posted, DMs and ephemeral notes, the Home tab, "your turn" DMs with one scheduled reminder per turn.
 * No state of its own: threads, notices and reminders are rows in the database or messages in Slack;
 * the maps below are caches that a restart may lose at no cost.
 */

export const PLATFORM = 'slack';

export interface Where {
  team: string;
  channel: string;
}

export function slackError(error: unknown): string | null {
  return (error as { data?: { error?: string } })?.data?.error ?? null;
}

export class SlackBot {
  readonly chat: ChatService;
  readonly sync: ThreadSync;
  readonly notices: Notices;
  /**
   * Each person's DM channel with the app. `sure`: seen in a request that comes from it (the Home
   * tab's event, a click on the app's message there), stored with a thread, or from conversations.open;
   * otherwise the DM a slash command was typed in, which is the app's only if the app can post there.
   */
  private readonly dms = new Map<string, { channel: string; sure: boolean }>();
  /** Reminders scheduled by this process, by person and trial: cancelled without listing them. */
  private readonly scheduled = new Map<string, Array<{ channel: string; id: string; step: number }>>();
  private readonly startedAt = new Date();
  private readonly admins = new Map<string, { at: number; members: Set<string> }>();
  private wakeSync: (() => void) | null = null;
  private syncPending = false;
  /** Called after a person's move, so `serve` in this process drives what follows at once. */
  onMove: () => void = () => {};

  constructor(
    readonly db: Database,
    readonly clients: Clients,
    readonly experimentIds: string[],
    readonly log: Logger,
    options: { activeMs?: number } = {},
  ) {
    this.chat = new ChatService(db, PLATFORM);
    this.sync = new ThreadSync(this.chat);
    this.notices = new Notices(
      this.chat,
      options.activeMs === undefined ? {} : { activeMs: options.activeMs },
    );
  }

  identity(team: string, user: string): Identity {
    return { platform: PLATFORM, team, user };
  }

  async config(experimentId: string): Promise<ExperimentConfig> {
    return (await this.chat.experiment(experimentId)).config;
  }

  /** The experiment a command names, or the only one served; a ChatError saying which exist otherwise. */
  resolveExperiment(name: string | undefined): string {
    if (name) {
      if (this.experimentIds.includes(name)) return name;
      throw new ChatError(
        `There is no experiment "${name}" here. Experiments: ${this.experimentIds.join(', ') || 'none'}.`,
      );
    }
    if (this.experimentIds.length === 1) return this.experimentIds[0]!;
    throw new ChatError(
      this.experimentIds.length === 0
        ? 'No experiment is open here yet.'
        : `Name the experiment: ${this.experimentIds.join(', ')}.`,
    );
  }

  async isAdmin(experimentId: string, team: string, user: string): Promise<boolean> {
    const admins = (await this.config(experimentId)).chat?.admins;
    if (!admins) return false;
    if (admins.slackUsers?.some((u) => u === user || u === `${team}/${user}`)) return true;
    for (const group of admins.slackUserGroups ?? []) {
      const key = `${team}/${group}`;
      let cached = this.admins.get(key);
      if (!cached || Date.now() - cached.at > 60_000) {
        try {
          const client = await this.clients.forTeam(team);
          const res = await client.usergroups.users.list({ usergroup: group });
          cached = { at: Date.now(), members: new Set(res.users ?? []) };
        } catch (error) {
          this.log.warn(
            `cannot read user group ${group} in ${team}: ${slackError(error) ?? (error as Error).message}`,
          );
          cached = { at: Date.now(), members: new Set() };
        }
        this.admins.set(key, cached);
      }
      if (cached.members.has(user)) return true;
    }
    return false;
  }

  /**
   * A request named a DM of this person (Slack's slash command payload's `channel_id`, the
   * `app_home_opened` event's `channel`): conversations.open (Tier 3, 50 a minute per workspace) is
   * then not needed. A guess never replaces a channel known for sure.
   */
  learnDm(team: string, user: string, channel: string | null | undefined, sure: boolean) {
    if (!channel?.startsWith('D')) return;
    const key = `${team}/${user}`;
    if (this.dms.get(key)?.sure && !sure) return;
    this.dms.set(key, { channel, sure });
  }

  async dmChannel(team: string, user: string): Promise<string> {
    const key = `${team}/${user}`;
    const known = this.dms.get(key);
    if (known) return known.channel;
    // After a restart: the DM a thread of theirs lives in, so 500 people do not cost 500 opens.
    const stored = await this.storedDm(team, user);
    if (stored) {
      this.dms.set(key, { channel: stored, sure: true });
      return stored;
    }
    const client = await this.clients.forTeam(team);
    const res = await client.conversations.open({ users: user });
    const id = res.channel?.id;
    if (!id) throw new Error(`conversations.open gave no channel for ${user}`);
    this.dms.set(key, { channel: id, sure: true });
    return id;
  }

  /** The DM channel of one of this person's trial threads in this workspace, if any. */
  private async storedDm(team: string, user: string): Promise<string | null> {
    const identity = `${PLATFORM}:${team}/${user}`;
    const rows = await this.db.prisma.$queryRaw<Array<{ channel: string }>>`
      SELECT t."channel" FROM "ChatThread" t
      JOIN "Trial" r ON r."id" = t."trialId"
      JOIN "Participant" p ON p."id" = t."participantId" AND p."experimentId" = r."experimentId"
      WHERE t."platform" = ${PLATFORM} AND t."workspace" = ${team} AND p."identity" = ${identity}
        AND t."channel" LIKE 'D%'
      LIMIT 1`;
    return rows[0]?.channel ?? null;
  }

  /**
   * Runs `use` in the person's DM. A DM guessed from a slash command that the app cannot post in
   * (typed in a DM between two people: channel_not_found) is forgotten and the app's DM opened.
   */
  async inDm<T>(team: string, user: string, use: (channel: string) => Promise<T>): Promise<T> {
    const key = `${team}/${user}`;
    const channel = await this.dmChannel(team, user);
    const known = this.dms.get(key);
    try {
      const out = await use(channel);
      if (known && known.channel === channel) known.sure = true;
      return out;
    } catch (error) {
      const code = slackError(error);
      if (known?.sure !== false || (code !== 'channel_not_found' && code !== 'not_in_channel')) throw error;
      this.dms.delete(key);
      return use(await this.dmChannel(team, user));
    }
  }

  async post(team: string, channel: string, message: SlackMessage, threadTs?: string) {
    const client = await this.clients.forTeam(team);
    const res = await client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks as never,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      unfurl_media: false,
    });
    return res.ts!;
  }

  async dm(team: string, user: string, message: SlackMessage) {
    return this.inDm(team, user, (channel) => this.post(team, channel, message));
  }

  /** A note only this person sees, where they clicked (their DM when the click was on the Home tab). */
  async ephemeral(
    team: string,
    user: string,
    channel: string | null,
    text: string,
    p?: Presentation | null,
    extra: Block[] = [],
    /** The note as the app's own mrkdwn (links it made, escaped data), when it has one. */
    mrkdwn?: string,
  ) {
    const client = await this.clients.forTeam(team);
    const note = noteMessage(text, p);
    const message = mrkdwn
      ? { text: note.text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } }] }
      : note;
    const send = (where: string) =>
      client.chat.postEphemeral({
        channel: where,
        user,
        text: message.text,
        blocks: [...message.blocks, ...extra] as never,
      });
    if (channel) await send(channel);
    else await this.inDm(team, user, send);
  }

  /** Replaces a turn's buttons with what was recorded (best effort: the move is in either way). */
  async markAnswered(team: string, channel: string | undefined, ts: string | undefined, text: string) {
    if (!channel || !ts) return;
    try {
      const client = await this.clients.forTeam(team);
      const message = answeredMessage(text);
      await client.chat.update({ channel, ts, text: message.text, blocks: message.blocks as never });
    } catch (error) {
      this.log.debug(
        `could not mark the turn message answered: ${slackError(error) ?? (error as Error).message}`,
      );
    }
  }

  async permalink(team: string, channel: string, ts: string): Promise<string | null> {
    try {
      const client = await this.clients.forTeam(team);
      return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
    } catch {
      return null;
    }
  }

  // ---- threads ----

  /**
   * The thread a person follows a trial in, opened when there is none: the parent message (question
   * and answers) in their DM with the app, the one place in Slack only they can read. Never a shared
   * channel: a judge's thread ends with the reveal (the correct answer, who defended what), and another
   * judge given the other trial of the same question would read their own answer there.
   */
  threadFor(team: string, user: string, trialId: string, participantId: string, role: Role, p: Presentation) {
    // One opening at a time per seat in this process: `next` and a "your turn" notice may ask at once.
    const key = `${trialId}/${participantId}`;
    let opening = this.opening.get(key);
    if (!opening) {
      opening = this.openThread(team, user, trialId, participantId, role, p).finally(() =>
        this.opening.delete(key),
      );
      this.opening.set(key, opening);
    }
    return opening;
  }

  private readonly opening = new Map<string, Promise<ChatThreadRow>>();

  private async openThread(
    team: string,
    user: string,
    trialId: string,
    participantId: string,
    role: Role,
    p: Presentation,
  ) {
    const existing = await this.db.chat.thread(trialId, participantId, PLATFORM);
    if (existing) return existing;
    const { channel, ts } = await this.inDm(team, user, async (channel) => ({
      channel,
      ts: await this.post(team, channel, introMessage(p)),
    }));
    for (const m of storyMessages(p)) await this.post(team, channel, m, ts);
    const row = await this.sync.follow({
      trialId,
      participantId,
      role,
      workspace: team,
      channel,
      thread: ts,
    });
    this.requestSync();
    return row;
  }

  /** Gives a person their next trial: its thread (opened if new), posted up to now. */
  /** `from`: where the person asked; a thread in that channel needs no link (chat.getPermalink, Tier 4). */
  async next(team: string, user: string, experimentId: string, origin: string, from?: string | null) {
    const identity = this.identity(team, user);
    const result: NextResult = await this.chat.next(experimentId, identity, { id: origin });
    if (result.status === 'none') return { status: 'none' as const, reason: result.reason };
    const person = (await this.chat.person(experimentId, identity))!;
    const thread = await this.threadFor(
      team,
      user,
      result.trial.id,
      person.id,
      result.role,
      result.presentation,
    );
    await this.syncThreads([thread.trialId]);
    return {
      status: 'trial' as const,
      assigned: result.assigned,
      thread,
      here: thread.channel === from,
      link: thread.channel === from ? null : await this.permalink(team, thread.channel, thread.thread),
    };
  }

  requestSync() {
    this.syncPending = true;
    this.wakeSync?.();
  }

  /**
   * Posts what is new in threads behind their trials (those of `trialIds` only, when given). Passes
   * run one after another in this process, so two never post the same update.
   */
  syncThreads(trialIds?: readonly string[]): Promise<number> {
    const run = this.syncChain.then(() => this.syncPass(trialIds));
    this.syncChain = run.catch(() => 0);
    return run;
  }

  private syncChain: Promise<number> = Promise.resolve(0);

  private async syncPass(trialIds?: readonly string[]): Promise<number> {
    let updates = await this.sync.pending({ experimentIds: this.experimentIds, limit: 200 });
    if (trialIds) updates = updates.filter((u) => trialIds.includes(u.thread.trialId));
    const limit = 8;
    let posted = 0;
    let index = 0;
    const worker = async () => {
      while (index < updates.length) {
        const update = updates[index++]!;
        try {
          await this.postUpdate(update);
          posted += 1;
        } catch (error) {
          this.log.warn(
            `thread of trial ${update.thread.trialId} not updated yet: ${slackError(error) ?? (error as Error).message}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, updates.length) }, worker));
    return posted;
  }

  /**
   * One thread's update: new entries as replies, the turn if it is new, the outcome if new. How far
   * it got is recorded after each entry but the last, and fully at the end: a crash reposts at most
   * the last part, and never loses one.
   */
  private async postUpdate(update: ThreadUpdate) {
    const { thread, presentation: p } = update;
    const { workspace: team, channel, thread: ts } = thread;
    const trial = await this.db.trials.get(thread.trialId);
    if (!trial) return;
    const ref = trial.ref;
    const messages = entryMessages(p.entries);
    for (const [i, m] of messages.entries()) {
      await this.post(team, channel, m, ts);
      if (i < messages.length - 1 && messages[i + 1]!.lastSeq !== m.lastSeq)
        await this.db.chat.markPosted(thread.trialId, thread.participantId, PLATFORM, m.lastSeq + 1);
    }
    const fresh = update.fresh ?? { turn: true, outcome: true };
    const turn = fresh.turn ? turnMessage(p, ref) : null;
    if (turn) await this.post(team, channel, turn, ts);
    // After the judge's own move (or anything new reaching them) while the arguers write: the Ask button.
    const ask = messages.length > 0 ? askMessage(p, ref) : null;
    if (ask) await this.post(team, channel, ask, ts);
    if (p.outcome && fresh.outcome) {
      const survey = (await this.config(trial.experimentId)).survey ?? [];
      await this.post(team, channel, outcomeMessage(p, ref, survey.length), ts);
    }
    await this.sync.posted(update);
  }

  /** Keeps threads posted until the signal: woken by moves in this process, else every `pollMs`. */
  async runSync(signal: AbortSignal, pollMs = 500) {
    while (!signal.aborted) {
      this.syncPending = false;
      try {
        await this.syncThreads();
      } catch (error) {
        this.log.warn(`thread sync: ${(error as Error).message}`);
      }
      if (this.syncPending) continue;
      await pause(pollMs, signal, (wake) => {
        this.wakeSync = wake;
      });
      this.wakeSync = null;
    }
  }

  /** After a person's move: serve drives on, the thread catches up, their reminders for it go. */
  async afterMove(team: string, user: string, ref: string, position: number) {
    this.onMove();
    this.requestSync();
    await this.cancelReminders(team, user, ref, position).catch((error) =>
      this.log.debug(`reminders not cancelled: ${slackError(error) ?? (error as Error).message}`),
    );
  }

  // ---- your turn, reminders ----

  /** The marker a reminder's text carries, so it can be found and cancelled without storing its id. */
  static reminderMarker(ref: string, position: number) {
    return `(trial ${ref}, step ${position})`;
  }

  /** Delivers pending "your turn" DMs (at least once) and schedules each turn's one reminder. */
  async deliverNotices(): Promise<number> {
    return this.notices.deliver(
      this.experimentIds,
      async ({ notice, identity, ref, taking }) => {
        const team = identity.team!;
        const trial = await this.db.trials.get(notice.trialId);
        const handle = await this.chat.experiment(notice.experimentId);
        const shown = await this.chat.show(identity, ref);
        if (shown.status !== 'accepted' || !trial) return;
        const p = shown.presentation;
        // A turn needs a thread to be taken in (a seat given by an admin, or on another platform).
        const thread = await this.threadFor(
          team,
          identity.user,
          trial.id,
          notice.participantId,
          notice.role as Role,
          p,
        );
        const link = await this.permalink(team, thread.channel, thread.thread);
        const where = link ? `<${link}|Open the trial's thread>` : 'Open the trial in your DM with the app.';
        const heading = p.turn?.heading ?? 'A trial is waiting for you';
        // The title holds the story's title, from the dataset: escaped like everything people wrote.
        if (!taking)
          await this.dm(team, identity.user, {
            text: fallback(`A trial is waiting for you: ${heading}`),
            blocks: [
              {
                type: 'section',
                text: {
                  type: 'mrkdwn',
                  text: `*Your turn* in ${esc(p.intro.title)}: ${esc(heading)}.\n${where}`,
                },
              },
            ],
          });
        await this.scheduleReminder(notice, team, identity.user, ref, heading, where, handle.config);
      },
      (notice, error) =>
        this.log.warn(
          `"your turn" for trial ${notice.trialId} not delivered yet: ${slackError(error) ?? (error as Error).message}`,
        ),
    );
  }

  private async scheduleReminder(
    notice: { experimentId: string; trialId: string; participantId: string; role: string; sinceSeq: number },
    team: string,
    user: string,
    ref: string,
    heading: string,
    where: string,
    config: ExperimentConfig,
  ) {
    if (!(await this.notices.claimReminder(notice))) return;
    const minutes = config.chat?.reminderMinutes ?? DEFAULT_REMINDER_MINUTES;
    const postAt = Math.floor(Date.now() / 1000) + minutes * 60;
    try {
      const client = await this.clients.forTeam(team);
      const channel = await this.dmChannel(team, user);
      const res = await client.chat.scheduleMessage({
        channel,
        post_at: postAt,
        text: `Reminder: a trial is still waiting for you: ${esc(heading)}. ${where} ${SlackBot.reminderMarker(ref, notice.sinceSeq)}`,
      });
      const key = `${team}/${user}/${ref}`;
      if (res.scheduled_message_id)
        this.scheduled.set(key, [
          ...(this.scheduled.get(key) ?? []),
          { channel, id: res.scheduled_message_id, step: notice.sinceSeq },
        ]);
    } catch (error) {
      await this.notices.releaseReminder(notice);
      throw error;
    }
  }

  /**
   * Cancels this person's scheduled reminders for turns of the trial up to `position` (taken now).
   * Those this process scheduled are deleted by id; chat.scheduledMessages.list (Tier 3, 50 a minute
   * per workspace, like the delete) is read only for reminders an earlier run may have scheduled.
   */
  async cancelReminders(team: string, user: string, ref: string, position: number) {
    const client = await this.clients.forTeam(team);
    const key = `${team}/${user}/${ref}`;
    const mine = this.scheduled.get(key) ?? [];
    const due = mine.filter((m) => m.step <= position);
    this.scheduled.set(
      key,
      mine.filter((m) => m.step > position),
    );
    if (this.scheduled.get(key)!.length === 0) this.scheduled.delete(key);
    for (const m of due)
      await client.chat.deleteScheduledMessage({ channel: m.channel, scheduled_message_id: m.id });
    if (!(await this.remindedBefore(ref))) return;
    const channel = await this.dmChannel(team, user);
    const list = await client.chat.scheduledMessages.list({ channel });
    for (const m of list.scheduled_messages ?? []) {
      const found = new RegExp(`\\(trial ${ref.replace(/[-_]/g, '\\$&')}, step (\\d+)\\)`).exec(m.text ?? '');
      if (found && Number(found[1]) <= position)
        await client.chat.deleteScheduledMessage({ channel, scheduled_message_id: m.id! });
    }
  }

  /** Whether a reminder of this trial was claimed before this process started (a restart's leftovers). */
  private async remindedBefore(ref: string): Promise<boolean> {
    const trial = await this.db.trials.byRef(ref);
    if (!trial) return false;
    const row = await this.db.prisma.notification.findFirst({
      where: { trialId: trial.id, kind: 'reminder', createdAt: { lt: this.startedAt } },
      select: { id: true },
    });
    return row !== null;
  }

  async runNotices(signal: AbortSignal, pollMs = 1000) {
    const stop = await this.db.listen(NOTIFY_CHANNEL, () => wake?.());
    let wake: (() => void) | null = null;
    try {
      while (!signal.aborted) {
        try {
          await this.deliverNotices();
        } catch (error) {
          this.log.warn(`notices: ${(error as Error).message}`);
        }
        await pause(pollMs, signal, (w) => {
          wake = w;
        });
        wake = null;
      }
    } finally {
      await stop();
    }
  }

  // ---- App Home ----

  async homeData(team: string, user: string): Promise<HomeExperiment[]> {
    const identity = this.identity(team, user);
    const out: HomeExperiment[] = [];
    for (const id of this.experimentIds) {
      const status = await this.chat.status(id, identity);
      const person = status?.participant ?? null;
      const owed = [];
      for (const o of status?.owed ?? []) {
        const trial = await this.db.trials.get(o.trialId);
        if (trial) owed.push({ ref: trial.ref, role: o.role, since: o.since });
      }
      const admin = await this.isAdmin(id, team, user);
      out.push({
        id,
        joined:
          status && person && !person.leftAt
            ? {
                label: person.label,
                seats: status.seats,
                judged: status.judged,
                correct: status.correct,
                meanReward: status.meanReward,
                rewardText: status.rewardText,
                owed,
              }
            : null,
        left: Boolean(person?.leftAt),
        progress: admin ? await this.chat.progress(id) : null,
      });
    }
    return out;
  }

  async publishHome(team: string, user: string, client?: WebClient) {
    try {
      const c = client ?? (await this.clients.forTeam(team));
      await c.views.publish({ user_id: user, view: homeView(await this.homeData(team, user)) as never });
    } catch (error) {
      this.log.warn(`Home tab of ${user} not updated: ${slackError(error) ?? (error as Error).message}`);
    }
  }

  async threadOf(trialId: string, participantId: string): Promise<ChatThreadRow | null> {
    return this.db.chat.thread(trialId, participantId, PLATFORM);
  }
}
