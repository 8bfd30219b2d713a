import { createHash } from 'node:crypto';
import {
  type ChatService,
  type Presentation,
  pause,
  type SpareThreads,
  type ThreadSync,
  type ThreadUpdate,
  TRIAL_THREAD_NAME,
} from '@oversight/chat';
import { foldEvents, type Role } from '@oversight/core';
import type { ChatThreadRow } from '@oversight/db';
import { DiscordAPIError, type REST } from 'discord.js';
import { ChannelType, type RESTPostAPIChannelMessageResult, Routes } from 'discord-api-types/v10';
import { type Message, threadMessages } from './render.ts';

/**
 * Private threads, one per person and trial, kept up to date with the trial's log. Where each thread
 * is and how far it is posted lives in the database (ChatThread), so a restarted bot carries on where
 * the last one stopped. Posting is at least once, and each message carries a nonce derived from
 * (trial, person, position, part) with enforce_nonce, so Discord itself drops a repeat sent within
 * minutes of the first (a crash between posting and recording it).
 *
 * A trial is posted only in a server its experiment is run in. A thread elsewhere (opened by a
 * version that served every server, or before the config named its servers) gets nothing more: its
 * server's moderators could read the trial, reveal included. The person's next `/oversight next` in
 * the experiment's server opens a new thread there with the whole trial.
 */

const ARCHIVED = 50083;
const UNKNOWN_CHANNEL = 10003;

export interface ThreadTarget {
  guildId: string;
  /** The study channels' spare threads (spares.ts), or the channel to start one in now. */
  parent: SpareThreads | string;
  userId: string;
}

export class ThreadPoster {
  /** Backoff for threads that failed to post (memory only: a restart just tries again at once). */
  private readonly failing = new Map<string, { until: number; delay: number }>();
  /** Threads found in a server their experiment is not run in (said once each in the log). */
  private readonly elsewhere = new Set<string>();
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly rest: REST,
    private readonly chat: ChatService,
    private readonly sync: ThreadSync,
    private readonly experimentIds: readonly string[],
    private readonly log: (line: string) => void,
    /** The servers each experiment is run in (servers.ts). */
    private readonly guilds: ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  /** Opens (or reopens) the person's thread for a trial and posts what it lacks. Returns the thread id. */
  async open(trialId: string, participantId: string, role: Role, target: ThreadTarget): Promise<string> {
    const known = await this.chat.db.chat.thread(trialId, participantId, 'discord');
    // A thread in another server is left there: a new one here gets the whole trial.
    if (known && known.workspace === target.guildId) {
      try {
        await this.reopen(known.thread);
        await this.rest.put(Routes.threadMembers(known.thread, target.userId));
        await this.flushThread(known);
        return known.thread;
      } catch (error) {
        if (!(error instanceof DiscordAPIError && error.code === UNKNOWN_CHANNEL)) throw error;
        // Deleted by someone: open a new one below and post the whole trial there.
      }
    }
    // Named the same whatever the trial (TRIAL_THREAD_NAME): a spare was made before its trial was known.
    const thread =
      typeof target.parent === 'string'
        ? {
            channel: target.parent,
            thread: (
              (await this.rest.post(Routes.threads(target.parent), { body: trialThreadBody() })) as {
                id: string;
              }
            ).id,
          }
        : await target.parent.take();
    await this.rest.put(Routes.threadMembers(thread.thread, target.userId));
    const row = await this.sync.follow({
      trialId,
      participantId,
      role,
      workspace: target.guildId,
      channel: thread.channel,
      thread: thread.thread,
    });
    if (known) await this.postWhole(row);
    else await this.flushThread(row);
    return thread.thread;
  }

