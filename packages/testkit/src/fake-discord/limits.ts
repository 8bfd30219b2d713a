/**
 * Discord's documented rules for what a bot sends, checked on everything a bot sends to the fake, so
 * that a payload Discord would refuse is refused here too, with Discord's error shape (code 50035,
 * Invalid Form Body) and the rule broken. Each rule names the page of Discord's documentation it comes
 * from: the public repository `discord/discord-api-docs` (paths below, "Section" after the path), and
 * where the OpenAPI description `discord/discord-api-spec` (specs/openapi.json) is stricter or the only
 * source, its schema name. Where the two disagree the stricter one is enforced and the comment says so.
 */

/** Where each rule comes from (files of discord/discord-api-docs; schemas of discord/discord-api-spec). */
export const DOCS = {
  createMessage: 'developers/resources/message.mdx, "Create Message"',
  editMessage: 'developers/resources/message.mdx, "Edit Message"',
  embedLimits: 'developers/resources/message.mdx, "Embed Limits"',
  allowedMentions: 'developers/resources/message.mdx, "Allowed Mentions Object"',
  messageFlags: 'developers/resources/message.mdx, "Message Flags"',
  customId: 'developers/components/reference.mdx, "Custom ID"',
  actionRow: 'developers/components/reference.mdx, "Action Row"',
  button: 'developers/components/reference.mdx, "Button"',
  stringSelect: 'developers/components/reference.mdx, "String Select"',
  textInput: 'developers/components/reference.mdx, "Text Input"',
  textDisplay: 'developers/components/reference.mdx, "Text Display"',
  label: 'developers/components/reference.mdx, "Label"',
  radioGroup: 'developers/components/reference.mdx, "Radio Group"',
  labelChangelog: 'developers/change-log.mdx, "New Modal Components" (August 25, 2025)',
  componentsV2: 'developers/components/reference.mdx, "Text Display" (IS_COMPONENTS_V2)',
  modal: 'developers/interactions/receiving-and-responding.mdx, "Modal"',
  callbackTypes: 'developers/interactions/receiving-and-responding.mdx, "Interaction Callback Type"',
  callbackData: 'developers/interactions/receiving-and-responding.mdx, "Messages" (callback data)',
  commandNaming: 'developers/interactions/application-commands.mdx, "Application Command Naming"',
  commandOption: 'developers/interactions/application-commands.mdx, "Application Command Option Structure"',
  commandChoice:
    'developers/interactions/application-commands.mdx, "Application Command Option Choice Structure"',
  commandSize: 'developers/interactions/application-commands.mdx, "Slash Commands" (8000 characters)',
  threads: 'developers/resources/channel.mdx, "Start Thread without Message" (auto_archive_duration)',
  rateLimits: 'developers/topics/rate-limits.mdx',
} as const;

export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  embedsTotal: 6000,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  buttonUrl: 512,
  customId: 100,
  selectOptions: 25,
  optionText: 100,
  placeholder: 150,
  modalTitle: 45,
  /** The documentation says 1 to 5; the OpenAPI description allows 40. The documented 5 is enforced. */
  modalComponents: 5,
  labelText: 45,
  labelDescription: 100,
  textInputLabel: 45,
  textInputLength: 4000,
  textInputPlaceholder: 100,
  textDisplay: 4000,
  radioOptionsMin: 2,
  radioOptionsMax: 10,
  nonce: 25,
  threadName: 100,
  mentionIds: 100,
  commandName: 32,
  commandDescription: 100,
  commandOptions: 25,
  commandChoices: 25,
  choiceName: 100,
  choiceValue: 100,
  commandTotal: 8000,
  commandsPerScope: 100,
} as const;

type Json = Record<string, unknown>;

/** A rule broken: what, and the page that says so. */
const broke = (what: string, source: string) => `${what} [${source}]`;

/** Discord measures embed text with leading and trailing whitespace trimmed ("Embed Limits"). */
const measured = (value: unknown): number => (typeof value === 'string' ? value.trim().length : 0);

/** Where a message payload is going: its own rules differ a little. */
export type MessageContext =
  /** POST /channels/{id}/messages */
  | 'create'
  /** PATCH a message (the bot's own or an interaction's original); nothing is required */
  | 'edit'
  /** An interaction callback of type 4 (a reply), or a webhook follow-up */
  | 'interaction';

