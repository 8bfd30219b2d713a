import {
  type ActResult,
  type ChatAction,
  clip as clipText,
  type Entry,
  encodeAction,
  LETTERS,
  type ModalSpec,
  type Presentation,
  ROLE_NAMES,
  type SpeechPreview,
  SURVEY_TEXT_MAX,
  splitText,
} from '@oversight/chat';
import type { SurveyQuestion } from '@oversight/core';
import { CREDENCE_STEPS } from '@oversight/core';
import {
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
  ButtonStyle,
  ComponentType,
  MessageFlags,
  type RESTPostAPIChannelMessageJSONBody,
  TextInputStyle,
} from 'discord-api-types/v10';

/**
 * A presentation (packages/chat) laid out as Discord messages, embeds, buttons, selects and modals,
 * within Discord's limits: 2,000 characters of content, 4,096 per embed description, 6,000 and 10
 * embeds per message, 5 rows of 5 buttons, 25 select options, 5 inputs per modal. Nothing here
 * decides anything; it only lays out what the chat layer said.
 */

export const LIMIT = {
  content: 2000,
  description: 4096,
  messageEmbeds: 10,
  messageChars: 6000,
  fieldValue: 1024,
  embedFields: 25,
  title: 256,
  buttonLabel: 80,
  modalTitle: 45,
  inputLabel: 45,
  placeholder: 100,
  selectOptions: 25,
} as const;

const COLOR = {
  intro: 0x5865f2,
  judge: 0x99aab5,
  'Debater A': 0x3ba55d,
  'Debater B': 0xed4245,
  Consultant: 0xfaa61a,
  Assistant: 0x00a8fc,
  outcome: 0xeb459e,
  preview: 0xfee75c,
} as const;

export type Message = RESTPostAPIChannelMessageJSONBody;
type Row = APIActionRowComponent<APIComponentInMessageActionRow>;

/**
 * Text people wrote (speeches, questions to arguers) or a dataset holds (the question, its answers, the
 * story), as Discord shows it: every character its markdown gives meaning to is escaped, so nothing
 * renders as bold system text, a spoiler hiding words, a masked link, a heading, a quote block, or a
 * mention (`<@id>`, `@everyone`, `<#channel>`, `<t:…>`). Discord shows an escaped character as itself.
 * The platform-neutral half of the rule (control characters, the checker's quote marks) is core's
 * `participantText`, applied before.
 */
