/**
 * What a button, select or modal in a chat app means, carried in its id, so the apps hold no state:
 * a click after a restart, or on a message days old, still says which trial, which screen (the
 * position the person saw) and what was chosen. Discord allows 100 characters in a component id,
 * Slack 255 in an action id; trials are named by their random 12-character handle (db `Trial.ref`),
 * never by their id, which follows from the experiment's plan and so from its published config.
 */

export type ActionKind =
  /** Open a trial's screen again (the current view, ephemeral). */
  | 'show'
  /** A credence was picked (p(A), in 5% steps): offer continue / verdict / comment with it. */
  | 'credence'
  /** Open a modal for exact credences (more than two answers, or 0-5% and 95-100%). */
  | 'numbers'
  /** Continue with the carried credence (no verdict yet). */
  | 'continue'
  /** Lock the carried credence as the final verdict. */
  | 'verdict'
  /** Open a modal for a question or comment to the arguers, sent with the carried credence. */
  | 'comment'
  /**
   * Open a modal for a question to the arguers while they write (arms whose judge may ask at any
   * time); `position` is the end of what the judge had seen, so a question typed before a round
   * reached them is refused as stale.
   */
  | 'ask'
  /** Open a modal for a speech (debaters, consultants) or a message (sandwiching's person: `say`). */
  | 'speak'
  /** Submit the speech shown in the preview this button sits under. */
  | 'send'
  /** Open the survey modal after the verdict. */
  | 'survey'
  /** Ask for the next trial in an experiment (the `ref` part holds the experiment id). */
  | 'next'
  /** Accept or decline the consent text of an experiment (the `ref` part holds the experiment id). */
  | 'accept'
  | 'decline';

export interface ChatAction {
  kind: ActionKind;
  /** The trial's handle, or the experiment id for next / accept / decline. */
  ref: string;
  /** The position of the view the control was shown on (0 when it does not matter). */
  position: number;
  /** Probabilities carried by continue / verdict / comment (per answer, as shown). */
  credence?: number[];
}

const PREFIX = 'ov1';
export const MAX_ID_LENGTH = 100;

/** The id of a control. Throws when it would exceed Discord's 100 characters (an experiment id that long). */
export function encodeAction(action: ChatAction): string {
  const parts = [PREFIX, action.kind, action.ref, String(action.position)];
  if (action.credence) parts.push(action.credence.map((p) => Math.round(p * 1000)).join('-'));
  const id = parts.join(':');
  if (id.length > MAX_ID_LENGTH)
    throw new Error(
      `control id "${id}" is longer than ${MAX_ID_LENGTH} characters; use a shorter experiment name`,
    );
  return id;
}

const KINDS: ReadonlySet<string> = new Set<ActionKind>([
  'show',
  'credence',
  'numbers',
  'continue',
  'verdict',
  'comment',
  'ask',
  'speak',
  'send',
  'survey',
  'next',
  'accept',
  'decline',
]);

/** The action a control id stands for, or null for an id this project did not make (ignore it). */
export function decodeAction(id: string): ChatAction | null {
  const [prefix, kind, ref, position, credence, ...rest] = id.split(':');
  if (prefix !== PREFIX || !kind || !KINDS.has(kind) || !ref || position === undefined || rest.length > 0)
    return null;
  const pos = Number(position);
  if (!Number.isInteger(pos) || pos < 0) return null;
  const action: ChatAction = { kind: kind as ActionKind, ref, position: pos };
  if (credence !== undefined) {
    const values = credence.split('-').map(Number);
    if (values.some((v) => !Number.isInteger(v) || v < 0 || v > 1000)) return null;
    action.credence = values.map((v) => v / 1000);
  }
  return action;
}