  /** Wakes the loop (a move was just recorded). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Posts to every thread behind its trial until the signal; wakes on `wake()` or every `pollMs`. */
  async run(signal: AbortSignal, pollMs = 250): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.flush();
      } catch (error) {
        this.log(`thread sync: ${(error as Error).message}`);
      }
      await pause(pollMs, signal, (wake) => {
        this.wakeUp = wake;
      });
      this.wakeUp = null;
    }
  }

  /** One pass: every thread behind its trial gets what is new. */
  async flush(): Promise<number> {
    const updates = await this.sync.pending({ experimentIds: this.experimentIds, limit: 200 });
    let posted = 0;
    const now = Date.now();
    // A few threads at once: Discord's per-channel limits are per thread, and each thread is posted in order.
    const queue = updates.filter((u) => (this.failing.get(key(u.thread))?.until ?? 0) <= now);
    const worker = async () => {
      for (let u = queue.shift(); u; u = queue.shift()) if (await this.post(u)) posted += 1;
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return posted;
  }

  private async flushThread(thread: ChatThreadRow): Promise<void> {
    const updates = await this.sync.pending({ experimentIds: this.experimentIds, limit: 200 });
    const mine = updates.find(
      (u) => u.thread.trialId === thread.trialId && u.thread.participantId === thread.participantId,
    );
    if (mine) await this.post(mine);
  }

  private async post(update: ThreadUpdate): Promise<boolean> {
    const id = key(update.thread);
    try {
      // `fresh` (when the chat layer gives it) keeps a turn or an outcome from being posted twice.
      const { fresh } = update as ThreadUpdate & { fresh?: { turn: boolean; outcome: boolean } };
      await this.send(
        update.thread,
        update.presentation,
        update.thread.postedSeq === 0,
        update.upToSeq,
        fresh,
      );
      await this.sync.posted(update);
      this.failing.delete(id);
      return true;
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === UNKNOWN_CHANNEL) {
        await this.replace(update.thread).catch((e) =>
          this.log(`thread ${update.thread.thread}: ${(e as Error).message}`),
        );
        return false;
      }
      const delay = Math.min(60_000, (this.failing.get(id)?.delay ?? 500) * 2);
      this.failing.set(id, { until: Date.now() + delay, delay });
      this.log(
        `thread ${update.thread.thread}: not posted (${(error as Error).message}); again in ${delay / 1000} s`,
      );
      return false;
    }
  }

  /** A thread deleted under us: a new one, with the whole trial in it. */
  private async replace(thread: ChatThreadRow): Promise<void> {
    const trial = await this.chat.db.trials.get(thread.trialId);
    if (!trial) return;
    const participant = await this.chat.db.participants.get(trial.experimentId, thread.participantId);
    const userId = discordUser(participant?.identity ?? null);
    if (!userId) return;
    await this.open(thread.trialId, thread.participantId, thread.role as Role, {
      guildId: thread.workspace,
      parent: thread.channel,
      userId,
    });
  }

  private async postWhole(thread: ChatThreadRow): Promise<void> {
    const trial = (await this.chat.db.trials.get(thread.trialId))!;
    const handle = await this.chat.experiment(trial.experimentId);
    const events = await handle.drive.store.loadEvents(trial.id);
    const screen = await this.chat.presentation(handle, foldEvents(events), thread.role as Role);
    await this.send(thread, screen, true, events.length);
    await this.chat.db.chat.markPosted(thread.trialId, thread.participantId, 'discord', events.length);
  }

  private async send(
    thread: ChatThreadRow,
    screen: Presentation,
    first: boolean,
    upToSeq: number,
    fresh?: { turn: boolean; outcome: boolean },
  ): Promise<void> {
    const trial = await this.chat.db.trials.get(thread.trialId);
    if (!trial) return;
    if (!this.guilds.get(trial.experimentId)?.has(thread.workspace)) {
      // Counted as posted, so it is not tried again: nothing of the trial goes there any more.
      if (!this.elsewhere.has(key(thread))) {
        this.elsewhere.add(key(thread));
        this.log(
          `thread ${thread.thread}: in server ${thread.workspace}, where ${trial.experimentId} is not run; nothing more is posted there (the person's next /oversight next in the experiment's server opens a new thread)`,
        );
      }
      return;
    }
    const handle = await this.chat.experiment(trial.experimentId);
    const participant = await this.chat.db.participants.get(trial.experimentId, thread.participantId);
    const messages = threadMessages(screen, {
      first,
      ref: trial.ref,
      userId: discordUser(participant?.identity ?? null),
      surveyQuestions: (handle.config.survey ?? []).map((q) => q.question),
      ...(fresh && !first ? { fresh } : {}),
    });
    for (const [i, message] of messages.entries()) {
      const nonce = nonceOf(thread, upToSeq, i, first);
      await this.postMessage(thread.thread, { ...message, nonce, enforce_nonce: true });
    }
  }

  /** Posts, reopening the thread first when Discord says it is archived. */
  async postMessage(channelId: string, body: Message): Promise<RESTPostAPIChannelMessageResult> {
    try {
      return (await this.rest.post(Routes.channelMessages(channelId), {
        body,
      })) as RESTPostAPIChannelMessageResult;
    } catch (error) {
      if (!(error instanceof DiscordAPIError && error.code === ARCHIVED)) throw error;
      await this.rest.patch(Routes.channel(channelId), { body: { archived: false } });
      return (await this.rest.post(Routes.channelMessages(channelId), {
        body,
      })) as RESTPostAPIChannelMessageResult;
    }
  }

  /** Unarchives a thread (a no-op when it is open). */
  async reopen(threadId: string): Promise<void> {
    const channel = (await this.rest.get(Routes.channel(threadId))) as {
      thread_metadata?: { archived: boolean };
    };
    if (channel.thread_metadata?.archived)
      await this.rest.patch(Routes.channel(threadId), { body: { archived: false } });
  }
}

/** A private trial thread, named the same whatever its trial (spares.ts), archived after a week idle. */
export function trialThreadBody() {
  return {
    name: TRIAL_THREAD_NAME,
    type: ChannelType.PrivateThread,
    invitable: false,
    auto_archive_duration: 10080,
  };
}

function key(thread: ChatThreadRow): string {
  return `${thread.trialId}/${thread.participantId}`;
}

/**
 * 25 characters (Discord's nonce limit), the same for the same part of the same update. Made from the
 * thread (Discord's own id), never the trial id: a nonce travels with the message to the client.
 */
function nonceOf(thread: ChatThreadRow, upToSeq: number, part: number, first: boolean): string {
  return createHash('sha256')
    .update(`${thread.thread}|${thread.participantId}|${upToSeq}|${part}|${first}`)
    .digest('base64url')
    .slice(0, 25);
}

/** The Discord user id in a participant's identity ("discord:123"), or null for other platforms. */
export function discordUser(identity: string | null): string | null {
  return identity?.startsWith('discord:') ? identity.slice('discord:'.length) : null;
}
