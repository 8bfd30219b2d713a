import { encodeAction, ROLE_NAMES } from '@oversight/chat';
import type { Role } from '@oversight/core';
import { type Block, context, esc, fitView, md, plain, SLACK, sections } from '../limits.ts';

/**
 * The App Home tab: per experiment, the person's queue (trials waiting on them, oldest first) with
 * their counts and reward and a button for the next trial; for admins, the experiment's progress.
 * A view holds 100 blocks: each waiting trial gets a line with an Open button while the view has room
 * for them (QUEUE_SHOWN at most), and the rest are in a menu that opens any of them (up to 100
 * options), so every trial waiting on the person can be opened from here.
 */

export interface HomeQueueItem {
  ref: string;
  role: Role;
  since: Date;
}

export interface HomeExperiment {
  id: string;
  joined: {
    label: string;
    seats: number;
    judged: number;
    correct: number;
    meanReward: number | null;
    /** The chat layer's running reward and what it will pay (ChatService.status). */
    rewardText?: string;
    owed: HomeQueueItem[];
  } | null;
  left: boolean;
  progress: { counts: Record<string, number>; waitingOn: Array<[string, number]> } | null;
}

export const QUEUE_SHOWN = 40;
/** A select holds 100 options. */
const QUEUE_MENU = 100;
const WAITING_SHOWN = 8;

function ago(since: Date, now: number): string {
  const minutes = Math.max(0, Math.round((now - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} days`;
}

const button = (text: string, actionId: string, style?: 'primary') => ({
  type: 'button',
  text: plain(text, SLACK.buttonText),
  action_id: actionId,
  ...(style ? { style } : {}),
});

function experimentBlocks(e: HomeExperiment, now: number, budget: number): Block[] {
  const blocks: Block[] = [{ type: 'header', text: plain(e.id, SLACK.headerText) }];
  const j = e.joined;
  if (!j) {
    blocks.push(...sections(e.left ? 'You left this experiment.' : 'You have not joined this experiment.'), {
      type: 'actions',
      elements: [button('Join', encodeAction({ kind: 'accept', ref: e.id, position: 0 }), 'primary')],
    });
  } else {
    const reward =
      j.rewardText !== undefined
        ? esc(j.rewardText)
        : j.meanReward === null
          ? 'no verdicts yet'
          : `mean reward ${j.meanReward.toFixed(3)}`;
    blocks.push(
      context(
        `You are *${esc(j.label)}*`,
        `${j.seats} trial${j.seats === 1 ? '' : 's'}`,
        `${j.judged} judged, ${j.correct} correct`,
        reward,
      ),
    );
    if (j.owed.length === 0) blocks.push(...sections('Nothing is waiting on you.'));
    else {
      blocks.push(...sections(`*Waiting on you (${j.owed.length})*`));
      const shown = j.owed.slice(0, budget);
      for (const [i, item] of shown.entries())
        blocks.push({
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${i + 1}. ${ROLE_NAMES[item.role]} · waiting ${ago(item.since, now)}`,
          },
          accessory: button('Open', encodeAction({ kind: 'show', ref: item.ref, position: 0 })),
        });
      const rest = j.owed.slice(shown.length);
      if (rest.length > 0) {
        const menu = rest.slice(0, QUEUE_MENU);
        blocks.push({
          type: 'section',
          text: md(`*${rest.length} more* waiting on you: open any of them here.`),
          accessory: {
            type: 'static_select',
            action_id: `ov-queue:${e.id}`,
            placeholder: plain('Open a trial…', 150),
            options: menu.map((item, k) => ({
              value: encodeAction({ kind: 'show', ref: item.ref, position: 0 }),
              text: plain(
                `${shown.length + k + 1}. ${ROLE_NAMES[item.role]} · waiting ${ago(item.since, now)}`,
                SLACK.optionText,
              ),
            })),
          },
        });
        if (rest.length > menu.length)
          blocks.push(
            context(`…and ${rest.length - menu.length} more: \`/oversight next\` takes them in order.`),
          );
      }
    }
    blocks.push({
      type: 'actions',
      elements: [button('Next trial', encodeAction({ kind: 'next', ref: e.id, position: 0 }), 'primary')],
    });
  }
  if (e.progress) {
    const counts = Object.entries(e.progress.counts)
      .map(([status, n]) => `${status} ${n}`)
      .join(' · ');
    blocks.push(context(`*Progress (admin):* ${counts || 'no trials'}`));
    const waiting = e.progress.waitingOn.slice(0, WAITING_SHOWN).map(([who, n]) => `${esc(who)}: ${n}`);
    if (waiting.length) blocks.push(context(`*Waiting on:* ${waiting.join(' · ')}`));
    if (e.progress.waitingOn.length > WAITING_SHOWN)
      blocks.push(context(`…and ${e.progress.waitingOn.length - WAITING_SHOWN} more people`));
  }
  blocks.push({ type: 'divider' });
  return blocks;
}

export function homeView(experiments: HomeExperiment[], now = Date.now()): Record<string, unknown> {
  // Lines for waiting trials share what the 100 blocks leave after each experiment's other blocks
  // (at most 12 each, and one for the footer).
  const room = SLACK.viewBlocks - 1 - experiments.length * 12;
  const budget = Math.max(3, Math.min(QUEUE_SHOWN, Math.floor(room / Math.max(1, experiments.length))));
  const blocks: Block[] = experiments.length
    ? experiments.flatMap((e) => experimentBlocks(e, now, budget))
    : sections('No experiment is open in this workspace yet. An admin starts one with `/oversight start`.');
  blocks.push(context('`/oversight help` lists the commands.'));
  return { type: 'home', blocks: fitView(blocks) };
}
