import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ActInput,
  type ActResult,
  type Attention,
  type ChatAction,
  ChatError,
  ChatService,
  decodeAction,
  type Presentation,
} from '@oversight/chat';
import {
  arguerPoolsOf,
  type ExperimentConfig,
  isPeopleJudged,
  judgePoolsOf,
  parseStoredConfig,
} from '@oversight/core';
import type { Database, ParticipantRow } from '@oversight/db';
import type { Identity } from '@oversight/runner';
import { arrivalOf, identityOfKey } from './arrival.ts';
import { CSS, JS } from './assets.ts';
import { finishPage, hitPreviewPage } from './finish.ts';
import { type Html, html } from './html.ts';
import { StudyKeys } from './keys.ts';
import { SeatLeases } from './lease.ts';
import { LiveHub, versionOf } from './live.ts';
import { framingOrigins, isSubmitOrigin, submitOrigin } from './mturk.ts';
import {
  chooseBody,
  type FormContext,
  modalBody,
  notice,
  page,
  previewBody,
  simpleBody,
  type Tone,
  trialBody,
} from './render.ts';
import { researcherBody, researcherStatus } from './researcher.ts';

/**
 * The web front end for recruited participants: a thin renderer over `packages/chat`, like the two
 * bots. node:http, server-rendered pages and one small script; no state of its own (sessions are
 * signed cookies, every control names its trial by the random handle and its screen by position, and
 * every form carries a fresh receipt), so a restart or a second process loses nothing.
 */

export interface WebAppOptions {
  db: Database;
  keys: StudyKeys;
  /** The experiments served (links to others are refused). */
  experimentIds: readonly string[];
  /** Completion codes by experiment (default: StudyKeys.completionCode). */
  completionCodes?: Readonly<Record<string, string>>;
  /** Codes for people a rule screened out, by experiment (default: StudyKeys.screenedOutCode). */
  screenedOutCodes?: Readonly<Record<string, string>>;
  /** Tests: a fake MTurk page on a loopback host may frame the app and be its submit target. */
  mturkLoopback?: boolean;
  /** How often open pages are checked for news when nothing wakes the hub. */
  pollMs?: number;
  /** Called after a move was recorded (to wake `serve` in this process). */
  onMove?: () => void;
  /** Cookies marked Secure (the app is reached over https). */
  secureCookies?: boolean;
  /**
   * A web person's seat goes back to the pool when the move they owe has waited this long without a
   * sign of them (a request, or their visible page's heartbeat); 0: never.
   */
  idleMs?: number;
  /** The researcher's live view at /r is on when this is set (OVERSIGHT_WEB_RESEARCHER_TOKEN). */
  researcherToken?: string;
  log?: (line: string) => void;
}

export interface RunningWebApp {
  server: Server;
  port: number;
  url: string;
  chat: ChatService;
  hub: LiveHub;
  leases: SeatLeases;
  /** Open pages should look again (a trial changed in this process). */
  wake(): void;
  stop(): Promise<void>;
}

const COOKIE = 'ov_session';
/** An MTurk worker's assignment (and where it is submitted), beside the session. */
const MTURK_COOKIE = 'ov_mturk';
const RECEIPT = /^rcpt_[A-Za-z0-9_-]{22}$/;
const MAX_BODY = 64 * 1024;