const FLAGS = {
  SUPPRESS_EMBEDS: 1 << 2,
  EPHEMERAL: 1 << 6,
  IS_VOICE_MESSAGE: 1 << 13,
  SUPPRESS_NOTIFICATIONS: 1 << 12,
  IS_COMPONENTS_V2: 1 << 15,
} as const;

/** Flags a message may be created with ("Create Message": SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS, IS_VOICE_MESSAGE, IS_COMPONENTS_V2; callbacks add EPHEMERAL). */
function allowedFlags(context: MessageContext): number {
  const base =
    FLAGS.SUPPRESS_EMBEDS | FLAGS.SUPPRESS_NOTIFICATIONS | FLAGS.IS_VOICE_MESSAGE | FLAGS.IS_COMPONENTS_V2;
  return context === 'interaction'
    ? base | FLAGS.EPHEMERAL
    : context === 'edit'
      ? base | FLAGS.EPHEMERAL
      : base;
}

/** Problems in a message payload (empty: Discord would take it). `__edit: true` marks an edit (legacy callers). */
export function messageProblems(
  body: Json,
  context: MessageContext = body.__edit ? 'edit' : 'create',
): string[] {
  const problems: string[] = [];
  const content = body.content;
  const v2 = (Number(body.flags ?? 0) & FLAGS.IS_COMPONENTS_V2) !== 0;
  if (content !== undefined && content !== null) {
    if (typeof content !== 'string') problems.push(broke('content: must be a string', DOCS.createMessage));
    else if (content.length > LIMITS.content)
      problems.push(
        broke(
          `content: Must be ${LIMITS.content} or fewer in length (got ${content.length})`,
          DOCS.createMessage,
        ),
      );
  }
  if (body.flags !== undefined && body.flags !== null) {
    const flags = Number(body.flags);
    if (!Number.isInteger(flags) || (flags & ~allowedFlags(context)) !== 0)
      problems.push(broke(`flags: ${body.flags} sets a flag this request cannot set`, DOCS.createMessage));
  }
  const embeds = (body.embeds ?? []) as Json[];
  if (!Array.isArray(embeds)) problems.push(broke('embeds: must be an array', DOCS.createMessage));
  else {
    if (embeds.length > LIMITS.embeds)
      problems.push(broke(`embeds: Must be ${LIMITS.embeds} or fewer in length`, DOCS.createMessage));
    let total = 0;
    embeds.forEach((embed, i) => {
      const check = (value: unknown, limit: number, where: string) => {
        if (value === undefined || value === null) return;
        if (typeof value !== 'string') {
          problems.push(broke(`embeds[${i}].${where}: must be a string`, DOCS.embedLimits));
          return;
        }
        const n = measured(value);
        total += n;
        if (n > limit)
          problems.push(
            broke(`embeds[${i}].${where}: Must be ${limit} or fewer in length (got ${n})`, DOCS.embedLimits),
          );
      };
      check(embed.title, LIMITS.embedTitle, 'title');
      check(embed.description, LIMITS.embedDescription, 'description');
      check((embed.footer as Json | undefined)?.text, LIMITS.footer, 'footer.text');
      check((embed.author as Json | undefined)?.name, LIMITS.author, 'author.name');
      const fields = (embed.fields ?? []) as Json[];
      if (fields.length > LIMITS.embedFields)
        problems.push(
          broke(`embeds[${i}].fields: Must be ${LIMITS.embedFields} or fewer in length`, DOCS.embedLimits),
        );
      fields.forEach((field, j) => {
        // Both are required strings; Discord refuses an empty (or all-blank) name or value.
        if (measured(field.name) === 0 || measured(field.value) === 0)
          problems.push(broke(`embeds[${i}].fields[${j}]: name and value are required`, DOCS.embedLimits));
        check(field.name, LIMITS.fieldName, `fields[${j}].name`);
        check(field.value, LIMITS.fieldValue, `fields[${j}].value`);
      });
    });
    if (total > LIMITS.embedsTotal)
      problems.push(
        broke(
          `embeds: Embed size exceeds maximum size of ${LIMITS.embedsTotal} (got ${total})`,
          DOCS.embedLimits,
        ),
      );
  }
  if (v2 && ((typeof content === 'string' && content.length > 0) || embeds.length > 0))
    problems.push(broke('IS_COMPONENTS_V2: content and embeds cannot be used with it', DOCS.componentsV2));
  problems.push(...allowedMentionsProblems(body.allowed_mentions));
  problems.push(...messageComponentProblems((body.components ?? []) as Json[], v2));
  if (body.nonce !== undefined && String(body.nonce).length > LIMITS.nonce)
    problems.push(broke(`nonce: Must be ${LIMITS.nonce} or fewer in length`, DOCS.createMessage));
  const hasContent =
    (typeof content === 'string' && content.length > 0) ||
    embeds.length > 0 ||
    ((body.components ?? []) as unknown[]).length > 0;
  if (!hasContent && context !== 'edit')
    problems.push(broke('Cannot send an empty message (50006)', DOCS.createMessage));
  return problems;
}

