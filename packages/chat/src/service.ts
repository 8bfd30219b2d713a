import {
  anyTimeInterjectionRefusal,
  bonusFor,
  describeCredence,
  describePaymentRule,
  type ExperimentConfig,
  foldEvents,
  formatMoney,
  type Move,
  type MoveMeta,
  parseCredence,
  parseStoredConfig,
  participantText,
  type Question,
  type Role,
  rewardStatusLine,
  type SurveyQuestion,
  type TrialEvent,
  type TrialState,
} from '@oversight/core';
import type { Database, ParticipantRow, SeatRow, TrialRow } from '@oversight/db';
import {
  AppendConflict,
  abortTrial,
  appendFor,
  consentOf,
  type DriveContext,
  driveContext,
  type Identity,
  identityKey,
  joinExperiment,
  leaveExperiment,
  nextForPerson,
  type PeopleContext,
  type Platform,
  participantRecords,
  reassignSeat,
  recordOptions,
  type ScreenOut,
  submitMove,
} from '@oversight/runner';
import { arguerRatings, judgeLeaderboard } from '@oversight/stats';
import { type ChatAction, encodeAction } from './ids.ts';
import { type Presentation, present } from './present.ts';
import { previewSpeech, type SpeechPreview } from './speech.ts';

/**
 * Everything the Discord bot and the Slack app do that is not Discord or Slack: who a platform user
 * is in an experiment, what a click or a modal means, whether it may be taken, and what to show
 * after. The apps decode a control id (ids.ts), call one method, and render its result. No state is
 * kept here beyond a cache of configs: every answer comes from the database.
 */

/** Where a request came from: the platform's interaction or event id (the idempotency key of a move). */
export interface Origin {
  /** "interaction:123", "event:Ev0123", "view:V0123": unique per request on the platform. */
  id: string;
}

export interface ExperimentHandle {
  id: string;
  config: ExperimentConfig;
  drive: DriveContext;
  people: PeopleContext;
}

/** What to do after a click, a select or a modal. */
export type ActResult =
  /** Show the person this (ephemeral), with these controls. */
  | {
      status: 'choose';
      message: string;
      warning: string | null;
      actions: Array<{ label: string; action: ChatAction }>;
    }
  /** Open a modal of this kind for the action (its id is `encodeAction(action)`). */
  | { status: 'modal'; modal: ModalSpec }
  /** A speech checked and not yet sent: show it with a Send control (and what must change, if anything). */
  | { status: 'preview'; preview: SpeechPreview; send: ChatAction | null }
  /**
   * Recorded (or recorded before under the same id: `duplicate`). `survey`: how much of the survey
   * this person has answered, when the move was (part of) it.
   */
  | {
      status: 'accepted';
      message: string;
      duplicate: boolean;
      presentation: Presentation;
      survey?: { answered: number; total: number };
    }
  /** Nothing recorded: why (ephemeral), and the trial as it stands when there is one to show. */
  | { status: 'refused'; message: string; presentation: Presentation | null };

export type ModalSpec =
  | {
      kind: 'numbers';
      action: ChatAction;
      title: string;
      answers: string[];
      /** What the numbers lead to: the verdict (last turn), or a choice of continuing or ending. */
      after: 'continue' | 'verdict' | 'either';
    }
  | {
      kind: 'comment';
      action: ChatAction;
      title: string;
      label: string;
      required: boolean;
      /** The box's limit, the same on every platform (COMMENT_MAX). */
      maxLength: number;
    }
  | {
      kind: 'speech';
      action: ChatAction;
      title: string;
      label: string;
      /** The box's limit, from the arm's rules and the smallest platform box (speechBoxLimit). */
      maxLength: number;
      /** What the limits are, in a sentence for the form ("Up to 1500 characters, 500 of them quoted…"). */
      limits: string;
      /** What the judge asked since the arguer's last speech, which this one must answer. */
      judgeAsked?: string;
    }
  /**
   * The survey questions this person has not answered yet (a platform whose forms hold fewer shows the
   * first of them and asks again for the rest), with how many of how many are answered already.
   */
  | {
      kind: 'survey';
      action: ChatAction;
      title: string;
      questions: SurveyQuestion[];
      answered: number;
      total: number;
    };

