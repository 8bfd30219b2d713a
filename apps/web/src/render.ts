import {
  type ActResult,
  type ChatAction,
  type Entry,
  encodeAction,
  type ModalSpec,
  type Presentation,
  ROLE_NAMES,
  type SpeechPreview,
} from '@oversight/chat';
import { CREDENCE_STEPS } from '@oversight/core';
import { Html, html } from './html.ts';

/**
 * The pages, from the chat layer's presentations and results: the web's counterpart of the bots'
 * render modules. Every control is a form posting an encoded ChatAction (which names the trial's
 * random handle and the position of the screen) and a fresh receipt, so the chat layer refuses stale
 * and repeated posts exactly as it refuses old and repeated clicks. Text is escaped by `html`.
 */

export interface PageOptions {
  title: string;
  /** The SSE stream this page listens to ("your turn", new speeches), with what it shows now. */
  live?: {
    events: string;
    version: string;
    here: string;
    /** The heartbeat that holds the person's seat while the page is visible and touched lately. */
    alive?: { url: string; everyMs: number; idleMs: number } | undefined;
  };
  /** The turn this page belongs to ("<ref>:<position>"): its forms carry what the browser saw. */
  turn?: string;
  /** Go on to this address at once (a same-site navigation, which carries the session cookie). */
  refresh?: string;
  /** Load this page again every so many seconds (the researcher's view). */
  reloadEvery?: number;
  /** A page of tables (the researcher's view), wider than a participant's column of text. */
  wide?: boolean;
}