function allowedMentionsProblems(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const problems: string[] = [];
  const am = value as Json;
  const parse = am.parse as unknown[] | undefined;
  if (parse !== undefined) {
    if (!Array.isArray(parse))
      problems.push(broke('allowed_mentions.parse: must be an array', DOCS.allowedMentions));
    else
      for (const p of parse)
        if (p !== 'users' && p !== 'roles' && p !== 'everyone')
          problems.push(
            broke(`allowed_mentions.parse: unknown type ${JSON.stringify(p)}`, DOCS.allowedMentions),
          );
  }
  for (const kind of ['users', 'roles'] as const) {
    const ids = am[kind] as unknown[] | undefined;
    if (ids === undefined || ids === null) continue;
    if (!Array.isArray(ids))
      problems.push(broke(`allowed_mentions.${kind}: must be an array`, DOCS.allowedMentions));
    else {
      if (ids.length > LIMITS.mentionIds)
        problems.push(broke(`allowed_mentions.${kind}: at most ${LIMITS.mentionIds}`, DOCS.allowedMentions));
      // "parse" is mutually exclusive with the list of the same kind (a validation error).
      if (ids.length > 0 && Array.isArray(parse) && parse.includes(kind))
        problems.push(
          broke(
            `allowed_mentions: parse ["${kind}"] and ${kind} are mutually exclusive`,
            DOCS.allowedMentions,
          ),
        );
    }
  }
  return problems;
}

/** Components of a message: action rows of buttons or one select (Components V2 layouts are not used). */
function messageComponentProblems(rows: Json[], v2: boolean): string[] {
  const problems: string[] = [];
  if (!Array.isArray(rows)) return [broke('components: must be an array', DOCS.createMessage)];
  if (!v2 && rows.length > LIMITS.actionRows)
    problems.push(broke(`components: Must be ${LIMITS.actionRows} or fewer in length`, DOCS.actionRow));
  const ids = new Set<string>();
  rows.forEach((row, i) => {
    if (row.type !== 1) {
      problems.push(
        broke(
          `components[${i}]: type ${String(row.type)} at the top level needs the IS_COMPONENTS_V2 flag; this fake checks action rows only`,
          DOCS.componentsV2,
        ),
      );
      return;
    }
    const children = (row.components ?? []) as Json[];
    if (children.length === 0)
      problems.push(broke(`components[${i}].components: at least one component`, DOCS.actionRow));
    const selects = children.filter((c) => c.type !== 2);
    if (selects.length > 0 && children.length > 1)
      problems.push(broke(`components[${i}]: a select menu must be alone in its row`, DOCS.actionRow));
    if (children.length > LIMITS.buttonsPerRow)
      problems.push(
        broke(
          `components[${i}].components: Must be ${LIMITS.buttonsPerRow} or fewer in length`,
          DOCS.actionRow,
        ),
      );
    children.forEach((c, j) => {
      const where = `components[${i}].components[${j}]`;
      if (c.type === 2) problems.push(...buttonProblems(c, where));
      else if (c.type === 3) problems.push(...stringSelectProblems(c, where, 'message'));
      else
        problems.push(
          broke(`${where}: type ${String(c.type)} cannot be in a message's action row here`, DOCS.actionRow),
        );
      const id = c.custom_id;
      if (typeof id === 'string') {
        if (ids.has(id))
          problems.push(broke(`${where}.custom_id: Component custom id cannot be duplicated`, DOCS.customId));
        ids.add(id);
      }
    });
  });
  return problems;
}