/** What the person typed or chose, as the platform delivered it. */
export interface ActInput {
  /** Select values (the credence select gives one: p(A) in percent). */
  values?: string[];
  /** Modal text fields by name: "credence-0".., "comment", "speech", survey question ids. */
  fields?: Record<string, string>;
  /** The text of the speech preview the Send button sits under. */
  previewText?: string;
  /**
   * What a browser saw during the turn this move answers (the web app measures it; the chat apps
   * cannot): stored on the move's events as `meta.attention` for quality-control rules.
   */
  attention?: Attention;
}

export type Attention = NonNullable<MoveMeta['attention']>;

/** The move's meta for what the browser saw, when it sent any. */
function attentionMeta(input: ActInput): { meta?: MoveMeta } {
  return input.attention ? { meta: { attention: input.attention } } : {};
}

export type NextResult =
  | {
      status: 'trial';
      trial: TrialRow;
      ref: string;
      role: Role;
      presentation: Presentation;
      assigned: boolean;
    }
  /** `screenedOut`: a pre-registered rule ended their part (the platform's screen-out completion). */
  | { status: 'none'; reason: string; screenedOut?: ScreenOut };

/** Entries a cache of the service keeps at most (then it starts again: a bound, not a policy). */
const CACHE_LIMIT = 100_000;
/** How long a participant id read for one request serves the next steps of that request. */
const PERSON_CACHE_MS = 5_000;

export class ChatService {
  private readonly handles = new Map<string, Promise<ExperimentHandle>>();
  /**
   * What trial handles stand for: a handle names one trial of one experiment for good (a random,
   * never reused value), so a page's requests look it up once, not on every check.
   */
  private readonly refs = new Map<string, { id: string; experimentId: string }>();
  /**
   * Participant ids as just read, so one request reads its person once however many steps ask; kept
   * for a few seconds only (an id never changes while its experiment exists, but an experiment can
   * be deleted and planned again, and a process must not act for someone under an old id).
   */
  private readonly people = new Map<string, { id: string; at: number }>();

  constructor(
    readonly db: Database,
    readonly platform: Platform,
  ) {}

  /** The experiment, with its config as stored; a clear error naming those that exist when unknown. */
  experiment(experimentId: string): Promise<ExperimentHandle> {
    let handle = this.handles.get(experimentId);
    if (!handle) {
      handle = (async () => {
        const row = await this.db.experiments.get(experimentId);
        if (!row) {
          const known = (await this.db.experiments.list()).map((e) => e.id);
          throw new ChatError(
            `There is no experiment "${experimentId}".${known.length ? ` Experiments: ${known.join(', ')}.` : ''}`,
          );
        }
        const config = parseStoredConfig(row.config);
        const drive = driveContext(this.db, {
          experimentId,
          config,
          participants: participantRecords(config),
        });
        return { id: experimentId, config, drive, people: { db: this.db, drive, experimentId, config } };
      })();
      handle.catch(() => this.handles.delete(experimentId));
      this.handles.set(experimentId, handle);
    }
    return handle;
  }

  async experimentIds(): Promise<string[]> {
    return (await this.db.experiments.list()).map((e) => e.id);
  }

  async consent(experimentId: string): Promise<{ text: string; version: string } | null> {
    return consentOf((await this.experiment(experimentId)).config);
  }

  async join(
    experimentId: string,
    identity: Identity,
    accepted: boolean,
    pool?: string,
    details?: Record<string, string>,
  ) {
    const handle = await this.experiment(experimentId);
    return joinExperiment(handle.people, identity, {
      accepted,
      ...(pool ? { pool } : {}),
      ...(details ? { details } : {}),
    });
  }

  async leave(experimentId: string, identity: Identity): Promise<ParticipantRow | null> {
    const handle = await this.experiment(experimentId);
    const person = await this.person(experimentId, identity);
    if (person) await leaveExperiment(handle.people, person.id);
    return person;
  }

  async person(experimentId: string, identity: Identity): Promise<ParticipantRow | null> {
    const key = `${experimentId}\0${identityKey(identity)}`;
    const row = await this.db.participants.byIdentity(experimentId, identityKey(identity));
    if (row) {
      if (this.people.size >= CACHE_LIMIT) this.people.clear();
      this.people.set(key, { id: row.id, at: Date.now() });
    } else this.people.delete(key);
    return row;
  }

