import { foldEvents, type Role, type TrialEvent } from '@oversight/core';
import type { ChatThreadInput, ChatThreadRow } from '@oversight/db';
import type { Presentation } from './present.ts';
import type { ChatService } from './service.ts';

/**
 * Keeping chat threads up to date with their trials. A thread shows one participant's screen; the
 * log moves on without the chat app (models speak through `serve`, others move elsewhere), so the app
 * asks which threads are behind and posts what is new there, then records how far it got. At least
 * once: a crash between posting and recording posts that part again, never loses it.
 */

export interface ThreadUpdate {
  thread: ChatThreadRow;
  /** What is new since the thread was last posted: entries, the turn, the outcome. */
  presentation: Presentation;
  /** Record this with `posted` once the update is out. */
  upToSeq: number;
  /**
   * What the thread has not shown before: the person's current turn (a turn already posted is not
   * new when unrelated events follow) and the outcome (not new again after a survey answer).
   */
  fresh?: { turn: boolean; outcome: boolean };
}

export class ThreadSync {
  constructor(private readonly chat: ChatService) {}

  /** Records where a participant follows a trial (a new thread, or a reopened one). */
  async follow(thread: Omit<ChatThreadInput, 'platform'>): Promise<ChatThreadRow> {
    return this.chat.db.chat.saveThread({ ...thread, platform: this.chat.platform });
  }

  /** Updates owed to threads behind their trials (oldest change first). */
  async pending(
    options: { experimentIds?: readonly string[]; limit?: number } = {},
  ): Promise<ThreadUpdate[]> {
    const threads = await this.chat.db.chat.behind(this.chat.platform, options);
    const updates: ThreadUpdate[] = [];
    for (const thread of threads) {
      const trial = await this.chat.db.trials.get(thread.trialId);
      if (!trial) continue;
      const handle = await this.chat.experiment(trial.experimentId);
      const events = (await this.chat.db.events.load(thread.trialId)).map((e) => e.payload as TrialEvent);
      const state = foldEvents(events);
      const posted = thread.postedSeq > 0 ? foldEvents(events.slice(0, thread.postedSeq)) : undefined;
      const role = thread.role as Role;
      const presentation = await this.chat.presentation(handle, state, role, posted);
      const before = posted ? await this.chat.presentation(handle, posted, role) : null;
      updates.push({
        thread,
        presentation,
        upToSeq: events.length,
        fresh: {
          turn: presentation.turn !== null && presentation.turn.position !== before?.turn?.position,
          outcome: presentation.outcome !== null && !before?.outcome,
        },
      });
    }
    return updates;
  }

  /** The thread at a place in the chat app (a message in it names its channel and thread), if any. */
  async threadAt(workspace: string, channel: string, thread: string): Promise<ChatThreadRow | null> {
    return this.chat.db.prisma.chatThread.findFirst({
      where: { platform: this.chat.platform, workspace, channel, thread },
    });
  }

  async posted(update: ThreadUpdate): Promise<void> {
    await this.chat.db.chat.markPosted(
      update.thread.trialId,
      update.thread.participantId,
      this.chat.platform,
      update.upToSeq,
    );
  }
}