function customIdProblems(value: unknown, where: string): string[] {
  if (typeof value !== 'string' || value.length < 1 || value.length > LIMITS.customId)
    return [broke(`${where}.custom_id: must be 1 to ${LIMITS.customId} characters`, DOCS.customId)];
  return [];
}

function buttonProblems(c: Json, where: string): string[] {
  const problems: string[] = [];
  const style = c.style;
  if (![1, 2, 3, 4, 5].includes(Number(style)))
    problems.push(
      broke(`${where}.style: ${String(style)} is not a button style (1-5; 6 needs a SKU)`, DOCS.button),
    );
  if (style === 5) {
    // Link buttons must have a url and cannot have a custom_id.
    if (typeof c.url !== 'string' || c.url.length === 0 || c.custom_id !== undefined)
      problems.push(broke(`${where}: a link button has a url and no custom_id`, DOCS.button));
    else {
      if (c.url.length > LIMITS.buttonUrl)
        problems.push(broke(`${where}.url: Must be ${LIMITS.buttonUrl} or fewer in length`, DOCS.button));
      if (!/^(https?|discord):\/\//.test(c.url))
        problems.push(broke(`${where}.url: must be an http(s) or discord:// URL`, DOCS.button));
    }
  } else {
    // Non-link buttons must have a custom_id and cannot have a url.
    problems.push(...customIdProblems(c.custom_id, where));
    if (c.url !== undefined) problems.push(broke(`${where}: only link buttons have a url`, DOCS.button));
  }
  if (typeof c.label === 'string' && c.label.length > LIMITS.buttonLabel)
    problems.push(broke(`${where}.label: Must be ${LIMITS.buttonLabel} or fewer in length`, DOCS.button));
  if (!c.label && !c.emoji) problems.push(broke(`${where}: a button needs a label or an emoji`, DOCS.button));
  return problems;
}

function stringSelectProblems(c: Json, where: string, surface: 'message' | 'modal'): string[] {
  const problems = customIdProblems(c.custom_id, where);
  const options = (c.options ?? []) as Json[];
  if (!Array.isArray(options) || options.length < 1 || options.length > LIMITS.selectOptions)
    problems.push(
      broke(`${where}.options: Must be between 1 and ${LIMITS.selectOptions} in length`, DOCS.stringSelect),
    );
  const values = new Set<string>();
  let defaults = 0;
  for (const [k, o] of (Array.isArray(options) ? options : []).entries()) {
    for (const key of ['label', 'value'] as const)
      if (
        typeof o[key] !== 'string' ||
        (o[key] as string).length < 1 ||
        (o[key] as string).length > LIMITS.optionText
      )
        problems.push(
          broke(
            `${where}.options[${k}].${key}: must be 1 to ${LIMITS.optionText} characters`,
            DOCS.stringSelect,
          ),
        );
    if (
      o.description !== undefined &&
      (typeof o.description !== 'string' || o.description.length > LIMITS.optionText)
    )
      problems.push(
        broke(
          `${where}.options[${k}].description: Must be ${LIMITS.optionText} or fewer in length`,
          DOCS.stringSelect,
        ),
      );
    if (values.has(String(o.value)))
      problems.push(broke(`${where}.options: values must be unique`, DOCS.stringSelect));
    values.add(String(o.value));
    if (o.default === true) defaults += 1;
  }
  if (typeof c.placeholder === 'string' && c.placeholder.length > LIMITS.placeholder)
    problems.push(
      broke(`${where}.placeholder: Must be ${LIMITS.placeholder} or fewer in length`, DOCS.stringSelect),
    );
  const min = c.min_values === undefined ? 1 : Number(c.min_values);
  const max = c.max_values === undefined ? 1 : Number(c.max_values);
  if (!Number.isInteger(min) || min < 0 || min > 25)
    problems.push(broke(`${where}.min_values: must be 0 to 25`, DOCS.stringSelect));
  if (!Number.isInteger(max) || max < 1 || max > 25)
    problems.push(broke(`${where}.max_values: must be 1 to 25`, DOCS.stringSelect));
  if (min > max) problems.push(broke(`${where}: min_values is more than max_values`, DOCS.stringSelect));
  if (Array.isArray(options) && max > options.length)
    problems.push(broke(`${where}.max_values: more than the ${options.length} options`, DOCS.stringSelect));
  if (defaults > max)
    problems.push(broke(`${where}: more options are default than max_values allows`, DOCS.stringSelect));
  if (surface === 'modal') {
    // In a modal: no `disabled`; `min_values` omitted or at least 1 while `required` is true.
    if (c.disabled !== undefined)
      problems.push(broke(`${where}.disabled: not allowed in a modal`, DOCS.stringSelect));
    if (c.required !== false && c.min_values !== undefined && Number(c.min_values) < 1)
      problems.push(broke(`${where}.min_values: at least 1 when the select is required`, DOCS.stringSelect));
  } else if (c.required !== undefined) {
    // Ignored in messages: accepted.
  }
  return problems;
}

function textInputProblems(c: Json, where: string, inLabel: boolean): string[] {
  const problems = customIdProblems(c.custom_id, where);
  if (c.style !== 1 && c.style !== 2)
    problems.push(broke(`${where}.style: must be 1 (short) or 2 (paragraph)`, DOCS.textInput));
  if (inLabel) {
    // "When a Text Input is used in a Label component the `label` field on the Text Input is not allowed."
    if (c.label !== undefined)
      problems.push(broke(`${where}.label: not allowed inside a Label component`, DOCS.labelChangelog));
  } else {
    const label = typeof c.label === 'string' ? c.label : '';
    if (label.length < 1 || label.length > LIMITS.textInputLabel)
      problems.push(
        broke(`${where}.label: Must be between 1 and ${LIMITS.textInputLabel} in length`, DOCS.textInput),
      );
  }
  const min = c.min_length === undefined ? undefined : Number(c.min_length);
  const max = c.max_length === undefined ? undefined : Number(c.max_length);
  if (min !== undefined && (!Number.isInteger(min) || min < 0 || min > LIMITS.textInputLength))
    problems.push(broke(`${where}.min_length: must be 0 to ${LIMITS.textInputLength}`, DOCS.textInput));
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > LIMITS.textInputLength))
    problems.push(broke(`${where}.max_length: must be 1 to ${LIMITS.textInputLength}`, DOCS.textInput));
  if (min !== undefined && max !== undefined && min > max)
    problems.push(broke(`${where}: min_length is more than max_length`, DOCS.textInput));
  if (c.value !== undefined) {
    const value = String(c.value);
    if (value.length > LIMITS.textInputLength)
      problems.push(
        broke(`${where}.value: Must be ${LIMITS.textInputLength} or fewer in length`, DOCS.textInput),
      );
    if (max !== undefined && value.length > max)
      problems.push(broke(`${where}.value: longer than its max_length ${max}`, DOCS.textInput));
  }
  if (typeof c.placeholder === 'string' && c.placeholder.length > LIMITS.textInputPlaceholder)
    problems.push(
      broke(
        `${where}.placeholder: Must be ${LIMITS.textInputPlaceholder} or fewer in length`,
        DOCS.textInput,
      ),
    );
  return problems;
}