/** A request that ends in a page saying what is wrong (no stack trace: these are expected). */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebApp(
  options: WebAppOptions & { port?: number; host?: string },
): Promise<RunningWebApp> {
  const { db, keys } = options;
  const log = options.log ?? (() => {});
  const chat = new ChatService(db, 'web');
  const served = new Set(options.experimentIds);
  const hub = new LiveHub(db, {
    pollMs: options.pollMs ?? 1000,
    onError: (error) => log(`live updates: ${(error as Error).message}`),
  });
  await hub.start();
  const idleMs = options.idleMs ?? 10 * 60_000;
  const leases = new SeatLeases(db, chat, {
    experimentIds: options.experimentIds,
    idleMs,
    onRelease: () => {
      options.onMove?.();
      hub.wake();
    },
    log,
  });
  leases.start();
  /** What a live page's heartbeat needs: where to post it, how often, and the idle time it guards. */
  const alive = (base: string) =>
    idleMs > 0 ? { url: `${base}/alive`, everyMs: leases.beatMs, idleMs } : undefined;

  const receipt = () => `rcpt_${randomBytes(16).toString('base64url')}`;
  const formContext = (experimentId: string): FormContext => ({
    base: `/s/${experimentId}`,
    receipt,
  });

  const configOf = async (experimentId: string): Promise<ExperimentConfig> =>
    (await chat.experiment(experimentId)).config;

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      ...headers,
    });
    res.end(body);
  }

  /**
   * No page may be framed, except those of an MTurk worker's session, which MTurk's worker site frames
   * (then X-Frame-Options, which cannot name a site, is left off); a page may post to this app only,
   * and an MTurk session's also to the MTurk origin its assignment submits to.
   */
  function securityHeaders(res: ServerResponse, mturk?: { submitTo: string | null }) {
    const ancestors = mturk ? framingOrigins(options.mturkLoopback ?? false).join(' ') : "'none'";
    const actions = ["'self'", ...(mturk?.submitTo ? [mturk.submitTo] : [])].join(' ');
    res.setHeader(
      'content-security-policy',
      `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action ${actions}; base-uri 'none'; frame-ancestors ${ancestors}`,
    );
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cache-control', 'no-store');
    if (mturk) res.removeHeader('x-frame-options');
    else res.setHeader('x-frame-options', 'DENY');
  }

  /**
   * A cookie of a person's session. In MTurk's frame the page is a third party to the worker site, where
   * a SameSite=Strict cookie is never sent: there it is SameSite=None, Secure and Partitioned (kept for
   * this app under the framing site only); POSTs are still checked by their Origin.
   */
  function cookie(name: string, value: string, base: string, framed: boolean): string {
    return [
      `${name}=${value}`,
      `Path=${base}`,
      'HttpOnly',
      ...(framed ? ['SameSite=None', 'Secure', 'Partitioned'] : ['SameSite=Strict']),
      `Max-Age=${30 * 86_400}`,
      ...(options.secureCookies && !framed ? ['Secure'] : []),
    ].join('; ');
  }

  /** The MTurk assignment a worker's session finishes by (from its own signed cookie), if any. */
  function assignmentOf(req: IncomingMessage, experimentId: string, key: string) {
    const opened = keys.openMturkAssignment(experimentId, key, cookieOf(req, MTURK_COOKIE));
    if (!opened) return null;
    const allowed = opened.origin === '' || isSubmitOrigin(opened.origin, options.mturkLoopback ?? false);
    return allowed ? { assignmentId: opened.assignmentId, submitTo: opened.origin || null } : null;
  }

  const errorPage = (title: string, message: string, tone: Tone = 'error') =>
    page(simpleBody(title, [message], tone), { title });

  function cookieOf(req: IncomingMessage, cookieName = COOKIE): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === cookieName) return rest.join('=');
    }
    return undefined;
  }

  /** The person a request's session names in this experiment, or an error page saying what to do. */
  function session(
    req: IncomingMessage,
    experimentId: string,
  ): { identity: Identity; key: string; pool: string | null } {
    const opened = keys.openSession(experimentId, cookieOf(req));
    const identity = opened ? identityOfKey(opened.identity) : null;
    if (!opened || !identity)
      throw new HttpError(
        401,
        'Please open your study link',
        'This page belongs to a study session that is not open in this browser. Open the study link you were given again (from Prolific, MTurk or your invitation) to continue where you were.',
      );
    return { identity, key: opened.identity, pool: opened.pool };
  }

  function experimentOf(id: string): string {
    if (!served.has(id))
      throw new HttpError(
        404,
        'No such study',
        'There is no study at this address. Check the link you were given, or ask the researcher for it.',
      );
    return id;
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (type !== 'application/x-www-form-urlencoded')
      throw new HttpError(415, 'Not a form', 'This address takes the forms of its own pages only.');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY)
        throw new HttpError(413, 'Too long', 'What you sent is longer than any form here takes.');
      chunks.push(chunk as Buffer);
    }
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  }

  /** Whether a trial's handle belongs to this experiment (a handle from another study is refused). */
  async function trialIn(experimentId: string, ref: string): Promise<void> {
    if ((await chat.experimentOfTrial(ref)) !== experimentId)
      throw new HttpError(404, 'No such trial', 'This trial is not part of this study.');
  }

  /** Whether this person has the survey of a finished trial still to answer. */
  async function surveyPending(identity: Identity, ref: string, p: Presentation, experimentId: string) {
    if (!p.outcome || !(await configOf(experimentId)).survey?.length) return false;
    const probe = await chat.act(identity, { kind: 'survey', ref, position: 0 }, {}, { id: `probe:${ref}` });
    return probe.status === 'modal';
  }

  async function trialPage(
    experimentId: string,
    identity: Identity,
    ref: string,
    p: Presentation,
    message: { text: string; tone: Tone } | null,
  ): Promise<string> {
    const survey = await surveyPending(identity, ref, p, experimentId);

    const base = `/s/${experimentId}`;
    return page(trialBody(formContext(experimentId), p, ref, { message, survey }), {
      title: p.intro.title,
      live: {
        events: `${base}/events?t=${ref}`,
        version: versionOf(p),
        here: `${base}/t/${ref}`,
        alive: alive(base),
      },
      ...(p.turn ? { turn: `${ref}:${p.turn.position}` } : {}),
    });
  }

  /** Whether the person held a seat of this trial once (and it was given back while they were away). */
  async function heldBefore(ref: string, participantId: string): Promise<boolean> {
    const trial = await db.trials.byRef(ref);
    if (!trial) return false;
    return (await db.events.load(trial.id)).some((e) => {
      const p = e.payload as { type?: string; participantId?: string | null };
      return p.type === 'ParticipantAssigned' && p.participantId === participantId;
    });
  }

  /** Where a person stands in a study: a trial in progress, a survey to answer, a new trial, or done. */
  async function whereNow(
    experimentId: string,
    identity: Identity,
    person: ParticipantRow,
  ): Promise<{ to: string } | { wait: string } | { done: string; screenedOut?: boolean }> {
    const base = `/s/${experimentId}`;
    const seats = await db.trials.seatsOf(experimentId, person.id);
    const byId = new Map((await db.trials.getMany(seats.map((s) => s.trialId))).map((t) => [t.id, t]));
    const trials = seats.map((s) => byId.get(s.trialId));
    for (const t of trials)
      if (t && (t.status === 'active' || t.status === 'waiting')) {
        // Still theirs (a seat given back while they were away is someone else's now).
        if ((await chat.show(identity, t.ref)).status === 'accepted') return { to: `${base}/t/${t.ref}` };
      }
    if ((await configOf(experimentId)).survey?.length)
      for (const t of trials) {
        if (t?.status !== 'finished') continue;
        const shown = await chat.show(identity, t.ref);
        if (
          shown.status === 'accepted' &&
          (await surveyPending(identity, t.ref, shown.presentation, experimentId))
        )
          return { to: `${base}/t/${t.ref}` };
      }
    const next = await chat.next(experimentId, identity, { id: `next:${receipt()}` }, { person, seats });
    if (next.status === 'trial') {
      options.onMove?.();
      hub.wake();
      return { to: `${base}/t/${next.ref}` };
    }
    if (next.screenedOut) return { done: next.reason, screenedOut: true };
    return (await mayStillSeat(experimentId, person)) ? { wait: next.reason } : { done: '' };
  }

  /**
   * Whether a trial this person could still take is unfinished (its seat may open once its arguers
   * have spoken, or when someone leaves it): then they wait; else their part of the study is done.
   */
  async function mayStillSeat(experimentId: string, person: ParticipantRow): Promise<boolean> {
    const config = await configOf(experimentId);
    const pool = person.pool ?? '';
    const arms = new Set(
      config.arms
        .filter(
          (arm) =>
            (isPeopleJudged(config, arm) && judgePoolsOf(config, arm).some((p) => p.name === pool)) ||
            arguerPoolsOf(config, arm).some((p) => p.name === pool),
        )
        .map((arm) => arm.name),
    );
    const seen = new Set((await db.trials.seatsOf(experimentId, person.id)).map((s) => s.storyId));
    const open = await db.trials.list(experimentId, { status: ['active', 'waiting'] });
    return open.some((t) => arms.has(t.arm) && !seen.has(t.storyId));
  }

  function completionCode(experimentId: string): string {
    return options.completionCodes?.[experimentId] ?? keys.completionCode(experimentId);
  }

  /**
   * The person's rewards as judge so far (the scoring rule's points; what they pay is the payment
   * rule's, elsewhere). Truth-dependent by nature, so only shown after verdicts, marked as a reveal;
   * on the last page only (each trial's own reward is in its outcome): the chat layer's status reads
   * the experiment's judgments, too much to do on every page.
   */
  async function rewardsSoFar(experimentId: string, identity: Identity): Promise<Html | string> {
    const status = await chat.status(experimentId, identity);
    if (!status || status.judged === 0 || status.meanReward === null) return '';
    const total = status.meanReward * status.judged;
    return html`<section class="card reveal"><h2>Your rewards</h2><p>${total.toFixed(3)} points over ${status.judged} ${status.judged === 1 ? 'verdict' : 'verdicts'} (${status.correct} correct; mean ${status.meanReward.toFixed(3)} per verdict).</p></section>`;
  }

  /** The end of a person's part, with the screen-out code instead when a rule screened them out. */
  async function donePage(
    experimentId: string,
    identity: Identity,
    key: string,
    reason: string,
    screenedOut: boolean,
    assignment: { assignmentId: string; submitTo: string | null } | null,
  ): Promise<string> {
    const code = screenedOut
      ? (options.screenedOutCodes?.[experimentId] ?? keys.screenedOutCode(experimentId))
      : completionCode(experimentId);
    const rewards = await rewardsSoFar(experimentId, identity);
    return finishPage({ key, reason, code, screenedOut, assignment, rewards });
  }

  function consentPage(
    experimentId: string,
    consent: { text: string; version: string } | null,
    message?: Html,
  ) {
    const base = `/s/${experimentId}`;
    return page(
      html`${message ?? ''}<h1>Before you start</h1>
${consent ? html`<section class="card"><p style="white-space:pre-wrap">${consent.text}</p></section>` : ''}
<section class="card"><h2>What this page records</h2><p>Your answers and messages, under a pseudonym. While it is your turn in a trial, this page also records how long the trial's screen was open, how long it was hidden (another tab or app), and how many characters you pasted into its boxes. Nothing else about your browser or device is recorded.</p></section>
<form method="post" action="${base}/consent"><div class="row">
<button type="submit" name="choice" value="accept" class="primary">I agree: start</button>
<button type="submit" name="choice" value="decline">I do not agree</button></div></form>`,
      { title: 'Before you start' },
    );
  }

  function attentionOf(form: URLSearchParams): Attention | undefined {
    const open = Number(form.get('att_open'));
    const hidden = Number(form.get('att_hidden'));
    const pasted = Number(form.get('att_paste'));
    if (![open, hidden, pasted].every((n) => Number.isFinite(n) && n >= 0) || !form.has('att_open'))
      return undefined;
    // What a browser reports is bounded (a day) so a forged value cannot swamp a mean.
    const day = 86_400;
    return {
      turnSeconds: Math.min(open, day),
      hiddenSeconds: Math.min(hidden, open, day),
      pastedCharacters: Math.min(Math.round(pasted), 1_000_000),
    };
  }

  function inputOf(form: URLSearchParams): ActInput {
    const input: ActInput = {};
    const value = form.get('value');
    if (value !== null) input.values = [value];
    if (form.get('form') === '1') {
      const fields: Record<string, string> = {};
      for (const [name, v] of form) if (name.startsWith('f_')) fields[name.slice(2)] = v;
      input.fields = fields;
    }
    const preview = form.get('preview');
    if (preview !== null) input.previewText = preview;
    const attention = attentionOf(form);
    if (attention) input.attention = attention;
    return input;
  }

  async function renderResult(
    experimentId: string,
    identity: Identity,
    action: ChatAction,
    result: ActResult,
  ): Promise<{ status: number; body: string }> {
    const ctx = formContext(experimentId);
    const turnKey = `${action.ref}:${action.position}`;
    switch (result.status) {
      case 'choose':
        return { status: 200, body: page(chooseBody(ctx, result), { title: 'Your move', turn: turnKey }) };
      case 'modal':
        return {
          status: 200,
          body: page(modalBody(ctx, result.modal, null), {
            title: result.modal.title,
            ...(result.modal.kind === 'survey' ? {} : { turn: turnKey }),
          }),
        };
      case 'preview':
        return {
          status: 200,
          body: page(
            previewBody(ctx, result.preview, result.send, {
              kind: 'speak',
              ref: action.ref,
              position: action.position,
            }),
            {
              title: 'Your speech',
              turn: turnKey,
            },
          ),
        };
      case 'accepted':
        return {
          status: 200,
          body: await trialPage(
            experimentId,
            identity,
            action.ref,
            result.presentation,
            result.message ? { text: result.message, tone: 'info' } : null,
          ),
        };
      case 'refused':
        if (!result.presentation) return { status: 403, body: errorPage('Not possible', result.message) };
        return {
          status: 409,
          body: await trialPage(experimentId, identity, action.ref, result.presentation, {
            text: result.message,
            tone: 'warn',
          }),
        };
    }
  }

  /** A form of a modal posted with something to fix: the modal again, with why. */
  function modalAgain(result: ActResult, modal: ActResult, action: ChatAction, experimentId: string) {
    if (result.status !== 'refused' || modal.status !== 'modal') return null;
    return page(modalBody(formContext(experimentId), modal.modal, { text: result.message, tone: 'warn' }), {
      title: modal.modal.title,
      ...(modal.modal.kind === 'survey' ? {} : { turn: `${action.ref}:${action.position}` }),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      // SameSite=Strict keeps the session cookie off other sites' forms; a foreign Origin is refused too.
      const origin = req.headers.origin;
      const host = (() => {
        try {
          return origin && origin !== 'null' ? new URL(origin).host : null;
        } catch {
          return '(malformed)';
        }
      })();
      if (host !== null && host !== req.headers.host)
        throw new HttpError(
          403,
          'Not from this site',
          'This form was sent from another site; nothing was recorded.',
        );
    }
    if (url.pathname === '/healthz') return send(res, 200, 'ok', { 'content-type': 'text/plain' });
    if (url.pathname === '/assets/app.css')
      return send(res, 200, CSS, {
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'max-age=3600',
      });
    if (url.pathname === '/assets/app.js')
      return send(res, 200, JS, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'max-age=3600',
      });
    if (url.pathname === '/r' || url.pathname.startsWith('/r/')) return researcher(req, res, url);
    const match = /^\/s\/([a-z0-9][a-z0-9-]{0,62})(\/[^?]*)?$/.exec(url.pathname);
    if (!match)
      throw new HttpError(
        404,
        'Not found',
        'There is nothing at this address. Open the study link you were given.',
      );
    const experimentId = experimentOf(match[1]!);
    const rest = match[2] ?? '';
    const base = `/s/${experimentId}`;

    // The study link: who the person is, checked against the study's key, then a session cookie.
    if (rest === '' && method === 'GET') {
      const arrival = arrivalOf(experimentId, url.searchParams, keys);
      if (arrival.status === 'refused')
        throw new HttpError(arrival.code, 'This link does not work', arrival.message);
      if (arrival.status === 'preview') {
        // Shown in MTurk's frame; the preview's turkSubmitTo is not needed (nothing is submitted).
        securityHeaders(res, { submitTo: null });
        return send(res, 200, hitPreviewPage(await configOf(experimentId), await chat.consent(experimentId)));
      }
      const cookies = [];
      let framed = false;
      if (arrival.mturk) {
        // From an ExternalQuestion (MTurk names where to submit): framed, and finished by a form to
        // MTurk. Without turkSubmitTo: a HIT page that opened the link in a tab; the code is entered there.
        const given = arrival.mturk.turkSubmitTo;
        const submitTo = submitOrigin(given, options.mturkLoopback ?? false);
        if (given !== null && submitTo === null)
          throw new HttpError(
            400,
            'This link does not work',
            "This link's turkSubmitTo is not MTurk's (www.mturk.com or workersandbox.mturk.com). Open the HIT again from MTurk.",
          );
        framed = submitTo !== null;
        if (framed) securityHeaders(res, { submitTo });
        const value = keys.mturkAssignment(
          experimentId,
          arrival.key,
          arrival.mturk.assignmentId,
          submitTo ?? '',
        );
        cookies.push(cookie(MTURK_COOKIE, value, base, framed));
      }
      cookies.unshift(cookie(COOKIE, keys.session(experimentId, arrival.key, arrival.pool), base, framed));
      // A page that moves on, not a redirect: a SameSite=Strict cookie is not sent along a redirect
      // chain that began on another site (the platform's link), but is on a navigation this page starts.
      res.setHeader('set-cookie', cookies);
      return send(
        res,
        200,
        page(
          html`<h1>Welcome</h1><p>Your study session is ready.</p><p><a class="button primary" href="${base}/home">Continue</a></p>`,
          { title: 'Welcome', refresh: `${base}/home` },
        ),
      );
    }

    const { identity, key, pool } = session(req, experimentId);
    const assignment = key.startsWith('mturk:') ? assignmentOf(req, experimentId, key) : null;
    if (assignment?.submitTo) securityHeaders(res, { submitTo: assignment.submitTo });
    // Any request of a person who joined is a sign they are here: their seat is held.
    const joined = await chat.person(experimentId, identity);
    if (joined && !joined.leftAt) leases.touch(experimentId, joined.id);

    if (rest === '/alive' && method === 'POST') {
      res.writeHead(204);
      return void res.end();
    }

    if (rest === '/home' && method === 'GET') {
      const person = joined;
      if (!person || person.leftAt)
        return send(res, 200, consentPage(experimentId, await chat.consent(experimentId)));
      const where = await whereNow(experimentId, identity, person);
      if ('to' in where) {
        res.writeHead(303, { location: where.to });
        return void res.end();
      }
      if ('done' in where)
        return send(
          res,
          200,
          await donePage(experimentId, identity, key, where.done, where.screenedOut ?? false, assignment),
        );
      return send(
        res,
        200,
        page(
          simpleBody('Please wait', [
            notice(
              'Your next trial is being prepared. This page moves on by itself; you can also come back to it later.',
            ),
          ]),
          {
            title: 'Please wait',
            live: {
              events: `${base}/events`,
              version: await waitVersion(experimentId, identity),
              here: `${base}/home`,
              alive: alive(base),
            },
          },
        ),
      );
    }

    if (rest === '/consent' && method === 'POST') {
      const form = await readForm(req);
      const choice = form.get('choice');
      if (choice !== 'accept') {
        const consent = await chat.consent(experimentId);
        return send(
          res,
          200,
          page(
            simpleBody('You have not joined', [
              'You did not agree, so nothing about you was recorded. You can close this page, and return the study on the platform that sent you.',
              ...(consent ? [html`<p><a href="${base}/home">Read it again</a></p>`] : []),
            ]),
            { title: 'You have not joined' },
          ),
        );
      }
      // The MTurk assignment is kept on the person: `pay` bonuses a worker through it.
      const details = assignment ? { assignmentId: assignment.assignmentId } : undefined;
      const joined = await chat.join(experimentId, identity, true, pool ?? undefined, details);
      if (joined.status === 'refused')
        throw new HttpError(409, 'You cannot join this study', `You cannot join: ${joined.reason}.`);
      res.writeHead(303, { location: `${base}/home` });
      return void res.end();
    }

    if (rest === '/next' && method === 'POST') {
      await readForm(req);
      res.writeHead(303, { location: `${base}/home` });
      return void res.end();
    }

    const trialMatch = /^\/t\/([A-Za-z0-9_-]{4,64})$/.exec(rest);
    if (trialMatch && method === 'GET') {
      const ref = trialMatch[1]!;
      await trialIn(experimentId, ref);
      const shown = await chat.show(identity, ref);
      if (shown.status === 'refused') {
        if (joined && (await heldBefore(ref, joined.id)))
          return send(
            res,
            200,
            page(
              simpleBody('This trial went to someone else', [
                'You were away for a while, so this trial was given to someone else. Nothing you did is lost.',
                html`<p><a class="button primary" href="${base}/home">Continue</a></p>`,
              ]),
              { title: 'This trial went to someone else' },
            ),
          );
        throw new HttpError(403, 'Not your trial', shown.message);
      }
      return send(res, 200, await trialPage(experimentId, identity, ref, shown.presentation, null));
    }

    if (rest === '/act' && method === 'POST') {
      const form = await readForm(req);
      const action = decodeAction(form.get('a') ?? '');
      const r = form.get('r') ?? '';
      if (!action || !RECEIPT.test(r) || ['next', 'accept', 'decline'].includes(action.kind))
        throw new HttpError(
          400,
          'Not one of our forms',
          'This form was not made by this study; nothing was recorded. Go back to the study page.',
        );
      await trialIn(experimentId, action.ref);
      const input = inputOf(form);
      const result = await chat.act(identity, action, input, { id: `form:${r}` });
      if (result.status === 'accepted' && !result.duplicate) {
        options.onMove?.();
        hub.wake();
      }
      // A modal's form with something to fix (an empty message, numbers that do not add up): the form
      // again with why, rather than the trial.
      if (
        result.status === 'refused' &&
        input.fields &&
        (action.kind === 'survey' || result.presentation?.turn?.position === action.position)
      ) {
        const again = modalAgain(
          result,
          await chat.act(identity, action, {}, { id: `form:${r}` }),
          action,
          experimentId,
        );
        if (again) return send(res, 422, again);
      }
      const out = await renderResult(experimentId, identity, action, result);
      return send(res, out.status, out.body);
    }

    if (rest === '/events' && method === 'GET') {
      const ref = url.searchParams.get('t');
      if (!joined) throw new HttpError(401, 'Not joined', 'Open the study link again.');
      if (ref) {
        await trialIn(experimentId, ref);
        const compute = async () => {
          const shown = await chat.show(identity, ref);
          return shown.status === 'accepted' ? versionOf(shown.presentation) : 'gone';
        };
        const probe = async () => {
          const t = await db.trials.byRef(ref);
          return `${t?.nextSeq ?? 0}`;
        };
        hub.add(experimentId, res, await compute(), probe, compute);
        return;
      }
      const compute = () => waitVersion(experimentId, identity);
      hub.add(experimentId, res, await compute(), compute, compute);
      return;
    }

    throw new HttpError(
      404,
      'Not found',
      'There is nothing at this address. Open the study link you were given.',
    );
  }

  /** The researcher's live view: read-only, behind the token. */
  async function researcher(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const token = options.researcherToken;
    if (!token)
      throw new HttpError(
        404,
        "The researcher's view is off",
        "The researcher's view is off: set OVERSIGHT_WEB_RESEARCHER_TOKEN (16 or more characters) and restart the web app.",
      );
    if (req.method !== 'GET') throw new HttpError(405, 'Read-only', "The researcher's view only shows.");
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!StudyKeys.sameToken(given, token))
        throw new HttpError(
          403,
          'Wrong token',
          'That is not the researcher token this app was started with.',
        );
      // The token leaves the address bar at once; a cookie (a digest of it) keeps the session.
      res.writeHead(303, {
        location: url.pathname,
        'set-cookie': `ov_researcher=${keys.researcherCookie(token)}; Path=/r; HttpOnly; SameSite=Strict${options.secureCookies ? '; Secure' : ''}`,
      });
      return void res.end();
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const cookie = /(?:^|;\s*)ov_researcher=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const allowed =
      (bearer !== undefined && StudyKeys.sameToken(bearer, token)) ||
      (cookie !== undefined && StudyKeys.sameToken(cookie, keys.researcherCookie(token)));
    if (!allowed)
      throw new HttpError(
        401,
        'Researcher token needed',
        'Open /r?token=<OVERSIGHT_WEB_RESEARCHER_TOKEN> once in this browser (or send Authorization: Bearer <token>).',
      );
    const status = await researcherStatus(db, chat, options.experimentIds, idleMs > 0 ? idleMs : 600_000);
    if (url.pathname === '/r/status.json')
      return send(res, 200, JSON.stringify({ experiments: status }), { 'content-type': 'application/json' });
    if (url.pathname !== '/r') throw new HttpError(404, 'Not found', 'The live view is at /r.');
    return send(
      res,
      200,
      page(researcherBody(status, new Date()), { title: 'Live view', reloadEvery: 5, wide: true }),
    );
  }

  /**
   * What the waiting page shows, as far as a reload is concerned: moves the person owes, whether any
   * seat for people is open in the study (then the page looks for one), and how many trials are still
   * unfinished (when the last one this person could take ends, their part is done).
   */
  async function waitVersion(experimentId: string, identity: Identity): Promise<string> {
    const person = await chat.person(experimentId, identity);
    if (!person) return 'none';
    const owed = await db.trials.owedBy(person.id, experimentId);
    const study = await studyState(experimentId);
    return `${owed.length}.${study}`;
  }

  /**
   * The part of the waiting pages' version that is the same for everyone in a study (an open seat for
   * people, how many trials are unfinished), read once per short while however many people wait.
   */
  const studyStates = new Map<string, { at: number; value: Promise<string> }>();
  function studyState(experimentId: string): Promise<string> {
    const cached = studyStates.get(experimentId);
    if (cached && Date.now() - cached.at < Math.min(500, options.pollMs ?? 1000)) return cached.value;
    const value = (async () => {
      const open = (await db.trials.owedSummary(experimentId)).some(
        (o) => o.human && o.participantId === null,
      );
      const counts = await db.trials.countByStatus(experimentId);
      return `${open ? 'open' : 'none'}.${(counts.active ?? 0) + (counts.waiting ?? 0)}`;
    })();
    value.catch(() => studyStates.delete(experimentId));
    studyStates.set(experimentId, { at: Date.now(), value });
    return value;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (res.headersSent) {
        res.end();
        return;
      }
      // An error page has nothing to click, so MTurk's worker site may frame it: a worker whose link is
      // refused reads why inside the HIT rather than the browser's blocked frame.
      const refusal = error instanceof HttpError || error instanceof ChatError;
      if (refusal) securityHeaders(res, { submitTo: null });
      if (error instanceof HttpError) return send(res, error.status, errorPage(error.title, error.message));
      if (error instanceof ChatError) return send(res, 404, errorPage('Not available', error.message));
      log(
        `request failed: ${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}: ${(error as Error).message}`,
      );
      send(
        res,
        500,
        errorPage(
          'Something went wrong',
          'Something went wrong on our side; nothing was recorded. Try again in a moment.',
        ),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? '127.0.0.1';
  return {
    server,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    chat,
    hub,
    leases,
    wake: () => hub.wake(),
    async stop() {
      await leases.stop();
      await hub.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Experiments with a pool of people on the web: those the app serves when none are named. */
export async function webExperiments(db: Database): Promise<string[]> {
  const out: string[] = [];
  for (const row of await db.experiments.list()) {
    let config: ExperimentConfig;
    try {
      config = parseStoredConfig(row.config);
    } catch {
      continue;
    }
    const specs = [
      ...config.judges.map((p) => p.participant),
      ...(config.arguers ?? []).map((p) => p.participant),
      ...config.arms.map((a) => a.arguer),
    ];
    if (
      specs.some(
        (s) =>
          s && (s as { kind?: string }).kind === 'human' && (s as { platform?: string }).platform === 'web',
      )
    )
      out.push(row.id);
  }
  return out;
}