  /** The person's participant id: as read moments ago in this process (see `people`), else read now. */
  private async personId(experimentId: string, identity: Identity): Promise<string | null> {
    const known = this.people.get(`${experimentId}\0${identityKey(identity)}`);
    if (known && Date.now() - known.at < PERSON_CACHE_MS) return known.id;
    return (await this.person(experimentId, identity))?.id ?? null;
  }

  /** The trial a handle stands for (see `refs`), or null when there is none. */
  private async trialOfRef(ref: string): Promise<{ id: string; experimentId: string } | null> {
    const known = this.refs.get(ref);
    if (known) return known;
    const trial = await this.db.trials.byRef(ref);
    if (!trial) return null;
    if (this.refs.size >= CACHE_LIMIT) this.refs.clear();
    const found = { id: trial.id, experimentId: trial.experimentId };
    this.refs.set(ref, found);
    return found;
  }

  /**
   * The next trial for this person: a turn they owe, else a new seat. `known`: their row and seats as
   * the caller read them in this request, not read again.
   */
  async next(
    experimentId: string,
    identity: Identity,
    origin: Origin,
    known?: { person: ParticipantRow; seats: SeatRow[] },
  ): Promise<NextResult> {
    const handle = await this.experiment(experimentId);
    const person = known?.person ?? (await this.person(experimentId, identity));
    if (!person) return { status: 'none', reason: `You have not joined ${experimentId}; join it first.` };
    const next = await nextForPerson(handle.people, person.id, this.receipt(person.id, origin), known);
    if (next.status === 'none')
      return {
        status: 'none',
        reason: next.reason,
        ...(next.screenedOut ? { screenedOut: next.screenedOut } : {}),
      };
    const trial = (await this.db.trials.get(next.trialId))!;
    const presentation = await this.presentation(handle, next.state, next.role);
    return {
      status: 'trial',
      trial,
      ref: trial.ref,
      role: next.role,
      presentation,
      assigned: next.status === 'assigned',
    };
  }

  /** The trial as this person sees it (their seat in it), or why they cannot see it. */
  async show(identity: Identity, ref: string): Promise<ActResult & { status: 'refused' | 'accepted' }> {
    const found = await this.seat(identity, ref);
    if ('refusal' in found) return found.refusal;
    return {
      status: 'accepted',
      message: '',
      duplicate: false,
      presentation: await this.presentation(found.handle, found.state, found.role),
    };
  }