function radioGroupProblems(c: Json, where: string): string[] {
  const problems = customIdProblems(c.custom_id, where);
  const options = (c.options ?? []) as Json[];
  if (
    !Array.isArray(options) ||
    options.length < LIMITS.radioOptionsMin ||
    options.length > LIMITS.radioOptionsMax
  )
    problems.push(
      broke(
        `${where}.options: must have ${LIMITS.radioOptionsMin} to ${LIMITS.radioOptionsMax}`,
        DOCS.radioGroup,
      ),
    );
  const values = new Set<string>();
  let defaults = 0;
  for (const [k, o] of (Array.isArray(options) ? options : []).entries()) {
    for (const key of ['label', 'value'] as const)
      if (
        typeof o[key] !== 'string' ||
        (o[key] as string).length < 1 ||
        (o[key] as string).length > LIMITS.optionText
      )
        problems.push(
          broke(
            `${where}.options[${k}].${key}: must be 1 to ${LIMITS.optionText} characters`,
            DOCS.radioGroup,
          ),
        );
    if (typeof o.description === 'string' && o.description.length > LIMITS.optionText)
      problems.push(
        broke(`${where}.options[${k}].description: Must be ${LIMITS.optionText} or fewer`, DOCS.radioGroup),
      );
    if (values.has(String(o.value)))
      problems.push(broke(`${where}.options: values must be unique`, DOCS.radioGroup));
    values.add(String(o.value));
    if (o.default === true) defaults += 1;
  }
  if (defaults > 1) problems.push(broke(`${where}: at most one option is default`, DOCS.radioGroup));
  return problems;
}

