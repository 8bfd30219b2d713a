import type { ChatAction, JudgeTurnOptions, SpeechPreview } from '@oversight/chat';
import { COMMENT_MAX, encodeAction, SURVEY_TEXT_MAX, splitGraphemes } from '@oversight/chat';
import type { SurveyQuestion } from '@oversight/core';
import {
  type Block,
  context,
  cut,
  esc,
  fitView,
  md,
  plain,
  SLACK,
  sections,
  textSections,
} from '../limits.ts';

/**
 * Modals: the judge's credence (one number per answer, what to do next, a question or comment where
 * allowed), a speech with its quote check before sending, the survey, the consent text. Each modal's
 * callback id is the control id of what it answers, so a submission needs nothing from memory; the
 * private metadata says where the turn's message is (to mark it answered).
 */

export interface ModalMeta {
  /** The channel and ts of the message whose button opened the modal (absent from the Home tab). */
  c?: string;
  m?: string;
  /** Credences the person was warned about and may now confirm ("70,30"). */
  ok?: string;
  /** Hash of the speech text last previewed: the same text submitted again is sent. */
  h?: string;
  /** The pool a person joins (consent modal). */
  p?: string;
}

export type View = Record<string, unknown>;

export const FIELD = {
  credence: (i: number) => `credence-${i}`,
  next: 'next',
  comment: 'comment',
  speech: 'speech',
  survey: (id: string) => `q-${id}`,
} as const;

const title = (text: string) => plain(text, SLACK.viewTitle);

function modal(
  callback: string,
  heading: string,
  blocks: Block[],
  submit: string | null,
  meta: ModalMeta,
): View {
  const metadata = JSON.stringify(meta);
  return {
    type: 'modal',
    callback_id: callback,
    title: title(heading),
    ...(submit ? { submit: plain(submit, SLACK.viewButton) } : {}),
    close: plain(submit ? 'Cancel' : 'Close', SLACK.viewButton),
    private_metadata: metadata.length <= SLACK.privateMetadata ? metadata : '{}',
    blocks: fitView(blocks),
  };
}