  /**
   * A click, a select or a modal. Anyone but the seat's holder is refused and nothing is recorded; a
   * click on an old screen is refused with the current one; a repeated interaction is recorded once.
   */
  async act(identity: Identity, action: ChatAction, input: ActInput, origin: Origin): Promise<ActResult> {
    const found = await this.seat(identity, action.ref);
    if ('refusal' in found) return found.refusal;
    const { handle, state, role, person } = found;
    const question = await handle.drive.questions(state.created);
    const now = (message: string): ActResult => ({
      status: 'refused',
      message,
      presentation: present(state, role, question, handle.config),
    });
    const current = present(state, role, question, handle.config);
    if (action.kind === 'show')
      return { status: 'accepted', message: '', duplicate: false, presentation: current };
    if (action.kind === 'survey') return this.survey(handle, state, role, person, action, input, origin);
    if (action.kind === 'ask') return this.ask(handle, state, role, person, action, input, origin, current);
    const turn = current.turn;
    // A control from an earlier screen: say so and show where the trial stands (nothing recorded).
    if (!turn || turn.position !== action.position) {
      const answered = await this.db.events.receipt(this.receipt(person.id, origin).key);
      if (answered)
        return { status: 'accepted', message: 'Already recorded.', duplicate: true, presentation: current };
      return now(
        turn
          ? 'That screen is out of date: the trial has moved on. Here is where it stands now.'
          : state.verdict || state.aborted
            ? 'This trial has ended.'
            : `It is not your turn. ${current.waiting ?? ''}`.trim(),
      );
    }
    const judge = turn.judge;
    switch (action.kind) {
      case 'credence': {
        if (!judge) return now('It is not your turn to judge.');
        const parsed = parseCredence(input.values?.[0] ?? '', judge.answers);
        if (!parsed.ok) return now(parsed.error);
        return this.choose(action, parsed.probabilities, judge);
      }
      case 'numbers': {
        if (!judge) return now('It is not your turn to judge.');
        const fields = input.fields ?? {};
        if (Object.keys(fields).length === 0)
          return {
            status: 'modal',
            modal: {
              kind: 'numbers',
              action,
              title: 'Your credence',
              answers: current.intro.answers.map((a) => `${a.letter}. ${a.text}`),
              after: judge.final ? 'verdict' : 'either',
            },
          };
        const values = current.intro.answers.map((_, i) => fields[`credence-${i}`] ?? '');
        const parsed = parseCredence(values, judge.answers);
        if (!parsed.ok) return now(parsed.error);
        return this.choose(action, parsed.probabilities, judge);
      }
      case 'comment': {
        if (!judge?.mayComment) return now('This turn takes no question or comment.');
        const text = input.fields?.comment?.trim();
        if (text === undefined)
          return {
            status: 'modal',
            modal: {
              kind: 'comment',
              action,
              title: judge.mustComment ? 'Your message' : 'A question or comment',
              label: judge.mustComment ? 'Message to the assistant' : 'For the arguers (they all see it)',
              required: true,
              maxLength: COMMENT_MAX,
            },
          };
        if (!text) return now('The message is empty.');
        if (text.length > COMMENT_MAX)
          return now(
            `Your message has ${text.length} characters; the most is ${COMMENT_MAX}. Nothing was sent.`,
          );
        return this.record(handle, state, role, person, origin, {
          type: 'judgement',
          ...(action.credence ? { probabilities: action.credence } : {}),
          comment: text,
          end: false,
          ...attentionMeta(input),
        });
      }
      case 'continue':
      case 'verdict': {
        if (!judge) return now('It is not your turn to judge.');
        if (!action.credence) return now('Choose your credence first.');
        return this.record(handle, state, role, person, origin, {
          type: 'judgement',
          probabilities: action.credence,
          end: action.kind === 'verdict',
          ...attentionMeta(input),
        });
      }
      case 'speak': {
        const speech = turn.speech;
        if (!speech) return now('It is not your turn to speak.');
        const text = input.fields?.speech;
        if (text === undefined)
          return {
            status: 'modal',
            modal: {
              kind: 'speech',
              action,
              title: `Your ${speech.kind}, round ${speech.round}`,
              label: `Cite the story with <quote>…</quote> (${speech.charLimit} characters${speech.quoteLimit === null ? '' : `, ${speech.quoteLimit} quoted`})`,
              maxLength: speechBoxLimit(speech.charLimit),
              limits: `Up to ${speech.charLimit} characters${speech.quoteLimit === null ? '' : `, ${speech.quoteLimit} of them quoted`} (the <quote> tags do not count); the box holds ${speechBoxLimit(speech.charLimit)}.`,
              ...(judgeAsked(state, speech.round) ? { judgeAsked: judgeAsked(state, speech.round)! } : {}),
            },
          };
        const preview = previewSpeech(text, question.source, state.created.rules);
        return {
          status: 'preview',
          preview,
          send:
            preview.problems.length === 0
              ? { kind: 'send', ref: action.ref, position: action.position }
              : null,
        };
      }
      case 'send': {
        if (!turn.speech) return now('It is not your turn to speak.');
        const text = input.previewText ?? '';
        const preview = previewSpeech(text, question.source, state.created.rules);
        if (preview.problems.length > 0) return now(`Not sent: ${preview.problems.join('; ')}.`);
        return this.record(handle, state, role, person, origin, {
          type: 'argument',
          role,
          text: preview.text,
          ...attentionMeta(input),
        });
      }
      default:
        return now('That control is not for this screen.');
    }
  }