/** Problems in a modal (interaction callback type 9). */
export function modalProblems(modal: Json): string[] {
  const problems: string[] = [];
  const title = String(modal.title ?? '');
  if (!title || title.length > LIMITS.modalTitle)
    problems.push(broke(`data.title: Must be between 1 and ${LIMITS.modalTitle} in length`, DOCS.modal));
  problems.push(...customIdProblems(modal.custom_id, 'data'));
  const top = (modal.components ?? []) as Json[];
  if (!Array.isArray(top) || top.length < 1 || top.length > LIMITS.modalComponents)
    problems.push(
      broke(`data.components: Must be between 1 and ${LIMITS.modalComponents} in length`, DOCS.modal),
    );
  const ids = new Set<string>();
  let inputs = 0;
  (Array.isArray(top) ? top : []).forEach((c, i) => {
    const where = `data.components[${i}]`;
    const children: Array<{ child: Json; where: string }> = [];
    if (c.type === 18) {
      const label = typeof c.label === 'string' ? c.label : '';
      if (label.length < 1 || label.length > LIMITS.labelText)
        problems.push(
          broke(`${where}.label: Must be between 1 and ${LIMITS.labelText} in length`, DOCS.label),
        );
      if (
        c.description !== undefined &&
        (typeof c.description !== 'string' ||
          c.description.length < 1 ||
          c.description.length > LIMITS.labelDescription)
      )
        problems.push(
          broke(
            `${where}.description: Must be between 1 and ${LIMITS.labelDescription} in length`,
            DOCS.label,
          ),
        );
      const child = c.component as Json | undefined;
      if (!child || typeof child !== 'object')
        problems.push(broke(`${where}.component: required`, DOCS.label));
      else {
        children.push({ child, where: `${where}.component` });
        if (child.type === 4) problems.push(...textInputProblems(child, `${where}.component`, true));
        else if (child.type === 3)
          problems.push(...stringSelectProblems(child, `${where}.component`, 'modal'));
        else if (child.type === 21) problems.push(...radioGroupProblems(child, `${where}.component`));
        else
          problems.push(
            broke(`${where}.component: type ${String(child.type)} is not checked by this fake`, DOCS.label),
          );
      }
    } else if (c.type === 10) {
      const content = typeof c.content === 'string' ? c.content : '';
      if (content.length < 1 || content.length > LIMITS.textDisplay)
        problems.push(
          broke(`${where}.content: Must be between 1 and ${LIMITS.textDisplay} in length`, DOCS.textDisplay),
        );
    } else if (c.type === 1) {
      // Deprecated in modals ("Action Row"), still accepted: exactly one text input, with its own label.
      const rowChildren = (c.components ?? []) as Json[];
      if (rowChildren.length !== 1 || rowChildren[0]!.type !== 4)
        problems.push(
          broke(`${where}: an action row in a modal holds exactly one text input`, DOCS.actionRow),
        );
      for (const [j, child] of rowChildren.entries()) {
        children.push({ child, where: `${where}.components[${j}]` });
        if (child.type === 4) problems.push(...textInputProblems(child, `${where}.components[${j}]`, false));
      }
    } else
      problems.push(
        broke(`${where}: type ${String(c.type)} cannot be a modal's top-level component`, DOCS.modal),
      );
    for (const { child, where: at } of children) {
      inputs += 1;
      const id = child.custom_id;
      if (typeof id === 'string') {
        if (ids.has(id))
          problems.push(broke(`${at}.custom_id: Component custom id cannot be duplicated`, DOCS.customId));
        ids.add(id);
      }
    }
  });
  if (inputs === 0) problems.push(broke('data.components: a modal needs at least one input', DOCS.modal));
  return problems;
}

/** The interactive components of a modal (inside labels or, deprecated, action rows), in order. */
export function modalInputs(modal: Json): Json[] {
  return ((modal.components ?? []) as Json[]).flatMap((row) =>
    row.type === 1 ? ((row.components ?? []) as Json[]) : row.type === 18 ? [row.component as Json] : [],
  );
}

