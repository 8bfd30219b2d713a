import { type ChatService, Notices, pause, type TurnNotice } from '@oversight/chat';
import { type Database, NOTIFY_CHANNEL } from '@oversight/db';
import type { REST } from 'discord.js';
import { ButtonStyle, ComponentType, Routes } from 'discord-api-types/v10';
import { clip, escapeDiscord } from './render.ts';

/**
 * "Your turn" and reminders by DM, from the outbox: at least once (a notice is marked delivered only
 * after Discord took the DM, and the DM's nonce is the notice's id, so a repeat after a crash within
 * minutes is dropped by Discord). No DM while the person is at the trial (they moved in it within
 * `activeMs`); reminders are queued after the experiment's `chat.reminderMinutes`.
 */

export interface NoticeLoopOptions {
  db: Database;
  rest: REST;
  chat: ChatService;
  experimentIds: readonly string[];
  activeMs: number;
  log: (line: string) => void;
  pollMs?: number;
  reminderEveryMs?: number;
}

export async function sendNotice(options: NoticeLoopOptions, turn: TurnNotice): Promise<void> {
  const { chat, rest } = options;
  const { notice } = turn;
  if (turn.taking) return;
  const text = await new Notices(chat).describe(notice);
  const userId = turn.identity.user;
  if (!text) return;
  const thread = await chat.db.chat.thread(notice.trialId, notice.participantId, 'discord');
  const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
  const where = thread
    ? 'Open the thread to take your turn.'
    : 'Use `/oversight next` in the server to open it.';
  await rest.post(Routes.channelMessages(dm.id), {
    body: {
      // The title holds the story's title, from the dataset: escaped, and nothing in a DM pings.
      content: clip(`**${text.heading}** in *${escapeDiscord(text.title)}*. ${where}`, 2000),
      allowed_mentions: { parse: [] },
      nonce: `notice-${notice.id}`.slice(0, 25),
      enforce_nonce: true,
      ...(thread
        ? {
            components: [
              {
                type: ComponentType.ActionRow,
                components: [
                  {
                    type: ComponentType.Button,
                    style: ButtonStyle.Link,
                    label: 'Go to the trial',
                    url: `https://discord.com/channels/${thread.workspace}/${thread.thread}`,
                  },
                ],
              },
            ],
          }
        : {}),
    },
  });
}

/** Delivers notices as they appear and queues reminders, until the signal. */
export async function runNotices(options: NoticeLoopOptions, signal: AbortSignal): Promise<void> {
  const { db, chat, experimentIds } = options;
  let wake: (() => void) | null = null;
  const stop = await db.listen(NOTIFY_CHANNEL, (experimentId) => {
    if (experimentIds.includes(experimentId)) wake?.();
  });
  let nextReminders = 0;
  const notices = new Notices(chat, { activeMs: options.activeMs });
  try {
    while (!signal.aborted) {
      try {
        if (Date.now() >= nextReminders) {
          nextReminders = Date.now() + (options.reminderEveryMs ?? 60_000);
          for (const id of experimentIds) await notices.queueReminders(id);
        }
        await notices.deliver(
          experimentIds,
          (turn) => sendNotice(options, turn),
          (notice, error) =>
            options.log(`notice ${notice.id}: not delivered (${(error as Error).message}); will retry`),
        );
      } catch (error) {
        options.log(`notices: ${(error as Error).message}`);
      }
      await pause(options.pollMs ?? 1000, signal, (w) => {
        wake = w;
      });
      wake = null;
    }
  } finally {
    await stop();
  }
}