  /**
   * A question to the arguers outside the judge's turn (arms whose judge may ask at any time): a
   * modal, then the question recorded at the end of what the judge had seen (`action.position`).
   */
  private async ask(
    handle: ExperimentHandle,
    state: TrialState,
    role: Role,
    person: { id: string },
    action: ChatAction,
    input: ActInput,
    origin: Origin,
    current: Presentation,
  ): Promise<ActResult> {
    if (role !== 'judge')
      return {
        status: 'refused',
        message: 'Only the judge asks the arguers questions.',
        presentation: current,
      };
    const text = input.fields?.comment?.trim();
    if (text === undefined) {
      if (!current.ask) {
        const answered = await this.db.events.receipt(this.receipt(person.id, origin).key);
        if (answered)
          return { status: 'accepted', message: 'Already recorded.', duplicate: true, presentation: current };
        return {
          status: 'refused',
          message: `You cannot ask now: ${anyTimeInterjectionRefusal(state) ?? 'the trial has moved on'}.`,
          presentation: current,
        };
      }
      return {
        status: 'modal',
        modal: {
          kind: 'comment',
          action,
          title: 'A question for the arguers',
          label: `They answer it in their next speeches${current.ask.left === null ? '' : ` (${current.ask.left} left)`}`,
          required: true,
          maxLength: COMMENT_MAX,
        },
      };
    }
    if (!text) return { status: 'refused', message: 'The question is empty.', presentation: current };
    const result = await submitMove(handle.drive, {
      trialId: state.created.trialId,
      participantId: person.id,
      position: action.position,
      receipt: this.receipt(person.id, origin),
      move: { type: 'interjection', text, ...attentionMeta(input) },
    });
    const question = await handle.drive.questions(state.created);
    const presentation = present(result.state, role, question, handle.config);
    if (result.status === 'refused') return { status: 'refused', message: result.message, presentation };
    return {
      status: 'accepted',
      message: result.duplicate ? 'Already recorded.' : 'Sent: the arguers answer it in their next speeches.',
      duplicate: result.duplicate,
      presentation,
    };
  }

  /** After a credence: the moves this turn allows, each carrying it (and the warning near certainty deserves). */
  private choose(
    action: ChatAction,
    probabilities: number[],
    judge: NonNullable<Presentation['turn']>['judge'],
  ): ActResult {
    const base = { ref: action.ref, position: action.position, credence: probabilities };
    const actions: Array<{ label: string; action: ChatAction }> = [];
    if (!judge!.final) actions.push({ label: 'Continue', action: { kind: 'continue', ...base } });
    if (judge!.mayComment && !judge!.final)
      actions.push({ label: 'Ask or comment…', action: { kind: 'comment', ...base } });
    if (judge!.mayEnd)
      actions.push({
        label: judge!.final ? 'Submit verdict' : 'End with this verdict',
        action: { kind: 'verdict', ...base },
      });
    if (judge!.mustComment)
      actions.splice(0, actions.length, ...actions.filter((a) => a.action.kind !== 'continue'));
    const top = Math.max(...probabilities);
    const warning =
      top >= 0.95
        ? `You put ${Math.round(top * 100)}% on one answer. If it is wrong your reward is about ${(Math.log2(0.01)).toFixed(1)} (the floor). Choose again if that was a slip.`
        : null;
    return {
      status: 'choose',
      message: `Your credence: ${describeCredence(probabilities)}.`,
      warning,
      actions,
    };
  }

  private async record(
    handle: ExperimentHandle,
    state: TrialState,
    role: Role,
    person: { id: string },
    origin: Origin,
    move: Move,
  ): Promise<ActResult> {
    const question = await handle.drive.questions(state.created);
    const result = await submitMove(handle.drive, {
      trialId: state.created.trialId,
      participantId: person.id,
      position: present(state, role, question, handle.config).turn?.position ?? state.nextSeq,
      receipt: this.receipt(person.id, origin),
      move,
    });
    const presentation = present(result.state, role, question, handle.config);
    if (result.status === 'refused') return { status: 'refused', message: result.message, presentation };
    const what =
      move.type === 'argument'
        ? 'Your speech is in.'
        : move.type === 'judgement' && move.end
          ? `Verdict recorded: ${describeCredence(move.probabilities ?? [])}.`
          : move.type === 'judgement' && move.comment
            ? 'Sent to the arguers.'
            : `Recorded: ${describeCredence((move as { probabilities?: number[] }).probabilities ?? [])}.`;
    return {
      status: 'accepted',
      message: result.duplicate ? 'Already recorded.' : what,
      duplicate: result.duplicate,
      presentation,
    };
  }