/** The words a person reads in a modal: title, text displays, labels and descriptions, placeholders, options. */
export function modalText(modal: Json): string {
  const parts: string[] = [String(modal.title ?? '')];
  for (const c of (modal.components ?? []) as Json[]) {
    if (c.type === 10) parts.push(String(c.content ?? ''));
    if (c.type === 18) parts.push(String(c.label ?? ''), String(c.description ?? ''));
  }
  for (const input of modalInputs(modal)) {
    parts.push(String(input.label ?? ''), String(input.placeholder ?? ''));
    for (const o of (input.options ?? []) as Json[])
      parts.push(String(o.label ?? ''), String(o.description ?? ''));
  }
  return parts.filter(Boolean).join('\n');
}

/**
 * Problems with an interaction callback: its type must suit the interaction, a modal cannot answer a
 * modal, a deferral may carry only the EPHEMERAL flag, and its data must be a valid message or modal.
 */
export function callbackProblems(interactionType: number, type: number, data: Json | null): string[] {
  const problems: string[] = [];
  if (![1, 4, 5, 6, 7, 8, 9].includes(type))
    problems.push(broke(`type: ${type} is not a callback type`, DOCS.callbackTypes));
  // DEFERRED_UPDATE_MESSAGE and UPDATE_MESSAGE: "Only valid for component-based interactions" (and a
  // modal submitted from a component's message, which updates that message).
  if ((type === 6 || type === 7) && interactionType !== 3 && interactionType !== 5)
    problems.push(broke('type: updates answer component interactions only', DOCS.callbackTypes));
  if (type === 9 && (interactionType === 5 || interactionType === 1))
    problems.push(
      broke('type: MODAL is not available for MODAL_SUBMIT and PING interactions', DOCS.callbackTypes),
    );
  if (type === 5 && data?.flags !== undefined && (Number(data.flags) & ~FLAGS.EPHEMERAL) !== 0)
    problems.push(broke('data.flags: a deferred reply may only set EPHEMERAL', DOCS.callbackData));
  if (type === 4) problems.push(...messageProblems(data ?? {}, 'interaction'));
  if (type === 7) problems.push(...messageProblems(data ?? {}, 'edit'));
  if (type === 9) problems.push(...modalProblems(data ?? {}));
  return problems;
}

/** Problems in a set of slash command definitions (PUT .../commands). */
export function commandProblems(body: unknown): string[] {
  if (!Array.isArray(body)) return [broke('body: an array of commands', DOCS.commandNaming)];
  const problems: string[] = [];
  if (body.length > LIMITS.commandsPerScope)
    problems.push(broke(`commands: at most ${LIMITS.commandsPerScope}`, DOCS.commandNaming));
  const names = new Set<string>();
  const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;
  const nameProblems = (name: unknown, where: string) => {
    const n = String(name ?? '');
    if (!NAME.test(n))
      problems.push(
        broke(`${where}.name: must match the command name pattern, 1-32 characters`, DOCS.commandNaming),
      );
    // "If there is a lowercase variant of any letters used, you must use those."
    if (n !== n.toLowerCase()) problems.push(broke(`${where}.name: must be lowercase`, DOCS.commandNaming));
  };
  const descriptionProblems = (d: unknown, where: string) => {
    const text = typeof d === 'string' ? d : '';
    if (text.length < 1 || text.length > LIMITS.commandDescription)
      problems.push(
        broke(`${where}.description: 1 to ${LIMITS.commandDescription} characters`, DOCS.commandOption),
      );
  };
  (body as Json[]).forEach((command, i) => {
    const where = `[${i}]`;
    nameProblems(command.name, where);
    descriptionProblems(command.description, where);
    if (names.has(String(command.name)))
      problems.push(broke(`${where}.name: two commands named ${String(command.name)}`, DOCS.commandNaming));
    names.add(String(command.name));
    let size = String(command.name ?? '').length + String(command.description ?? '').length;
    const options = (opts: Json[] | undefined, at: string, depth: number) => {
      if (!opts) return;
      if (opts.length > LIMITS.commandOptions)
        problems.push(broke(`${at}.options: at most ${LIMITS.commandOptions}`, DOCS.commandOption));
      let optional = false;
      const seen = new Set<string>();
      opts.forEach((o, j) => {
        const w = `${at}.options[${j}]`;
        nameProblems(o.name, w);
        descriptionProblems(o.description, w);
        if (seen.has(String(o.name))) problems.push(broke(`${w}.name: repeated`, DOCS.commandOption));
        seen.add(String(o.name));
        size += String(o.name ?? '').length + String(o.description ?? '').length;
        const type = Number(o.type);
        const nested = type === 1 || type === 2;
        if (nested && depth >= (type === 2 ? 1 : 2))
          problems.push(broke(`${w}: subcommands nest at most two deep`, DOCS.commandOption));
        if (!nested) {
          // "Required options must be listed before optional options."
          if (o.required === true && optional)
            problems.push(broke(`${w}: a required option after an optional one`, DOCS.commandOption));
          if (o.required !== true) optional = true;
        }
        const choices = (o.choices ?? []) as Json[];
        if (choices.length > LIMITS.commandChoices)
          problems.push(broke(`${w}.choices: at most ${LIMITS.commandChoices}`, DOCS.commandOption));
        choices.forEach((c, k) => {
          const name = typeof c.name === 'string' ? c.name : '';
          if (name.length < 1 || name.length > LIMITS.choiceName)
            problems.push(
              broke(`${w}.choices[${k}].name: 1 to ${LIMITS.choiceName} characters`, DOCS.commandChoice),
            );
          if (typeof c.value === 'string' && c.value.length > LIMITS.choiceValue)
            problems.push(
              broke(`${w}.choices[${k}].value: at most ${LIMITS.choiceValue} characters`, DOCS.commandChoice),
            );
          size += name.length + String(c.value ?? '').length;
        });
        options(o.options as Json[] | undefined, w, nested ? depth + 1 : depth);
      });
    };
    options(command.options as Json[] | undefined, where, 0);
    if (size > LIMITS.commandTotal)
      problems.push(
        broke(
          `${where}: ${size} characters of names, descriptions and values; the most is ${LIMITS.commandTotal}`,
          DOCS.commandSize,
        ),
      );
  });
  return problems;
}

