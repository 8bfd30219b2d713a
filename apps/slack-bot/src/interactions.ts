import { createHash } from 'node:crypto';
import type { ActResult, ChatAction, Presentation } from '@oversight/chat';
import { decodeAction } from '@oversight/chat';
import type { SlackBot } from './bot.ts';
import { joined, next } from './commands.ts';
import { fallback } from './limits.ts';
import {
  askModal,
  consentModal,
  FIELD,
  infoModal,
  judgeModal,
  type ModalMeta,
  speechModal,
  surveyModal,
  type View,
} from './render/modals.ts';
import { actions, turnMessage } from './render/trial.ts';

/**
 * Clicks and modal submissions turned into the chat layer's `act` and back into Slack: a modal to
 * open, an error shown inside the modal, an ephemeral refusal. A submission's answer must be ready
 * within Slack's 3 seconds, so only the move itself happens before it; marking the old message
 * answered, the Home tab and the thread follow after the acknowledgement (`after`).
 */

export interface Click {
  team: string;
  user: string;
  action: ChatAction;
  /** The idempotency key: the click's own id on Slack. */
  origin: string;
  trigger: string;
  /** The message the control sat on (null on the Home tab or in a modal). */
  channel: string | null;
  messageTs: string | null;
}

export interface Io {
  /** Opens a modal (or, when one was opened at the click, fills it in). */
  openView(trigger: string, view: View): Promise<void>;
  /** A modal was opened at the click: a refusal is shown in it rather than as a note. */
  modalOpen?: boolean;
}

export type SubmitResponse =
  | { response_action: 'errors'; errors: Record<string, string> }
  | { response_action: 'update'; view: View }
  | { response_action: 'clear' };

export interface Submitted {
  response?: SubmitResponse;
  after?: () => Promise<void>;
}

export interface Submission {
  team: string;
  user: string;
  viewId: string;
  action: ChatAction;
  meta: ModalMeta;
  /** Input values by action id (a select's chosen option value). */
  values: Record<string, string | undefined>;
}

const errors = (field: string, message: string): Submitted => ({
  response: { response_action: 'errors', errors: { [field]: message } },
});

/** The ephemeral answer to a refused click: why, and the current turn's controls if it is theirs. */
async function refuse(
  bot: SlackBot,
  click: Click,
  result: { message: string; presentation: Presentation | null },
) {
  const p = result.presentation;
  const extra = [];
  if (p?.turn) {
    const turn = turnMessage(p, click.action.ref);
    const controls = turn?.blocks.filter((b) => b.type === 'actions') ?? [];
    extra.push(...controls);
  }
  await bot.ephemeral(click.team, click.user, click.channel, result.message, p, extra);
}

export async function onClick(bot: SlackBot, click: Click, io: Io): Promise<void> {
  const { team, user, action } = click;
  const identity = bot.identity(team, user);
  const meta: ModalMeta = click.channel && click.messageTs ? { c: click.channel, m: click.messageTs } : {};
  switch (action.kind) {
    case 'next': {
      const out = await next(bot, { team, user, origin: click.origin }, action.ref);
      await bot.ephemeral(team, user, click.channel, out.plain ?? out.text, null, [], out.text);
      return;
    }
    case 'accept': {
      const consent = await bot.chat.consent(action.ref);
      if (consent) await io.openView(click.trigger, consentModal(action.ref, consent, undefined));
      else {
        const out = await joined(bot, team, user, action.ref);
        await bot.ephemeral(team, user, click.channel, out.plain ?? out.text, null, [], out.text);
      }
      return;
    }
    case 'show': {
      const shown = await bot.chat.show(identity, action.ref);
      if (shown.status === 'refused') {
        await io.openView(click.trigger, infoModal('Trial', shown.message));
        return;
      }
      const trial = await bot.db.trials.byRef(action.ref);
      const person = await bot.chat.person(trial!.experimentId, identity);
      const p = shown.presentation;
      const thread = await bot.threadFor(team, user, trial!.id, person!.id, p.intro.role, p);
      const link = await bot.permalink(team, thread.channel, thread.thread);
      const what = p.turn ? `${p.turn.heading}.` : (p.waiting ?? (p.outcome ? 'This trial has ended.' : ''));
      await io.openView(
        click.trigger,
        infoModal(
          'Your trial',
          `${p.intro.title}\n${what}`,
          link ? { url: link, label: 'Open the thread' } : undefined,
        ),
      );
      return;
    }
    default:
      break;
  }
  const result = await bot.chat.act(identity, action, {}, { id: click.origin });
  await render(bot, click, result, meta, io);
}