  /**
   * The survey after a verdict. A submission may answer some of the questions (a platform whose forms
   * hold fewer asks page by page): the questions present in `fields` are checked and recorded as one
   * FeedbackSubmitted, and the person is asked for the rest until every question has an answer.
   */
  private async survey(
    handle: ExperimentHandle,
    state: TrialState,
    role: Role,
    person: { id: string },
    action: ChatAction,
    input: ActInput,
    origin: Origin,
  ): Promise<ActResult> {
    const questions = handle.config.survey ?? [];
    const question = await handle.drive.questions(state.created);
    const presentation = present(state, role, question, handle.config);
    if (questions.length === 0)
      return { status: 'refused', message: 'This experiment has no survey.', presentation };
    if (!state.verdict)
      return { status: 'refused', message: 'The survey opens after the verdict.', presentation };
    const answeredIds = (s: TrialState) =>
      new Set(s.feedback.filter((f) => f.participantId === person.id).flatMap((f) => Object.keys(f.answers)));
    const done = answeredIds(state);
    const pending = questions.filter((q) => !done.has(q.id));
    const progress = (answered: Set<string>) => ({
      answered: questions.filter((q) => answered.has(q.id)).length,
      total: questions.length,
    });
    if (!input.fields) {
      if (pending.length === 0)
        return {
          status: 'refused',
          message: 'You have answered the survey for this trial. Thank you!',
          presentation,
        };
      return {
        status: 'modal',
        modal: {
          kind: 'survey',
          action,
          title: 'A few questions',
          questions: pending.map(surveyQuestionForClient),
          ...progress(done),
        },
      };
    }
    const given = questions.filter((q) => q.id in input.fields!);
    if (given.length === 0)
      return { status: 'refused', message: 'Nothing in this form answers the survey.', presentation };
    const answers: Record<string, string | number> = {};
    for (const q of given) {
      const raw = (input.fields[q.id] ?? '').trim();
      if (q.kind === 'scale') {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1 || n > 5)
          return {
            status: 'refused',
            message: `"${q.question}": answer with a whole number from 1 to 5.`,
            presentation,
          };
        answers[q.id] = n;
      } else if (q.kind === 'choice') {
        if (!q.options!.includes(raw))
          return {
            status: 'refused',
            message: `"${q.question}": choose one of ${q.options!.join(', ')}.`,
            presentation,
          };
        answers[q.id] = raw;
      } else answers[q.id] = raw.slice(0, SURVEY_TEXT_MAX);
    }
    const event: TrialEvent = { type: 'FeedbackSubmitted', role, participantId: person.id, answers };
    const thanks = (answered: Set<string>) => {
      const p = progress(answered);
      return p.answered === p.total ? 'Thank you!' : `Thank you: ${p.answered} of ${p.total} answered.`;
    };
    for (let race = 0; race < 10; race++) {
      const fresh = foldEvents(await handle.drive.store.loadEvents(state.created.trialId));
      const now = answeredIds(fresh);
      if (given.every((q) => now.has(q.id)))
        return {
          status: 'accepted',
          message: thanks(now),
          duplicate: true,
          presentation,
          survey: progress(now),
        };
      // Only what is not answered yet: a page answered twice (two devices) records each answer once.
      const missing = Object.fromEntries(Object.entries(answers).filter(([id]) => !now.has(id)));
      const { input: append } = appendFor(
        fresh,
        [{ ...event, answers: missing }],
        recordOptions(handle.drive),
      );
      try {
        await handle.drive.store.append({ ...append, receipt: this.receipt(person.id, origin) });
        for (const id of Object.keys(missing)) now.add(id);
        return {
          status: 'accepted',
          message: thanks(now),
          duplicate: false,
          presentation,
          survey: progress(now),
        };
      } catch (error) {
        if ((error as Error).name === 'DuplicateMove') {
          const again = answeredIds(foldEvents(await handle.drive.store.loadEvents(state.created.trialId)));
          return {
            status: 'accepted',
            message: thanks(again),
            duplicate: true,
            presentation,
            survey: progress(again),
          };
        }
        if (!(error instanceof AppendConflict)) throw error;
      }
    }
    return { status: 'refused', message: 'The trial kept changing; send the survey again.', presentation };
  }

  /** The trial, the person and their seat in it; or a refusal saying why they may not act on it. */
  private async seat(
    identity: Identity,
    ref: string,
  ): Promise<
    | { handle: ExperimentHandle; state: TrialState; role: Role; person: { id: string } }
    | { refusal: ActResult & { status: 'refused' } }
  > {
    const trial = await this.trialOfRef(ref);
    if (!trial)
      return { refusal: { status: 'refused', message: 'This trial no longer exists.', presentation: null } };
    const handle = await this.experiment(trial.experimentId);
    const id = await this.personId(trial.experimentId, identity);
    const person = id === null ? null : { id };
    const state = foldEvents(await handle.drive.store.loadEvents(trial.id));
    const role = person
      ? (Object.entries(state.seats) as Array<[Role, string]>).find(([, id]) => id === person.id)?.[0]
      : undefined;
    if (!person || !role)
      return {
        refusal: {
          status: 'refused',
          message: 'This is not your trial: only its participant can act here.',
          presentation: null,
        },
      };
    return { handle, state, role, person };
  }

  async presentation(
    handle: ExperimentHandle,
    state: TrialState,
    role: Role,
    postedState?: TrialState,
  ): Promise<Presentation> {
    const question: Question = await handle.drive.questions(state.created);
    return present(state, role, question, handle.config, postedState ? { postedState } : {});
  }

  private receipt(participantId: string, origin: Origin) {
    return { key: `${this.platform}:${origin.id}`, participantId, platform: this.platform, ref: origin.id };
  }

  /** A person's own standing: seats, finished trials, what they owe, their mean reward as judge. */
  async status(experimentId: string, identity: Identity) {
    await this.experiment(experimentId);
    const person = await this.person(experimentId, identity);
    if (!person) return null;
    const seats = await this.db.trials.seatsOf(experimentId, person.id);
    const owed = await this.db.trials.owedBy(person.id, experimentId);
    const judgments = (await this.db.judgments.list(experimentId)).filter((j) => j.judgeId === person.id);
    const rewards = judgments.map((j) => j.reward);
    const meanReward = rewards.length ? rewards.reduce((a, b) => a + b, 0) / rewards.length : null;
    const rule = (await this.experiment(experimentId)).config.payment;
    // What the rewards so far will pay, by the one rule `oversight pay` pays by (bonusFor).
    const bonus = rule ? bonusFor(rule, rewards) : null;
    return {
      participant: person,
      seats: seats.length,
      judged: judgments.length,
      correct: judgments.filter((j) => j.correct).length,
      meanReward,
      totalReward: rewards.reduce((a, b) => a + b, 0),
      bonus:
        bonus && rule
          ? {
              minor: bonus.minor,
              currency: bonus.currency,
              text: formatMoney(bonus.minor, bonus.currency),
              rule: describePaymentRule(rule),
            }
          : null,
      /** One line every platform shows: the running reward and, where the experiment pays, what it will pay. */
      rewardText: rewardStatusLine(rewards, rule),
      // Since when the move has been this person's: a seat taken after the move fell due counts from
      // the taking. The time the move fell due is the trial's clock (when a round came in, when the
      // trial was planned), not the person's, and a judge's screen must tell nothing but their own.
      owed: owed.map((o) => {
        const taken = seats.find((s) => s.trialId === o.trialId && s.role === o.role)?.assignedAt;
        const since = taken && taken > o.since ? taken : o.since;
        return { trialId: o.trialId, role: o.role as Role, since };
      }),
    };
  }

  /** Judges by mean reward and arguers by rating, under pseudonyms only. */
  async leaderboard(experimentId: string, options: { limit?: number } = {}) {
    await this.experiment(experimentId);
    const rows = (await this.db.judgments.list(experimentId)).map((r) => ({
      ...r,
      protocol: r.protocol as never,
    }));
    const names = new Map((await this.db.participants.list(experimentId)).map((p) => [p.id, p.label]));
    const name = (id: string) => names.get(id) ?? id;
    const limit = options.limit ?? 10;
    const ranked = judgeLeaderboard(rows, { minJudgments: 1 });
    const judges = ranked.slice(0, limit).map((j) => ({
      rank: j.rank,
      name: name(j.judgeId),
      n: j.n,
      meanReward: j.meanReward,
      accuracy: j.accuracy,
    }));
    const ratings = rows.some((r) => r.honestArguerId || r.dishonestArguerId) ? arguerRatings(rows) : [];
    const arguers = (role: 'honest' | 'dishonest') =>
      ratings
        .filter((r) => r.role === role)
        .slice(0, limit)
        .map((r, i) => ({ rank: i + 1, name: name(r.arguerId), rating: r.elo }));
    // How many there are in all, so a board cut at `limit` can say how many it leaves out.
    const totals = {
      judges: ranked.length,
      honest: ratings.filter((r) => r.role === 'honest').length,
      dishonest: ratings.filter((r) => r.role === 'dishonest').length,
    };
    return { judges, honest: arguers('honest'), dishonest: arguers('dishonest'), totals };
  }

  // ---- admins ----

  async abort(ref: string, reason: string, by: string): Promise<TrialState> {
    const trial = await this.trialOrThrow(ref);
    return abortTrial((await this.experiment(trial.experimentId)).drive, trial.id, reason, by);
  }

  async reassign(
    ref: string,
    role: Role,
    to: string | null,
    by: string,
    reason: string,
  ): Promise<TrialState> {
    const trial = await this.trialOrThrow(ref);
    return reassignSeat((await this.experiment(trial.experimentId)).people, trial.id, role, to, {
      reason,
      by,
    });
  }

  /** Moves people have owed for longer than `olderThanMs` (for reminders), oldest first. */
  async overdue(experimentId: string, olderThanMs: number) {
    const cutoff = Date.now() - olderThanMs;
    return (await this.db.trials.owedIn(experimentId)).filter(
      (o) => o.human && o.participantId !== null && o.since.getTime() < cutoff,
    );
  }

  /** An experiment's progress for admins: trials by status, and who the waiting ones wait on. */
  async progress(experimentId: string) {
    await this.experiment(experimentId);
    const counts = await this.db.trials.countByStatus(experimentId);
    const owed = await this.db.trials.owedIn(experimentId);
    const people = new Map((await this.db.participants.list(experimentId)).map((p) => [p.id, p.label]));
    const waitingOn = new Map<string, number>();
    for (const o of owed) {
      if (!o.human) continue;
      const who = o.participantId
        ? `${people.get(o.participantId) ?? o.participantId} (${o.participantId})`
        : 'an open seat';
      waitingOn.set(who, (waitingOn.get(who) ?? 0) + 1);
    }
    return { counts, waitingOn: [...waitingOn].sort((a, b) => b[1] - a[1]) };
  }

  /**
   * The experiment a trial's handle belongs to, or null when there is no such trial: for an app that
   * runs an experiment in some places only (Discord servers) and must check where a click came from
   * before acting on it.
   */
  async experimentOfTrial(ref: string): Promise<string | null> {
    return (await this.trialOfRef(ref))?.experimentId ?? null;
  }

  private async trialOrThrow(ref: string): Promise<TrialRow> {
    const trial = (await this.db.trials.byRef(ref)) ?? (await this.db.trials.get(ref));
    if (!trial) throw new ChatError(`No trial "${ref}".`);
    return trial;
  }

  /** A control id, for renderers. */
  id(action: ChatAction): string {
    return encodeAction(action);
  }
}