/** Thread creation rules (name length, archive durations). */
export function threadProblems(body: Json): string[] {
  const problems: string[] = [];
  const name = String(body.name ?? '');
  if (!name || name.length > LIMITS.threadName)
    problems.push(broke(`name: 1 to ${LIMITS.threadName} characters`, DOCS.threads));
  if (
    body.auto_archive_duration !== undefined &&
    ![60, 1440, 4320, 10080].includes(Number(body.auto_archive_duration))
  )
    problems.push(broke('auto_archive_duration: one of 60, 1440, 4320, 10080', DOCS.threads));
  return problems;
}

/** Who a message would notify, as Discord parses mentions under `allowed_mentions`. */
export interface Pings {
  users: string[];
  roles: string[];
  everyone: boolean;
  /** Mentions that notify only because a `parse` type (or the default) let them: nothing named them. */
  implicit: string[];
}

/**
 * The mentions in a message's content that would notify someone ("Allowed Mentions Object"): regular
 * messages parse every type by default, interaction replies and webhooks only users; `parse` and the
 * `users` / `roles` lists narrow it. Embeds never notify. An ephemeral reply notifies nobody else.
 */
export function pingsOf(body: Json, context: 'message' | 'interaction'): Pings {
  const content = typeof body.content === 'string' ? body.content : '';
  const am = (body.allowed_mentions ?? null) as Json | null;
  const parse = new Set<string>(
    am
      ? (((am.parse as string[]) ?? []) as string[])
      : context === 'message'
        ? ['users', 'roles', 'everyone']
        : ['users'],
  );
  const listed = (kind: 'users' | 'roles') => new Set(((am?.[kind] as string[]) ?? []).map(String));
  const out: Pings = { users: [], roles: [], everyone: false, implicit: [] };
  for (const m of content.matchAll(/<@!?(\d{5,25})>/g)) {
    const id = m[1]!;
    if (listed('users').has(id)) out.users.push(id);
    else if (parse.has('users')) {
      out.users.push(id);
      out.implicit.push(`<@${id}>`);
    }
  }
  for (const m of content.matchAll(/<@&(\d{5,25})>/g)) {
    const id = m[1]!;
    if (listed('roles').has(id)) out.roles.push(id);
    else if (parse.has('roles')) {
      out.roles.push(id);
      out.implicit.push(`<@&${id}>`);
    }
  }
  for (const m of content.matchAll(/(?<!\\)@(everyone|here)\b/g))
    if (parse.has('everyone')) {
      out.everyone = true;
      out.implicit.push(`@${m[1]}`);
    }
  return out;
}