async function render(bot: SlackBot, click: Click, result: ActResult, meta: ModalMeta, io: Io) {
  switch (result.status) {
    case 'modal': {
      const modal = result.modal;
      if (modal.kind === 'numbers') {
        const shown = await bot.chat.show(bot.identity(click.team, click.user), click.action.ref);
        const judge = shown.status === 'accepted' ? shown.presentation.turn?.judge : null;
        if (!judge) {
          if (io.modalOpen)
            await io.openView(click.trigger, infoModal('Not now', 'It is not your turn to judge.'));
          return;
        }
        await io.openView(click.trigger, judgeModal(modal.action, judge, modal.answers, meta));
      } else if (modal.kind === 'speech') {
        await io.openView(click.trigger, speechModal(modal.action, modal, meta));
      } else if (modal.kind === 'survey') {
        await io.openView(click.trigger, surveyModal(modal.action, modal.questions));
      } else if (modal.kind === 'comment' && click.action.kind === 'ask') {
        await io.openView(click.trigger, askModal(modal.action, modal, meta));
      }
      return;
    }
    case 'refused':
      if (io.modalOpen) await io.openView(click.trigger, infoModal('Not now', result.message));
      else await refuse(bot, click, result);
      return;
    case 'accepted':
      if (!result.duplicate)
        await bot.afterMove(click.team, click.user, click.action.ref, click.action.position);
      await bot.ephemeral(click.team, click.user, click.channel, result.message || 'Done.');
      return;
    case 'choose':
      // Controls of the neutral layer that the Slack screens do not use (credence selects): the
      // choice is offered as buttons carrying it.
      await bot.ephemeral(
        click.team,
        click.user,
        click.channel,
        `${result.message}${result.warning ? `\n${result.warning}` : ''}`,
        null,
        [
          actions(
            ...result.actions.map((a) => ({
              type: 'button',
              text: { type: 'plain_text', text: a.label },
              action_id: bot.chat.id(a.action),
            })),
          ),
        ],
      );
      return;
    case 'preview':
      await bot.ephemeral(
        click.team,
        click.user,
        click.channel,
        `${result.preview.counts}; ${result.preview.summary}`,
      );
      return;
  }
}

// ---- modal submissions ----

export async function onSubmit(bot: SlackBot, s: Submission): Promise<Submitted> {
  switch (s.action.kind) {
    case 'numbers':
      return judge(bot, s);
    case 'speak':
      return speech(bot, s);
    case 'survey':
      return survey(bot, s);
    case 'ask': {
      const text = s.values[FIELD.comment] ?? '';
      const result = await bot.chat.act(
        bot.identity(s.team, s.user),
        s.action,
        { fields: { comment: text } },
        { id: `view:${s.viewId}` },
      );
      if (result.status === 'refused') return errors(FIELD.comment, result.message);
      if (result.status !== 'accepted') return errors(FIELD.comment, 'Not sent; try again.');
      return recorded(bot, s, result);
    }
    case 'accept': {
      const result = await bot.chat.join(s.action.ref, bot.identity(s.team, s.user), true, s.meta.p);
      if (result.status === 'refused')
        return {
          response: {
            response_action: 'update',
            view: infoModal('Not joined', `You have not joined: ${result.reason}.`),
          },
        };
      return {
        after: async () => {
          const out = await joined(bot, s.team, s.user, s.action.ref, s.meta.p);
          await bot.dm(s.team, s.user, {
            text: fallback(out.plain ?? out.text),
            blocks: [{ type: 'section', text: { type: 'mrkdwn', text: out.text } }],
          });
        },
      };
    }
    default:
      return errors(FIELD.comment, 'This form is not one the app knows; close it.');
  }
}

const hashOf = (text: string) => createHash('sha256').update(text.trim()).digest('base64url').slice(0, 16);