/**
 * The largest box either platform's forms offer: Slack's plain-text input holds 3,000 characters,
 * Discord's 4,000. The smaller serves both, so one config gives everyone the same box.
 */
export const PLATFORM_BOX_MAX = 3000;

/**
 * The speech box for an arm's `charLimit`: room for the limit itself plus the <quote> tags and a
 * draft a little over (the preview then says by how much), within the smallest platform box.
 */
export function speechBoxLimit(charLimit: number): number {
  return Math.min(PLATFORM_BOX_MAX, charLimit * 2 + 200);
}

/** A judge's question or comment, or a message to the assistant: the same limit on every platform. */
export const COMMENT_MAX = 2000;

/** How many of each list the leaderboard shows on every platform (the rest are counted). */
export const LEADERBOARD_SHOWN = 50;

/** The longest answer to a survey's free-text question (both apps' forms allow it). */
export const SURVEY_TEXT_MAX = 2000;

/**
 * A survey question as a participant's screen gets it: its id, wording, kind and options, and nothing
 * else. Listed field by field, so whatever the config keeps beside a question (an attention check's
 * expected answer, in qualityControl) can never reach a person's client through the modal.
 */
export function surveyQuestionForClient(q: SurveyQuestion): SurveyQuestion {
  return {
    id: q.id,
    question: q.question,
    kind: q.kind,
    ...(q.options ? { options: [...q.options] } : {}),
  };
}

/** A request that cannot be served; the message is for the person. */
export class ChatError extends Error {
  override name = 'ChatError';
}

/**
 * The judge's questions a speech of `round` must answer: those asked after the previous round's
 * speeches (at the judge's turn, or while that round was written), as core's arguer view shows them.
 */
export function judgeAsked(state: TrialState, round: number): string | null {
  // In sandwiching the person writes first and the assistant's reply of the same round answers it.
  const answers = state.created.rules.protocol === 'sandwiching' ? round : round - 1;
  const asked = state.interjections.filter((i) => i.round === answers).map((i) => participantText(i.text));
  return asked.length ? asked.join('\n') : null;
}