function textInput(
  id: string,
  label: string,
  options: {
    multiline?: boolean;
    optional?: boolean;
    initial?: string;
    hint?: string;
    max?: number;
    placeholder?: string;
  } = {},
): Block {
  return {
    type: 'input',
    block_id: id,
    label: plain(label, SLACK.inputLabel),
    optional: options.optional ?? false,
    ...(options.hint ? { hint: plain(options.hint, SLACK.inputLabel) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: id,
      multiline: options.multiline ?? false,
      ...(options.initial
        ? { initial_value: options.initial.slice(0, options.max ?? SLACK.plainTextInputMax) }
        : {}),
      ...(options.max ? { max_length: Math.min(options.max, SLACK.plainTextInputMax) } : {}),
      ...(options.placeholder ? { placeholder: plain(options.placeholder, 150) } : {}),
    },
  };
}

const option = (value: string, text: string) => ({ value, text: plain(text, SLACK.optionText) });

/**
 * An option whose words may pass an option's 75 characters: the rest goes on in its description
 * (75 more), cut at a word or grapheme boundary, so a choice of up to 150 characters (the config
 * allows 100) is read whole. Longer ones say so with "…".
 */
function longOption(value: string, words: string) {
  const [first = '', ...rest] = splitGraphemes(words.replace(/\s+/g, ' ').trim(), SLACK.optionText);
  const more = rest.join(' ');
  return {
    value,
    text: { type: 'plain_text', text: first || ' ', emoji: true },
    ...(more ? { description: plain(more, SLACK.optionText) } : {}),
  };
}

/** The judge's turn: a credence per answer, continue or verdict where allowed, a comment where allowed. */
export function judgeModal(
  action: ChatAction,
  judge: JudgeTurnOptions,
  answers: string[],
  meta: ModalMeta,
  options: { values?: string[]; next?: string; comment?: string; warning?: string } = {},
): View {
  const blocks: Block[] = [];
  if (options.warning) blocks.push(...sections(`:warning: ${esc(options.warning)}`));
  blocks.push(
    context(
      judge.answers === 2
        ? 'Your probability for each answer, in percent (70 or 70%). For two answers B may stay empty: it gets the rest.'
        : 'Your probability for each answer, in percent (70 or 70%); they must add up to 100.',
    ),
  );
  // Each answer whole as its box's label (a label holds 2,000 characters): answers that differ only
  // late in the sentence must still be told apart. One longer than that is shown whole above.
  const tooLong = answers.some((a) => a.length > SLACK.inputLabel);
  if (tooLong) blocks.push(...textSections(answers.join('\n\n')));
  answers.forEach((answer, i) => {
    blocks.push(
      textInput(FIELD.credence(i), tooLong ? cut(answer, SLACK.inputLabel) : answer, {
        optional: judge.answers === 2 && i === 1,
        ...(options.values?.[i] ? { initial: options.values[i] } : {}),
        max: 10,
        placeholder: i === 0 ? 'e.g. 70' : 'the rest',
      }),
    );
  });
  const choices: Array<{ value: string; text: string }> = [];
  if (!judge.final && !judge.mustComment)
    choices.push({ value: 'continue', text: 'Continue to the next round' });
  if (judge.mayEnd)
    choices.push({
      value: 'verdict',
      text: judge.final || judge.mustComment ? 'Submit my answer' : 'End now: this is my verdict',
    });
  if (choices.length > 1) {
    const initial = choices.find((c) => c.value === options.next) ?? choices[0]!;
    blocks.push({
      type: 'input',
      block_id: FIELD.next,
      label: plain('What next?'),
      element: {
        type: 'radio_buttons',
        action_id: FIELD.next,
        options: choices.map((c) => option(c.value, c.text)),
        initial_option: option(initial.value, initial.text),
      },
    });
  }
  if (judge.mustComment && judge.beliefsRequired)
    blocks.push(
      textInput(FIELD.comment, 'Your message to the assistant (leave it empty to submit your answer)', {
        multiline: true,
        optional: true,
        max: COMMENT_MAX,
        hint: `Up to ${COMMENT_MAX} characters.`,
        ...(options.comment ? { initial: options.comment } : {}),
      }),
    );
  if (judge.mayComment && !judge.final && !judge.mustComment)
    blocks.push(
      textInput(FIELD.comment, 'A question or comment for the arguers', {
        multiline: true,
        optional: true,
        max: COMMENT_MAX,
        hint: `Up to ${COMMENT_MAX} characters; sent with Continue, and every arguer sees it.`,
        ...(options.comment ? { initial: options.comment } : {}),
      }),
    );
  const heading = judge.final ? 'Your verdict' : judge.mustComment ? 'Your answer' : 'Your credence';
  return modal(
    encodeAction(action),
    heading,
    blocks,
    judge.final || judge.mustComment ? 'Submit' : 'Record',
    meta,
  );
}

/** A speech (or a sandwiching reply) to write, or its preview with the quote check and counts. */
/** A question for the arguers while they write (arms whose judge may ask at any time). */
export function askModal(action: ChatAction, spec: { title: string; label: string }, meta: ModalMeta): View {
  return modal(
    encodeAction(action),
    spec.title,
    [textInput(FIELD.comment, spec.label, { multiline: true, max: 2000 })],
    'Send',
    meta,
  );
}

export function speechModal(
  action: ChatAction,
  spec: { title: string; label: string; maxLength: number; limits: string; judgeAsked?: string },
  meta: ModalMeta,
  preview?: SpeechPreview,
): View {
  const blocks: Block[] = [];
  // The judge's question this speech must answer, in full, above where the person writes.
  if (spec.judgeAsked)
    blocks.push(context('*The judge asked:*'), {
      type: 'section',
      text: { type: 'plain_text', text: cut(spec.judgeAsked, SLACK.sectionText), emoji: false },
    });
  if (preview) {
    const problems = preview.problems.length
      ? `*Cannot be sent yet:* ${esc(preview.problems.join('; '))}.`
      : '*Checked.* Submit again to send it as it is, or edit it and submit to check again.';
    blocks.push(...sections(problems), context(esc(`${preview.counts} · quotes: ${preview.summary}`)));
    const lines = preview.quotes.map((q) => `${q.mark} ${q.label}: «${esc(cut(q.text, 200))}»`);
    for (let i = 0; i < lines.length; i += SLACK.contextElements)
      blocks.push(context(...lines.slice(i, i + SLACK.contextElements)));
  }
  blocks.push(
    textInput(FIELD.speech, spec.label, {
      multiline: true,
      max: Math.min(spec.maxLength, SLACK.plainTextInputMax),
      hint: spec.limits,
      ...(preview ? { initial: preview.text } : {}),
    }),
  );
  return modal(
    encodeAction(action),
    spec.title,
    blocks,
    preview && preview.problems.length === 0 ? 'Send' : 'Check',
    meta,
  );
}

/**
 * The survey: each question whole as its input's label (up to 2,000 characters; the config allows
 * 300), a scale as radio buttons, a choice as radio buttons (up to 10) or a select (up to 100), each
 * option read whole across its text and description, free text a box of SURVEY_TEXT_MAX characters.
 */
export function surveyModal(action: ChatAction, questions: readonly SurveyQuestion[]): View {
  const blocks: Block[] = questions.map((q) => {
    const id = FIELD.survey(q.id);
    if (q.kind === 'text')
      return textInput(id, q.question, {
        multiline: true,
        optional: true,
        max: SURVEY_TEXT_MAX,
        hint: `Optional; up to ${SURVEY_TEXT_MAX} characters.`,
      });
    const options =
      q.kind === 'scale'
        ? ['1', '2', '3', '4', '5'].map((v, i) =>
            option(v, i === 0 ? '1 (not at all)' : i === 4 ? '5 (very much)' : v),
          )
        : (q.options ?? []).map((o) => longOption(o, o));
    const element =
      options.length <= 10
        ? { type: 'radio_buttons', action_id: id, options }
        : { type: 'static_select', action_id: id, options, placeholder: plain('Choose one', 150) };
    return {
      type: 'input',
      block_id: id,
      label: plain(q.question, SLACK.inputLabel),
      element,
    };
  });
  return modal(encodeAction(action), 'A few questions', blocks, 'Send', {});
}

export function consentModal(
  experimentId: string,
  consent: { text: string },
  pool: string | undefined,
): View {
  const blocks: Block[] = [
    ...sections(`*Joining ${esc(experimentId)}*`),
    ...sections(esc(consent.text)),
    context('Others see you under a pseudonym only. You can leave at any time with `/oversight leave`.'),
  ];
  return modal(
    encodeAction({ kind: 'accept', ref: experimentId, position: 0 }),
    'Consent',
    blocks,
    'I accept',
    pool ? { p: pool } : {},
  );
}

/** A modal that only tells something (a link to the thread, why a click was refused). */
export function infoModal(heading: string, text: string, link?: { url: string; label: string }): View {
  const blocks: Block[] = [...sections(esc(text))];
  if (link)
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', text: plain(link.label, SLACK.buttonText), url: link.url, action_id: 'link' },
      ],
    });
  return modal('ov-info', heading, blocks, null, {});
}

export const mdText = md;