export function page(body: Html, options: PageOptions): string {
  const data = [
    options.live
      ? html` data-events="${options.live.events}" data-version="${options.live.version}" data-here="${options.live.here}"`
      : '',
    options.live?.alive
      ? html` data-alive="${options.live.alive.url}" data-alive-ms="${options.live.alive.everyMs}" data-idle-ms="${options.live.alive.idleMs}"`
      : '',
    options.turn ? html` data-turn="${options.turn}"` : '',
  ];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">${options.refresh ? html`<meta http-equiv="refresh" content="0; url=${options.refresh}">` : ''}${options.reloadEvery ? html`<meta http-equiv="refresh" content="${options.reloadEvery}">` : ''}
<title>${options.title}</title><link rel="stylesheet" href="/assets/app.css"></head>
<body${data}><main${options.wide ? html` class="wide"` : ''}>${body}</main>
<div id="live" class="notice info" hidden>Something new arrived. <a href="${options.live?.here ?? ''}">Show it</a> (what you typed here is not sent).</div>
<script src="/assets/app.js" defer></script></body></html>
`.value;
}

export type Tone = 'info' | 'warn' | 'error';

export const notice = (text: string, tone: Tone = 'info') =>
  html`<div class="notice ${tone}" role="${tone === 'info' ? 'status' : 'alert'}">${text}</div>`;

/** What every form posting to the chat layer carries: where it goes, the action, a receipt. */
export interface FormContext {
  /** "/s/<experiment>" */
  base: string;
  /** A fresh receipt per form (the idempotency key of what it records). */
  receipt: () => string;
}

function actionForm(
  ctx: FormContext,
  action: ChatAction,
  inner: Html | string,
  options: { turn?: boolean; label?: string; primary?: boolean } = {},
): Html {
  const button = options.label
    ? html`<button type="submit"${options.primary ? html` class="primary"` : ''}>${options.label}</button>`
    : '';
  return html`<form method="post" action="${ctx.base}/act"${options.turn ? html` data-turn="1"` : ''}>
<input type="hidden" name="a" value="${encodeAction(action)}"><input type="hidden" name="r" value="${ctx.receipt()}">
${inner}${button}</form>`;
}

const KIND_LABEL: Record<Entry['kind'], string> = {
  argument: '',
  interjection: ' asks',
  belief: "'s credence",
};

/** A speech's words with its quotes (set off by « » in the presentation) marked up as quotes. */
function speechText(text: string): Html {
  const parts = text.split(/(«[^«»]*»)/g);
  return html`${parts.map((part) =>
    part.startsWith('«') && part.endsWith('»') ? html`<q class="quote">${part.slice(1, -1)}</q>` : part,
  )}`;
}

function entryCard(entry: Entry, myRole: string): Html {
  const mine = entry.speaker === myRole;
  const head =
    mine && entry.kind === 'belief'
      ? `Your credence · round ${entry.round}`
      : `${mine ? `${entry.speaker} (you)` : entry.speaker}${KIND_LABEL[entry.kind]} · round ${entry.round}`;
  if (entry.kind === 'belief')
    return html`<article class="card entry"><h3>${head}</h3><div>${entry.belief ?? entry.text}</div></article>`;
  const quotes = entry.quotes.length
    ? html`<p class="muted">Quotes: ${entry.quoteSummary}</p><ul class="quotes">${entry.quotes.map(
        (q) => html`<li class="q-${q.status}">${q.mark} “${q.text}” — ${q.label}</li>`,
      )}</ul>`
    : '';
  const belief = entry.belief ? html`<p class="muted">Credence: ${entry.belief}</p>` : '';
  return html`<article class="card entry"><h3>${head}</h3><div class="text">${speechText(entry.text)}</div>${quotes}${belief}</article>`;
}

function intro(p: Presentation): Html {
  const i = p.intro;
  return html`<h1>${i.title}</h1>
<section class="card"><p><strong>${i.question}</strong></p>
<ul class="answers">${i.answers.map(
    (a) =>
      html`<li><span class="letter">${a.letter}.</span>${a.text}${a.defendedBy.length ? html` <span class="muted">— ${a.defendedBy.join(', ')}</span>` : ''}</li>`,
  )}</ul>
<p>${i.roleLine}</p><p class="muted">Rules: ${i.rules}</p></section>
${i.source ? html`<details class="card"><summary>The story: ${i.storyTitle || 'source text'}</summary><div class="story">${i.source}</div></details>` : ''}`;
}

/** The controls of the person's turn (the web's version of the bots' turn components). */
function turnControls(ctx: FormContext, p: Presentation, ref: string): Html {
  const turn = p.turn;
  if (!turn) return html``;
  const at = (kind: ChatAction['kind']): ChatAction => ({ kind, ref, position: turn.position });
  if (turn.speech)
    return html`<section class="card" id="turn"><h2>${turn.heading}</h2>${actionForm(ctx, at('speak'), '', {
      turn: true,
      primary: true,
      label: turn.speech.kind === 'message' ? 'Write your reply' : 'Write your speech',
    })}</section>`;
  const judge = turn.judge!;
  const forms: Html[] = [];
  if (judge.mayComment && !judge.final && !judge.beliefsRequired)
    forms.push(
      actionForm(ctx, at('comment'), '', {
        turn: true,
        primary: judge.mustComment,
        label: judge.mustComment ? 'Message the assistant' : 'Ask or comment',
      }),
    );
  if (judge.credenceInput === 'select') {
    const [a, b] = p.intro.answers;
    const options = CREDENCE_STEPS.map(
      (pct) =>
        html`<option value="${pct}"${pct === 50 ? ' selected' : ''}>${a?.letter ?? 'A'} ${pct}% · ${b?.letter ?? 'B'} ${100 - pct}%</option>`,
    );
    forms.push(
      actionForm(
        ctx,
        at('credence'),
        html`<label for="credence">${judge.final ? 'Your verdict: how likely is each answer?' : 'How likely is each answer now?'}</label>
<select id="credence" name="value">${options}</select>`,
        { turn: true, primary: true, label: 'Choose' },
      ),
      actionForm(ctx, at('numbers'), '', { turn: true, label: 'Exact numbers' }),
    );
  } else
    forms.push(actionForm(ctx, at('numbers'), '', { turn: true, primary: true, label: 'Your credence' }));
  return html`<section class="card" id="turn"><h2>${turn.heading}</h2>${forms}</section>`;
}

export interface TrialExtras {
  message?: { text: string; tone: Tone } | null;
  /** The survey of this trial is still to answer (after the verdict). */
  survey?: boolean;
}

/** A trial as the person sees it now, with what they may do. */
export function trialBody(ctx: FormContext, p: Presentation, ref: string, extras: TrialExtras = {}): Html {
  const myRole = ROLE_NAMES[p.intro.role];
  const ask = p.ask
    ? html`<section class="card">${actionForm(ctx, { kind: 'ask', ref, position: p.ask.position }, '', {
        label: `Ask the arguers${p.ask.left === null ? '' : ` (${p.ask.left} left)`}`,
      })}</section>`
    : '';
  const waiting =
    p.waiting && !p.outcome
      ? html`<p class="notice info" role="status">${p.waiting}… This page updates by itself.</p>`
      : '';
  const outcome = p.outcome
    ? html`<section class="card"><h2>The verdict is in</h2>
<p>Correct answer: <strong>${p.outcome.correct}</strong> · final credence: ${p.outcome.credence}${p.outcome.reward === null ? '' : html` · your reward: <strong>${p.outcome.reward.toFixed(3)}</strong>`}</p>
<ul>${p.outcome.lines.map((l) => html`<li>${l}</li>`)}</ul>
${extras.survey ? actionForm(ctx, { kind: 'survey', ref, position: 0 }, '', { primary: true, label: 'Answer the survey' }) : html`<form method="post" action="${ctx.base}/next"><input type="hidden" name="r" value="${ctx.receipt()}"><button type="submit" class="primary">Continue</button></form>`}
</section>`
    : '';
  return html`${extras.message ? notice(extras.message.text, extras.message.tone) : ''}${intro(p)}
<h2>Transcript</h2>${p.entries.length ? p.entries.map((e) => entryCard(e, myRole)) : html`<p class="muted">Nothing has been said yet.</p>`}
${waiting}${turnControls(ctx, p, ref)}${ask}${outcome}`;
}

/** After a credence: the moves it allows (continue, ask, verdict), each carrying it. */
export function chooseBody(ctx: FormContext, result: Extract<ActResult, { status: 'choose' }>): Html {
  return html`<h1>Your move</h1>${notice(result.message)}${result.warning ? notice(result.warning, 'warn') : ''}
<div class="card">${result.actions.map((a) =>
    actionForm(ctx, a.action, '', {
      turn: true,
      primary: a.action.kind === 'verdict' || a.action.kind === 'continue',
      label: a.label,
    }),
  )}</div>`;
}

/**
 * A modal of the chat layer as a form on its own page. Its inputs are named "f_<field>" (the chat
 * layer's field names, which include survey question ids) so no question id can collide with the
 * form's own fields.
 */
export function modalBody(
  ctx: FormContext,
  modal: ModalSpec,
  message: { text: string; tone: Tone } | null,
): Html {
  const form = (inner: Html, label: string) =>
    actionForm(ctx, modal.action, html`<input type="hidden" name="form" value="1">${inner}`, {
      turn: modal.kind !== 'survey',
      primary: true,
      label,
    });
  const head = html`${message ? notice(message.text, message.tone) : ''}<h1>${modal.title}</h1>`;
  switch (modal.kind) {
    case 'numbers':
      return html`${head}<div class="card">${form(
        html`<p class="muted">Percentages, adding up to 100.</p>${modal.answers.map(
          (a, i) =>
            html`<label for="credence-${i}">${a}</label><input id="credence-${i}" name="f_credence-${i}" type="text" inputmode="decimal" required>`,
        )}`,
        modal.after === 'verdict' ? 'Choose' : 'Choose',
      )}</div>`;
    case 'comment':
      return html`${head}<div class="card">${form(
        html`<label for="comment">${modal.label}</label><textarea id="comment" name="f_comment" maxlength="${modal.maxLength}"${modal.required ? ' required' : ''}></textarea>`,
        'Send',
      )}</div>`;
    case 'speech':
      return html`${head}<div class="card">${modal.judgeAsked ? html`<p><strong>The judge asked:</strong> ${modal.judgeAsked}</p>` : ''}${form(
        html`<label for="speech">${modal.label}</label><p class="muted">${modal.limits}</p><textarea id="speech" name="f_speech" maxlength="${modal.maxLength}" required></textarea>`,
        'Check it',
      )}</div>`;
    case 'survey':
      return html`${head}<p class="muted">${modal.answered} of ${modal.total} answered.</p><div class="card">${form(
        html`${modal.questions.map((q) => {
          if (q.kind === 'scale')
            return html`<fieldset><legend>${q.question}</legend><div class="row">${[1, 2, 3, 4, 5].map(
              (n) =>
                html`<label style="font-weight:400"><input type="radio" name="f_${q.id}" value="${n}" required> ${n}</label>`,
            )}</div><p class="muted">1: not at all · 5: very much</p></fieldset>`;
          if (q.kind === 'choice')
            return html`<label for="${q.id}">${q.question}</label><select id="${q.id}" name="f_${q.id}" required><option value="">Choose…</option>${(q.options ?? []).map((o) => html`<option>${o}</option>`)}</select>`;
          return html`<label for="${q.id}">${q.question}</label><textarea id="${q.id}" name="f_${q.id}" maxlength="2000"></textarea>`;
        })}`,
        'Send',
      )}</div>`;
  }
}

/** A speech checked before it is sent: its counts and quotes, with Send when it may go. */
export function previewBody(
  ctx: FormContext,
  preview: SpeechPreview,
  send: ChatAction | null,
  edit: ChatAction,
): Html {
  return html`<h1>${send ? 'Check your quotes, then send' : 'This cannot be sent yet'}</h1>
${preview.problems.length ? notice(`Not yet: ${preview.problems.join('; ')}.`, 'warn') : ''}
<article class="card entry"><h3>${preview.counts} · ${preview.summary}</h3><div class="text">${preview.text}</div>
${preview.quotes.length ? html`<ul class="quotes">${preview.quotes.map((q) => html`<li class="q-${q.status}">${q.mark} “${q.text}” — ${q.label}</li>`)}</ul>` : ''}</article>
${send ? actionForm(ctx, send, html`<textarea name="preview" hidden>${preview.text}</textarea>`, { turn: true, primary: true, label: 'Send' }) : ''}
${actionForm(ctx, edit, '', { turn: true, label: 'Write it again' })}`;
}

export function simpleBody(title: string, paragraphs: Array<Html | string>, tone: Tone | null = null): Html {
  return html`<h1>${title}</h1>${paragraphs.map((p) => (tone && typeof p === 'string' ? notice(p, tone) : p instanceof Html ? p : html`<p>${p}</p>`))}`;
}