const DISCORD_MARKUP = /[\\*_~`|>#\-[\]()<@]/g;
export function escapeDiscord(text: string): string {
  // A line opening "1." would start a numbered list: its dot is escaped too.
  return text.replace(DISCORD_MARKUP, '\\$&').replace(/^(\s*\d+)\./gm, '$1\\.');
}

/** Text within a Discord limit, cut at a grapheme boundary with "…" (never half an emoji). */
export function clip(text: string, limit: number): string {
  return clipText(text, limit);
}

function embedChars(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

/** Embeds packed into as few messages as the per-message limits allow, in order. */
export function packEmbeds(embeds: APIEmbed[]): Message[] {
  const messages: Message[] = [];
  let current: APIEmbed[] = [];
  let chars = 0;
  for (const embed of embeds) {
    const size = embedChars(embed);
    if (current.length > 0 && (current.length === LIMIT.messageEmbeds || chars + size > LIMIT.messageChars)) {
      messages.push({ embeds: current });
      current = [];
      chars = 0;
    }
    current.push(embed);
    chars += size;
  }
  if (current.length) messages.push({ embeds: current });
  return messages;
}

/** Long text as several embeds (the first titled), each description within 4,096 characters. */
function textEmbeds(text: string, first: Omit<APIEmbed, 'description'>, color: number): APIEmbed[] {
  return splitText(text || '(empty)', LIMIT.description).map((part, i) => ({
    ...(i === 0 ? first : { author: first.author ?? { name: `${first.title ?? ''} (continued)` } }),
    color,
    description: part,
  }));
}

/**
 * Quote lines as embed fields (each within 1,024 characters), every quote listed: a posted speech's
 * quotes are what the judge weighs, and the speech above shows each whole.
 */
function quoteFields(quotes: Entry['quotes'], summary: string): NonNullable<APIEmbed['fields']> {
  if (quotes.length === 0) return [];
  const lines = quotes.map((q) => `${q.mark} “${escapeDiscord(clip(q.text, 160))}” — ${q.label}`);
  return packLines(lines, `Quotes: ${summary}`, 'Quotes (more)');
}

function introEmbeds(p: Presentation): APIEmbed[] {
  const { intro } = p;
  const answers = intro.answers
    .map(
      (a) =>
        `**${a.letter}.** ${escapeDiscord(a.text)}${a.defendedBy.length ? ` — *${a.defendedBy.join(', ')}*` : ''}`,
    )
    .join('\n');
  const embeds: APIEmbed[] = [
    {
      title: clip(intro.title, LIMIT.title),
      color: COLOR.intro,
      description: clip(`**${escapeDiscord(intro.question)}**\n\n${answers}`, LIMIT.description),
      fields: [
        { name: 'Your part', value: clip(intro.roleLine, LIMIT.fieldValue) },
        { name: 'Rules', value: clip(intro.rules, LIMIT.fieldValue) },
      ],
    },
  ];
  if (intro.source)
    embeds.push(
      ...textEmbeds(
        escapeDiscord(intro.source),
        { title: clip(`The story: ${intro.storyTitle || 'source text'}`, LIMIT.title) },
        COLOR.intro,
      ),
    );
  return embeds;
}

const KIND_LABEL: Record<Entry['kind'], string> = {
  argument: '',
  interjection: ' asks',
  belief: "'s credence",
};

function entryEmbeds(entry: Entry, myRole: string): APIEmbed[] {
  const mine = entry.speaker === myRole;
  const head =
    mine && entry.kind === 'belief'
      ? `Your credence · round ${entry.round}`
      : `${mine ? `${entry.speaker} (you)` : entry.speaker}${KIND_LABEL[entry.kind]} · round ${entry.round}`;
  const color = (COLOR as Record<string, number>)[entry.speaker] ?? COLOR.judge;
  if (entry.kind === 'belief')
    return [{ author: { name: head }, color, description: entry.belief ?? entry.text }];
  const embeds = textEmbeds(escapeDiscord(entry.text), { author: { name: head } }, color);
  const fields = [
    ...(quoteFields(entry.quotes, entry.quoteSummary) ?? []),
    ...(entry.belief ? [{ name: 'Credence', value: entry.belief }] : []),
  ];
  if (fields.length) {
    const last = embeds[embeds.length - 1]!;
    const size = embedChars(last) + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    // One embed may hold 6,000 characters in all: quotes that do not fit go in embeds of their own.
    if (size <= LIMIT.messageChars && fields.length <= LIMIT.embedFields) last.fields = fields;
    else embeds.push(...fieldEmbeds(fields, { author: { name: `${head}: quotes` }, color }));
  }
  return embeds;
}

/**
 * Fields spread over as many embeds as Discord's limits need (25 fields, and room under the 6,000
 * characters a message's embeds hold together), each embed headed like the first.
 */
export function fieldEmbeds(
  fields: ReadonlyArray<{ name: string; value: string; inline?: boolean }>,
  head: Omit<APIEmbed, 'fields'>,
): APIEmbed[] {
  const out: APIEmbed[] = [];
  const budget = LIMIT.messageChars - 500;
  let current: APIEmbed = { ...head, fields: [] };
  for (const field of fields) {
    const size = embedChars(current) + field.name.length + field.value.length;
    if (current.fields!.length > 0 && (current.fields!.length === LIMIT.embedFields || size > budget)) {
      out.push(current);
      current = { ...head, fields: [] };
    }
    current.fields!.push(field);
  }
  if (current.fields!.length) out.push(current);
  return out;
}

function outcomeEmbed(p: Presentation, surveyQuestions: string[]): APIEmbed {
  const o = p.outcome!;
  const fields = [
    { name: 'Correct answer', value: `**${o.correct}**`, inline: true },
    { name: 'Final credence', value: o.credence, inline: true },
    ...(o.reward === null ? [] : [{ name: 'Your reward', value: o.reward.toFixed(3), inline: true }]),
    ...packLines(o.lines, 'Who defended what', 'Who defended what (continued)'),
    // The survey's questions in full (five of up to 300 characters can pass one field's 1,024).
    ...packLines(
      surveyQuestions.map((q, i) => `${i + 1}. ${escapeDiscord(q)}`),
      'A short survey',
      'A short survey (continued)',
    ),
  ];
  return { title: 'The verdict is in', color: COLOR.outcome, fields };
}

const button = (
  label: string,
  action: ChatAction,
  style: ButtonStyle = ButtonStyle.Secondary,
): APIButtonComponent => ({
  type: ComponentType.Button,
  style: style as ButtonStyle.Secondary,
  label: clip(label, LIMIT.buttonLabel),
  custom_id: encodeAction(action),
});

function rows(buttons: APIButtonComponent[]): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < buttons.length; i += 5)
    out.push({ type: ComponentType.ActionRow, components: buttons.slice(i, i + 5) });
  return out;
}

/** The controls of a person's turn: the credence select and buttons for a judge, a speech button for an arguer. */
export function turnComponents(p: Presentation, ref: string): Row[] {
  const turn = p.turn;
  if (!turn) return [];
  const at = (kind: ChatAction['kind']): ChatAction => ({ kind, ref, position: turn.position });
  const show = button('Show the trial', at('show'));
  if (turn.speech)
    return rows([
      button(
        turn.speech.kind === 'message' ? 'Write your reply…' : 'Write your speech…',
        at('speak'),
        ButtonStyle.Primary,
      ),
      show,
    ]);
  const judge = turn.judge!;
  const out: Row[] = [];
  const buttons: APIButtonComponent[] = [];
  if (judge.credenceInput === 'select') {
    const [a, b] = p.intro.answers;
    out.push({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.StringSelect,
          custom_id: encodeAction(at('credence')),
          placeholder: judge.final
            ? 'Your verdict: how likely is each answer?'
            : 'How likely is each answer now?',
          options: CREDENCE_STEPS.slice(0, LIMIT.selectOptions).map((pct) => ({
            label: `${a?.letter ?? 'A'} ${pct}% · ${b?.letter ?? 'B'} ${100 - pct}%`,
            value: String(pct),
          })),
        },
      ],
    });
    buttons.push(button('Exact numbers…', at('numbers')));
  } else buttons.push(button('Your credence…', at('numbers'), ButtonStyle.Primary));
  // A message without a credence only where the turn takes one; else the credence comes first and
  // the choice after it offers the message.
  if (judge.mayComment && !judge.final && !judge.beliefsRequired)
    buttons.unshift(
      judge.mustComment
        ? button('Message the assistant…', at('comment'), ButtonStyle.Primary)
        : button('Ask or comment…', at('comment')),
    );
  buttons.push(show);
  out.push(...rows(buttons));
  return out.slice(0, 5);
}

/** The judge's "Ask" control while the arguers write (arms whose judge may ask at any time). */
export function askComponents(p: Presentation, ref: string): Row[] {
  if (!p.ask) return [];
  const left = p.ask.left === null ? '' : ` (${p.ask.left} left)`;
  return rows([button(`Ask the arguers…${left}`, { kind: 'ask', ref, position: p.ask.position })]);
}

export interface ThreadRenderOptions {
  /** The thread has nothing yet: begin with the intro. */
  first: boolean;
  ref: string;
  /** The Discord user the thread is for (mentioned on their turn). */
  userId: string | null;
  surveyQuestions: string[];
  /** Whether the turn and the outcome are new to the thread (not posted before); both when unknown. */
  fresh?: { turn: boolean; outcome: boolean };
}

/** What to post in a thread for a presentation (everything, or what is new since the last post). */
export function threadMessages(p: Presentation, options: ThreadRenderOptions): Message[] {
  const embeds = [
    ...(options.first ? introEmbeds(p) : []),
    ...p.entries.flatMap((e) => entryEmbeds(e, ROLE_NAMES[p.intro.role])),
    ...(p.outcome && options.fresh?.outcome !== false ? [outcomeEmbed(p, options.surveyQuestions)] : []),
  ];
  const freshTurn = options.fresh?.turn !== false;
  const freshOutcome = options.fresh?.outcome !== false;
  const messages = packEmbeds(embeds);
  let tail: Message | null = null;
  if (p.turn && freshTurn) {
    const mention = options.userId ? `<@${options.userId}> ` : '';
    tail = {
      content: clip(`${mention}**${p.turn.heading}**`, LIMIT.content),
      components: turnComponents(p, options.ref),
      allowed_mentions: { users: options.userId ? [options.userId] : [] },
    };
  } else if (p.outcome && freshOutcome && options.surveyQuestions.length) {
    tail = {
      components: rows([
        button('Answer the survey…', { kind: 'survey', ref: options.ref, position: 0 }, ButtonStyle.Primary),
      ]),
    };
  } else if (p.waiting && !p.outcome && embeds.length > 0) {
    tail = {
      content: `*${p.waiting}…*`,
      allowed_mentions: { parse: [] },
      ...(p.ask ? { components: askComponents(p, options.ref) } : {}),
    };
  }
  if (tail) {
    const last = messages.at(-1);
    // The turn's controls go under the last embed when it fits, so the screen ends with what to do.
    if (last && !last.components && !last.content) Object.assign(last, tail);
    else messages.push(tail);
  }
  return messages;
}

// ---- interaction replies ----

export interface ReplyMessage {
  content?: string;
  embeds?: APIEmbed[];
  components?: Row[];
  flags?: number;
}

/**
 * An answer to an interaction: a message (and, when what a person must read does not fit one
 * message, ephemeral follow-ups after it, in order), or a form.
 */
export type Reply =
  | { kind: 'message'; message: ReplyMessage; more?: ReplyMessage[] }
  | { kind: 'modal'; modal: APIModalInteractionResponseCallbackData };

export const ephemeral = (content: string, extra: Omit<ReplyMessage, 'content' | 'flags'> = {}): Reply => ({
  kind: 'message',
  message: {
    content: clip(content, LIMIT.content),
    flags: MessageFlags.Ephemeral,
    components: [],
    embeds: [],
    ...extra,
  },
});

/** Characters Discord counts toward a message's 6,000 (titles, descriptions, field names and values, footers, authors). */
export function embedsChars(embeds: readonly APIEmbed[]): number {
  return embeds.reduce((n, e) => n + embedChars(e), 0);
}

/**
 * Quote lines of a speech preview within `budget` characters: each quote with its mark, as long an
 * excerpt as fits (the whole quote is in the speech just above). When even short excerpts do not
 * fit, the quotes are listed by number under each mark, so every quote's result is still shown.
 */
function previewQuoteFields(preview: SpeechPreview, budget: number): NonNullable<APIEmbed['fields']> {
  const quotes = preview.quotes;
  if (quotes.length === 0) return [];
  const fieldsOf = (excerpt: number) => {
    const lines = quotes.map(
      (q, i) => `${q.mark} ${i + 1}. “${escapeDiscord(clip(q.text, excerpt))}” — ${q.label}`,
    );
    return packLines(lines, `Quotes: ${preview.summary}`, 'Quotes (more)');
  };
  for (const excerpt of [160, 120, 80, 60, 40, 24]) {
    const fields = fieldsOf(excerpt);
    const size = fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    if (fields.length <= 20 && size <= budget) {
      const cut = quotes.some((q) => q.text.length > excerpt);
      if (cut) fields[0]!.name = clip(`${fields[0]!.name} (shortened; each is whole in the speech)`, 256);
      return fields;
    }
  }
  // By number: "✗ not found: 3, 7, 12".
  const byStatus = new Map<string, number[]>();
  quotes.forEach((q, i) => {
    const key = `${q.mark} ${q.label}`;
    byStatus.set(key, [...(byStatus.get(key) ?? []), i + 1]);
  });
  const lines = [...byStatus].map(([key, numbers]) => `${key}: ${numbers.join(', ')}`);
  return packLines(lines, `Quotes by number: ${preview.summary}`, 'Quotes (more)');
}

/** Lines packed into embed fields of at most 1,024 characters, never cutting a line when it fits alone. */
export function packLines(
  lines: readonly string[],
  firstName: string,
  nextName: string,
): Array<{ name: string; value: string }> {
  const values: string[] = [];
  let current = '';
  for (const raw of lines) {
    for (const line of raw.length > LIMIT.fieldValue ? splitText(raw, LIMIT.fieldValue) : [raw]) {
      if (current && current.length + line.length + 1 > LIMIT.fieldValue) {
        values.push(current);
        current = '';
      }
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) values.push(current);
  return values.map((value, i) => ({ name: clip(i === 0 ? firstName : nextName, LIMIT.title), value }));
}

/**
 * A speech preview: the speech exactly as typed (Send reads it back from the first embed's
 * description: the bot keeps nothing in memory), then its checks in a second embed, both within the
 * 6,000 characters Discord allows a message's embeds together. The speech can be 4,000 characters
 * and its quote list as long again, so the quote excerpts shrink to fit (each quote is whole in the
 * speech above), down to listing quotes by number. The preview is its author's alone (ephemeral,
 * and embeds never ping); the judge gets the speech escaped.
 */
export function previewEmbeds(preview: SpeechPreview): APIEmbed[] {
  const speech: APIEmbed = {
    title: clip(`Preview: ${preview.summary}`, LIMIT.title),
    color: COLOR.preview,
    description: clip(preview.text || '(empty)', LIMIT.description),
    footer: {
      text: preview.problems.length ? 'Not sendable yet: edit it.' : 'Only you can see this preview.',
    },
  };
  const fixed = [
    { name: 'Length', value: preview.counts },
    ...(preview.problems.length
      ? [
          {
            name: 'Fix before sending',
            value: clip(preview.problems.map((x) => `• ${x}`).join('\n'), LIMIT.fieldValue),
          },
        ]
      : []),
  ];
  const used = embedChars(speech) + fixed.reduce((n, f) => n + f.name.length + f.value.length, 0);
  const fields = [...fixed, ...previewQuoteFields(preview, LIMIT.messageChars - used)];
  return [speech, { color: COLOR.preview, fields }];
}

/** The reply to a click, a select or a modal, from the chat layer's answer. */
export function actReply(result: ActResult, action: ChatAction, options: { editText?: string } = {}): Reply {
  const ref = action.ref;
  switch (result.status) {
    case 'modal':
      return { kind: 'modal', modal: modalPayload(result.modal, options.editText) };
    case 'choose': {
      const style = (a: ChatAction) =>
        a.kind === 'verdict'
          ? ButtonStyle.Success
          : a.kind === 'continue'
            ? ButtonStyle.Primary
            : ButtonStyle.Secondary;
      return ephemeral(
        [result.message, result.warning ? `⚠️ ${result.warning}` : ''].filter(Boolean).join('\n'),
        {
          components: rows(result.actions.map((a) => button(a.label, a.action, style(a.action)))),
        },
      );
    }
    case 'preview': {
      const buttons = [
        ...(result.send ? [button('Send', result.send, ButtonStyle.Success)] : []),
        button('Edit…', { kind: 'speak', ref, position: action.position }),
      ];
      return ephemeral(result.send ? 'Check your quotes, then send.' : 'This cannot be sent yet.', {
        embeds: previewEmbeds(result.preview),
        components: rows(buttons),
      });
    }
    case 'accepted': {
      // A survey answered page by page: the next page opens from here.
      if (result.survey && result.survey.answered < result.survey.total)
        return ephemeral(`${result.message} The next questions open from this button.`, {
          components: rows([
            button(
              `Next questions (${result.survey.answered + 1} of ${result.survey.total})…`,
              { kind: 'survey', ref, position: 0 },
              ButtonStyle.Primary,
            ),
          ]),
        });
      return ephemeral(result.message || 'Here is the trial as it stands.', {
        components: result.presentation.turn
          ? turnComponents(result.presentation, ref)
          : askComponents(result.presentation, ref),
      });
    }
    case 'refused': {
      const p = result.presentation;
      return ephemeral(result.message, { components: p?.turn ? turnComponents(p, ref) : [] });
    }
  }
}

// ---- modals ----

type ModalComponent = APIModalInteractionResponseCallbackData['components'][number];

/** Discord's modal limits (developers/components/reference.mdx: Label, Text Display, Text Input). */
export const MODAL = {
  components: 5,
  label: 45,
  description: 100,
  textDisplay: 4000,
  textInput: 4000,
  placeholder: 100,
} as const;

const textDisplay = (content: string): ModalComponent =>
  ({ type: ComponentType.TextDisplay, content: clip(content, MODAL.textDisplay) }) as ModalComponent;

/** An input inside a Label (the component Discord made for it; a text input's own label is deprecated). */
function labelled(
  label: string,
  description: string | null,
  component: Record<string, unknown>,
): ModalComponent {
  return {
    type: ComponentType.Label,
    label: clip(label, MODAL.label),
    ...(description ? { description: clip(description, MODAL.description) } : {}),
    component,
  } as unknown as ModalComponent;
}

function textInput(
  custom_id: string,
  options: {
    paragraph?: boolean;
    required?: boolean;
    max?: number;
    placeholder?: string;
    value?: string;
  } = {},
) {
  const max = Math.min(MODAL.textInput, options.max ?? MODAL.textInput);
  return {
    type: ComponentType.TextInput,
    custom_id,
    style: options.paragraph ? TextInputStyle.Paragraph : TextInputStyle.Short,
    required: options.required ?? true,
    max_length: max,
    ...(options.placeholder ? { placeholder: clip(options.placeholder, MODAL.placeholder) } : {}),
    ...(options.value ? { value: clip(options.value, max) } : {}),
  };
}

const SCALE_LABELS = ['1 — not at all', '2', '3', '4', '5 — very much'];

/**
 * The survey's questions as modal pages: each page at most five components, a question whose words do
 * not fit a label (45 characters) shown in full in a text display above the inputs, numbered as in its
 * label. A scale is a radio group, a choice a select of its options (each up to 100 characters, as
 * the config allows), free text a paragraph box.
 */
export function surveyPages(questions: readonly SurveyQuestion[], firstNumber = 1): SurveyQuestion[][] {
  const pages: SurveyQuestion[][] = [];
  let page: SurveyQuestion[] = [];
  const cost = (qs: SurveyQuestion[]) =>
    qs.length + (qs.some((q, i) => questionLabel(q, firstNumber + i).length > MODAL.label) ? 1 : 0);
  for (const q of questions) {
    if (page.length > 0 && cost([...page, q]) > MODAL.components) {
      pages.push(page);
      page = [];
    }
    page.push(q);
  }
  if (page.length) pages.push(page);
  return pages;
}

const questionLabel = (q: SurveyQuestion, n: number) => `${n}. ${q.question}`;

function surveyModal(spec: Extract<ModalSpec, { kind: 'survey' }>): APIModalInteractionResponseCallbackData {
  const first = spec.answered + 1;
  const [page = []] = surveyPages(spec.questions, first);
  const last = first + page.length - 1;
  const long = page.some((q, i) => questionLabel(q, first + i).length > MODAL.label);
  const components: ModalComponent[] = [];
  if (long)
    components.push(
      textDisplay(page.map((q, i) => `**${first + i}.** ${escapeDiscord(q.question)}`).join('\n\n')),
    );
  page.forEach((q, i) => {
    const n = first + i;
    const label = clip(questionLabel(q, n), MODAL.label);
    if (q.kind === 'scale')
      components.push(
        labelled(label, '1 (not at all) to 5 (very much)', {
          type: ComponentType.RadioGroup,
          custom_id: q.id,
          required: true,
          options: SCALE_LABELS.map((text, k) => ({ label: text, value: String(k + 1) })),
        }),
      );
    else if (q.kind === 'choice')
      components.push(
        labelled(label, `Choose one of ${q.options!.length}.`, {
          type: ComponentType.StringSelect,
          custom_id: q.id,
          required: true,
          placeholder: 'Choose one',
          options: q.options!.map((o) => ({ label: o, value: o })),
        }),
      );
    else
      components.push(
        labelled(
          label,
          `Optional; up to ${SURVEY_TEXT_MAX} characters.`,
          textInput(q.id, {
            paragraph: true,
            required: false,
            max: SURVEY_TEXT_MAX,
          }),
        ),
      );
  });
  const span =
    page.length === spec.total ? '' : ` (${first === last ? first : `${first}–${last}`} of ${spec.total})`;
  return {
    custom_id: encodeAction(spec.action),
    title: clip(`${spec.title}${span}`, LIMIT.modalTitle),
    components,
  };
}

/** A modal for the chat layer's spec; its custom id is the action, so a submission says what it answers. */
export function modalPayload(spec: ModalSpec, editText?: string): APIModalInteractionResponseCallbackData {
  const base = { custom_id: encodeAction(spec.action), title: clip(spec.title, LIMIT.modalTitle) };
  switch (spec.kind) {
    case 'numbers': {
      // The answers in full above the boxes when they fit the five components; else each box's
      // description holds as much of its answer as fits (the thread above shows them in full).
      const answers = spec.answers.slice(0, MODAL.components);
      const inFull = answers.length < MODAL.components;
      return {
        ...base,
        components: [
          ...(inFull ? [textDisplay(answers.map((a) => escapeDiscord(a)).join('\n'))] : []),
          ...answers.map((answer, i) =>
            labelled(
              `${LETTERS[i]}: your probability, in percent`,
              inFull ? null : answer,
              textInput(`credence-${i}`, { max: 6, placeholder: i === 0 ? 'e.g. 70' : 'e.g. 30' }),
            ),
          ),
        ],
      };
    }
    case 'comment':
      return {
        ...base,
        components: [
          labelled(
            spec.label,
            `Up to ${spec.maxLength} characters.`,
            textInput('comment', {
              paragraph: true,
              max: spec.maxLength,
            }),
          ),
        ],
      };
    case 'speech':
      return {
        ...base,
        components: [
          textDisplay(
            `Cite the story with \\<quote>…\\</quote>: each quote is checked before you send. ${escapeDiscord(spec.limits)}`,
          ),
          // Where a person writes, the judge's question is in sight (the thread has it in full).
          ...(spec.judgeAsked ? [textDisplay(`**The judge asked:** ${escapeDiscord(spec.judgeAsked)}`)] : []),
          labelled(
            spec.judgeAsked ? 'Answer the judge’s question' : 'Your text',
            `Up to ${spec.maxLength} characters in this box.`,
            textInput('speech', {
              paragraph: true,
              max: spec.maxLength,
              ...(editText ? { value: editText } : {}),
            }),
          ),
        ],
      };
    case 'survey':
      return surveyModal(spec);
  }
}

// ---- long replies: consent, leaderboard ----

/** Embeds as ephemeral reply messages: the first carries `content`, the last `components`. */
function replyOf(embeds: APIEmbed[], content: string, components: Row[]): Reply {
  const messages: ReplyMessage[] = packEmbeds(embeds).map((m) => ({
    embeds: m.embeds ?? [],
    flags: MessageFlags.Ephemeral,
    components: [],
  }));
  if (messages.length === 0) messages.push({ embeds: [], flags: MessageFlags.Ephemeral, components: [] });
  messages[0]!.content = clip(content, LIMIT.content);
  messages.at(-1)!.components = components;
  const [first, ...more] = messages;
  return { kind: 'message', message: first!, ...(more.length ? { more } : {}) };
}

/**
 * The consent text in full before "I accept": a text longer than one embed (4,096 characters) or one
 * message (6,000) continues in the next, and the buttons come after its last sentence.
 */
export function consentReply(
  experiment: string,
  consent: { text: string; version: string },
  ids: { accept: string; decline: string },
): Reply {
  const parts = splitText(consent.text, LIMIT.description);
  const embeds: APIEmbed[] = parts.map((part, i) => ({
    ...(i === 0 ? { title: 'Consent' } : { author: { name: 'Consent (continued)' } }),
    description: part,
    ...(i === parts.length - 1 ? { footer: { text: `Version ${consent.version}` } } : {}),
  }));
  const buttons: Row[] = [
    {
      type: ComponentType.ActionRow,
      components: [
        { type: ComponentType.Button, style: ButtonStyle.Success, label: 'I accept', custom_id: ids.accept },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: 'I decline',
          custom_id: ids.decline,
        },
      ],
    },
  ];
  const messages = packEmbeds(embeds).length;
  return replyOf(
    embeds,
    `To join **${experiment}**, read this${messages > 1 ? ` (${messages} messages)` : ''} and accept:`,
    buttons,
  );
}

export interface Board {
  judges: Array<{ rank: number; name: string; n: number; meanReward: number; accuracy: number }>;
  honest: Array<{ rank: number; name: string; rating: number }>;
  dishonest: Array<{ rank: number; name: string; rating: number }>;
  totals?: { judges: number; honest: number; dishonest: number };
}

/** The leaderboard, every line whole: lists split across fields, embeds and messages as they need. */
export function leaderboardReply(experiment: string, board: Board): Reply {
  const more = (shown: number, total: number | undefined) =>
    total !== undefined && total > shown ? [`…and ${total - shown} more`] : [];
  const list = (name: string, lines: string[]) =>
    packLines(lines.length ? lines : ['nobody yet'], name, `${name} (continued)`);
  const fields = [
    ...list('Judges by mean reward', [
      ...board.judges.map(
        (j) =>
          `${j.rank}. ${escapeDiscord(j.name)}: ${j.meanReward.toFixed(3)} (${j.n} judged, ${Math.round(j.accuracy * 100)}% correct)`,
      ),
      ...more(board.judges.length, board.totals?.judges),
    ]),
    ...list('Honest arguers by rating', [
      ...board.honest.map((a) => `${a.rank}. ${escapeDiscord(a.name)}: ${Math.round(a.rating)}`),
      ...more(board.honest.length, board.totals?.honest),
    ]),
    ...list('Dishonest arguers by rating', [
      ...board.dishonest.map((a) => `${a.rank}. ${escapeDiscord(a.name)}: ${Math.round(a.rating)}`),
      ...more(board.dishonest.length, board.totals?.dishonest),
    ]),
  ];
  return replyOf(
    fieldEmbeds(fields, { title: 'Leaderboard' }),
    `Leaderboard of **${experiment}** (pseudonyms only):`,
    [],
  );
}