async function judge(bot: SlackBot, s: Submission): Promise<Submitted> {
  const identity = bot.identity(s.team, s.user);
  const origin = { id: `view:${s.viewId}` };
  const raw = Object.keys(s.values)
    .filter((k) => /^credence-\d+$/.test(k))
    .sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)))
    .map((k) => (s.values[k] ?? '').trim());
  // Two answers with B left empty: one number, p(A); otherwise one number per answer.
  const first: ActResult =
    raw.length === 2 && raw[1] === ''
      ? await bot.chat.act(identity, { ...s.action, kind: 'credence' }, { values: [raw[0]!] }, origin)
      : await bot.chat.act(
          identity,
          s.action,
          { fields: Object.fromEntries(raw.map((v, i) => [FIELD.credence(i), v])) },
          origin,
        );
  if (first.status === 'accepted' && first.duplicate) return {};
  if (first.status === 'refused') return errors(FIELD.credence(0), first.message);
  if (first.status !== 'choose') return errors(FIELD.credence(0), 'Give your credence for each answer.');
  const comment = (s.values[FIELD.comment] ?? '').trim();
  const chosen =
    s.values[FIELD.next] ??
    (first.actions.some((a) => a.action.kind === 'continue') ? 'continue' : 'verdict');
  const key = raw.join(',');
  if (first.warning && s.meta.ok !== key) {
    const shown = await bot.chat.show(identity, s.action.ref);
    const turn = shown.status === 'accepted' ? shown.presentation?.turn?.judge : null;
    if (turn && shown.presentation) {
      const answers = shown.presentation.intro.answers.map((a) => `${a.letter}. ${a.text}`);
      return {
        response: {
          response_action: 'update',
          view: judgeModal(
            s.action,
            turn,
            answers,
            { ...s.meta, ok: key },
            {
              values: raw,
              next: chosen,
              comment,
              warning: `${first.warning} Submit again to confirm.`,
            },
          ),
        },
      };
    }
  }
  if (chosen === 'verdict' && comment && s.values[FIELD.next] !== undefined)
    return errors(
      FIELD.comment,
      'A comment goes with Continue: a verdict ends the trial. Clear the comment or choose Continue.',
    );
  // A message to the assistant (sandwiching) or a question with Continue goes as a comment.
  const kind =
    comment &&
    (chosen === 'continue' || first.actions.every((a) => a.action.kind !== 'continue')) &&
    s.values[FIELD.next] === undefined
      ? 'comment'
      : chosen === 'continue' && comment
        ? 'comment'
        : chosen;
  const option = first.actions.find((a) => a.action.kind === kind);
  if (!option)
    return errors(
      FIELD.next in s.values ? FIELD.next : FIELD.credence(0),
      'That is not possible on this turn.',
    );
  const result = await bot.chat.act(
    identity,
    option.action,
    kind === 'comment' ? { fields: { comment } } : {},
    origin,
  );
  if (result.status === 'refused') return errors(FIELD.credence(0), result.message);
  if (result.status !== 'accepted') return errors(FIELD.credence(0), 'Not recorded; try again.');
  return recorded(bot, s, result);
}

function recorded(bot: SlackBot, s: Submission, result: ActResult & { status: 'accepted' }): Submitted {
  return {
    after: async () => {
      if (!result.duplicate) await bot.afterMove(s.team, s.user, s.action.ref, s.action.position);
      await bot.markAnswered(s.team, s.meta.c, s.meta.m, result.message);
      await bot.publishHome(s.team, s.user);
    },
  };
}

async function speech(bot: SlackBot, s: Submission): Promise<Submitted> {
  const identity = bot.identity(s.team, s.user);
  const origin = { id: `view:${s.viewId}` };
  const text = s.values[FIELD.speech] ?? '';
  if (s.meta.h && s.meta.h === hashOf(text)) {
    const result = await bot.chat.act(identity, { ...s.action, kind: 'send' }, { previewText: text }, origin);
    if (result.status === 'refused') return errors(FIELD.speech, result.message);
    if (result.status !== 'accepted') return errors(FIELD.speech, 'Not sent; try again.');
    return recorded(bot, s, result);
  }
  const spec = await bot.chat.act(identity, s.action, {}, origin);
  const result = await bot.chat.act(identity, s.action, { fields: { speech: text } }, origin);
  if (result.status === 'refused') return errors(FIELD.speech, result.message);
  if (result.status !== 'preview' || spec.status !== 'modal' || spec.modal.kind !== 'speech')
    return errors(FIELD.speech, 'It is not your turn to speak.');
  const { h: _old, ...rest } = s.meta;
  const meta: ModalMeta = result.send ? { ...rest, h: hashOf(result.preview.text) } : rest;
  return {
    response: { response_action: 'update', view: speechModal(s.action, spec.modal, meta, result.preview) },
  };
}

async function survey(bot: SlackBot, s: Submission): Promise<Submitted> {
  const identity = bot.identity(s.team, s.user);
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(s.values))
    if (key.startsWith('q-')) fields[key.slice(2)] = value ?? '';
  const result = await bot.chat.act(identity, s.action, { fields }, { id: `view:${s.viewId}` });
  if (result.status === 'accepted') return {};
  if (result.status === 'refused') {
    const config = (await bot.chat.experiment((await bot.db.trials.byRef(s.action.ref))!.experimentId))
      .config;
    const question = (config.survey ?? []).find((q) => result.message.includes(`"${q.question}"`));
    const field = question ? FIELD.survey(question.id) : Object.keys(s.values)[0];
    if (field) return errors(field, result.message);
    return { response: { response_action: 'update', view: infoModal('Survey', result.message) } };
  }
  return {};
}

/** Where a click's control id leads (null: not this app's control). */
export function decodeControl(actionId: string): ChatAction | null {
  return decodeAction(actionId);
}
