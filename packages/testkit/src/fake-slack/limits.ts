/**
 * Block Kit and message rules as Slack documents them, checked on every message and view an app sends
 * the fake, so an app that Slack would refuse (`invalid_blocks`, `invalid_arguments`) is refused here
 * too, naming each rule broken and the page of Slack's documentation (docs.slack.dev) it comes from.
 * Only the block and element types chat apps commonly send are known; an unknown type is refused, as
 * a misspelt one is on Slack. Where `@slack/types` disagrees with the documentation (an option's
 * value: 75 there, 150 in the documentation), the documentation is followed.
 */

const REF = 'https://docs.slack.dev/reference/block-kit';
export const DOCS = {
  text: `${REF}/composition-objects/text-object`,
  option: `${REF}/composition-objects/option-object`,
  section: `${REF}/blocks/section-block`,
  header: `${REF}/blocks/header-block`,
  context: `${REF}/blocks/context-block`,
  actions: `${REF}/blocks/actions-block`,
  input: `${REF}/blocks/input-block`,
  divider: `${REF}/blocks/divider-block`,
  blocks: `${REF}/blocks`,
  button: `${REF}/block-elements/button-element`,
  staticSelect: `${REF}/block-elements/select-menu-element#static_select`,
  radio: `${REF}/block-elements/radio-button-group-element`,
  checkboxes: `${REF}/block-elements/checkboxes-element`,
  plainTextInput: `${REF}/block-elements/plain-text-input-element`,
  numberInput: `${REF}/block-elements/number-input-element`,
  views: 'https://docs.slack.dev/reference/views',
  modals: 'https://docs.slack.dev/surfaces/modals',
  viewSubmission:
    'https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload#view_submission',
  postMessage: 'https://docs.slack.dev/reference/methods/chat.postMessage',
  truncation: 'https://api.slack.com/changelog/2018-04-truncating-really-long-messages',
  formatting: 'https://docs.slack.dev/messaging/formatting-message-text',
  rateLimits: 'https://docs.slack.dev/apis/web-api/rate-limits',
} as const;

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  viewStack: 3,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  optionText: 75,
  optionDescription: 75,
  /** The documentation says 150; `@slack/types` still says 75. */
  optionValue: 150,
  selectOptions: 100,
  radioOptions: 10,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputMax: 3000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  /** Longer `text` is truncated by Slack, not refused. */
  messageText: 40000,
} as const;

type Json = Record<string, unknown>;

export class BlockKitError extends Error {}

type Surface = 'message' | 'modal' | 'home';

/** Collects broken rules; each names where and the page that states the rule. */
class Problems {
  readonly list: string[] = [];
  add(where: string, message: string, source: string): void {
    this.list.push(`${where}: ${message} [${source}]`);
  }
}

function textObject(p: Problems, where: string, value: unknown, max: number, plainOnly = false): void {
  if (typeof value !== 'object' || value === null) {
    p.add(where, 'must be a text object', DOCS.text);
    return;
  }
  const t = value as Json;
  if (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn')) {
    p.add(where, `type must be plain_text${plainOnly ? '' : ' or mrkdwn'}`, DOCS.text);
    return;
  }
  if (typeof t.text !== 'string' || t.text.length === 0)
    p.add(where, 'text must be a non-empty string', DOCS.text);
  else if (t.text.length > max)
    p.add(where, `text is ${t.text.length} characters; the limit is ${max}`, DOCS.text);
  // "emoji" is a field of plain_text only, "verbatim" of mrkdwn only.
  if (t.emoji !== undefined && t.type !== 'plain_text')
    p.add(where, 'emoji is only for plain_text', DOCS.text);
  if (t.verbatim !== undefined && t.type !== 'mrkdwn') p.add(where, 'verbatim is only for mrkdwn', DOCS.text);
}

function stringId(p: Problems, where: string, value: unknown, max: number, source: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) p.add(where, 'must be a non-empty string', source);
  else if (value.length > max) p.add(where, `is ${value.length} characters; the limit is ${max}`, source);
}

function url(p: Problems, where: string, value: unknown, source: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) p.add(where, 'must be a URL', source);
  else if (value.length > LIMITS.url)
    p.add(where, `is ${value.length} characters; the limit is ${LIMITS.url}`, source);
}

function option(p: Problems, where: string, value: unknown, plainOnly: boolean): void {
  const o = (value ?? {}) as Json;
  textObject(p, `${where}.text`, o.text, LIMITS.optionText, plainOnly);
  if (typeof o.value !== 'string' || o.value.length === 0 || o.value.length > LIMITS.optionValue)
    p.add(`${where}.value`, `must be a string of 1 to ${LIMITS.optionValue} characters`, DOCS.option);
  if (o.description !== undefined)
    textObject(p, `${where}.description`, o.description, LIMITS.optionDescription, true);
  if (o.url !== undefined) p.add(`${where}.url`, 'only overflow menus take a url', DOCS.option);
}

/** Options with unique values, and an initial option that is one of them (Slack compares the whole object). */
function options(p: Problems, where: string, e: Json, max: number, plainOnly: boolean, source: string): void {
  const list = e.options as unknown[] | undefined;
  if (!Array.isArray(list) || list.length === 0) {
    p.add(`${where}.options`, 'must be a non-empty array', source);
    return;
  }
  if (list.length > max) p.add(`${where}.options`, `has ${list.length}; the limit is ${max}`, source);
  const values = new Set<string>();
  for (const [i, o] of list.entries()) {
    option(p, `${where}.options[${i}]`, o, plainOnly);
    const v = String((o as Json).value);
    if (values.has(v))
      p.add(`${where}.options[${i}].value`, `"${v}" repeats an earlier option's value`, DOCS.option);
    values.add(v);
  }
  if (e.initial_option !== undefined) {
    const initial = JSON.stringify(e.initial_option);
    if (!list.some((o) => JSON.stringify(o) === initial))
      p.add(`${where}.initial_option`, 'must be exactly one of the options', source);
  }
}

function element(
  p: Problems,
  where: string,
  value: unknown,
  surface: Surface,
  inInput: boolean,
): string | null {
  const e = (value ?? {}) as Json;
  stringId(p, `${where}.action_id`, e.action_id, LIMITS.actionId, DOCS.blocks);
  switch (e.type) {
    case 'button':
      if (inInput) p.add(where, 'a button cannot be an input block element', DOCS.input);
      textObject(p, `${where}.text`, e.text, LIMITS.buttonText, true);
      if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > LIMITS.buttonValue))
        p.add(`${where}.value`, `must be at most ${LIMITS.buttonValue} characters`, DOCS.button);
      url(p, `${where}.url`, e.url, DOCS.button);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
        p.add(`${where}.style`, 'must be primary or danger', DOCS.button);
      break;
    case 'static_select':
      options(p, where, e, LIMITS.selectOptions, true, DOCS.staticSelect);
      if (e.placeholder !== undefined)
        textObject(p, `${where}.placeholder`, e.placeholder, LIMITS.placeholder, true);
      break;
    case 'radio_buttons':
      options(p, where, e, LIMITS.radioOptions, false, DOCS.radio);
      break;
    case 'checkboxes':
      options(p, where, e, LIMITS.radioOptions, false, DOCS.checkboxes);
      break;
    case 'plain_text_input': {
      if (!inInput) p.add(where, 'a plain-text input goes in an input block', DOCS.plainTextInput);
      const max = e.max_length as number | undefined;
      const min = e.min_length as number | undefined;
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > LIMITS.plainTextInputMax))
        p.add(`${where}.max_length`, `must be 1 to ${LIMITS.plainTextInputMax}`, DOCS.plainTextInput);
      if (min !== undefined && (!Number.isInteger(min) || min < 0 || min > LIMITS.plainTextInputMax))
        p.add(`${where}.min_length`, `must be 0 to ${LIMITS.plainTextInputMax}`, DOCS.plainTextInput);
      if (min !== undefined && max !== undefined && min > max)
        p.add(where, 'min_length is more than max_length', DOCS.plainTextInput);
      if (typeof e.initial_value === 'string' && max !== undefined && e.initial_value.length > max)
        p.add(`${where}.initial_value`, `is longer than max_length ${max}`, DOCS.plainTextInput);
      if (e.placeholder !== undefined)
        textObject(p, `${where}.placeholder`, e.placeholder, LIMITS.placeholder, true);
      break;
    }
    case 'number_input':
      if (!inInput) p.add(where, 'a number input goes in an input block', DOCS.numberInput);
      if (typeof e.is_decimal_allowed !== 'boolean')
        p.add(`${where}.is_decimal_allowed`, 'is required', DOCS.numberInput);
      break;
    default:
      p.add(where, `unsupported element type ${JSON.stringify(e.type)}`, DOCS.blocks);
      return null;
  }
  void surface;
  return typeof e.action_id === 'string' ? e.action_id : null;
}

function block(p: Problems, where: string, value: unknown, surface: Surface): void {
  const b = (value ?? {}) as Json;
  stringId(p, `${where}.block_id`, b.block_id, LIMITS.blockId, DOCS.blocks);
  // "Should be unique among all other action_ids in the containing block."
  const actionIds = new Set<string>();
  const seen = (id: string | null, at: string) => {
    if (id === null) return;
    if (actionIds.has(id)) p.add(`${at}.action_id`, `"${id}" repeats an action_id in its block`, DOCS.blocks);
    actionIds.add(id);
  };
  switch (b.type) {
    case 'section': {
      if (b.text === undefined && b.fields === undefined)
        p.add(where, 'a section needs text or fields', DOCS.section);
      if (b.text !== undefined) textObject(p, `${where}.text`, b.text, LIMITS.sectionText);
      if (b.fields !== undefined) {
        const fields = b.fields as unknown[];
        if (!Array.isArray(fields) || fields.length > LIMITS.sectionFields)
          p.add(`${where}.fields`, `at most ${LIMITS.sectionFields}`, DOCS.section);
        else
          for (const [i, f] of fields.entries()) textObject(p, `${where}.fields[${i}]`, f, LIMITS.fieldText);
      }
      if (b.accessory !== undefined)
        seen(element(p, `${where}.accessory`, b.accessory, surface, false), `${where}.accessory`);
      return;
    }
    case 'header':
      textObject(p, `${where}.text`, b.text, LIMITS.headerText, true);
      return;
    case 'divider':
      return;
    case 'context': {
      const elements = b.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > LIMITS.contextElements) {
        p.add(`${where}.elements`, `must have 1 to ${LIMITS.contextElements}`, DOCS.context);
        return;
      }
      for (const [i, e] of elements.entries())
        textObject(p, `${where}.elements[${i}]`, e, LIMITS.sectionText);
      return;
    }
    case 'actions': {
      const elements = b.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > LIMITS.actionsElements) {
        p.add(`${where}.elements`, `must have 1 to ${LIMITS.actionsElements}`, DOCS.actions);
        return;
      }
      for (const [i, e] of elements.entries())
        seen(element(p, `${where}.elements[${i}]`, e, surface, false), `${where}.elements[${i}]`);
      return;
    }
    case 'input': {
      if (surface === 'message') p.add(where, 'input blocks are for modals (and Home tabs)', DOCS.input);
      textObject(p, `${where}.label`, b.label, LIMITS.inputLabel, true);
      if (b.hint !== undefined) textObject(p, `${where}.hint`, b.hint, LIMITS.inputHint, true);
      element(p, `${where}.element`, b.element, surface, true);
      return;
    }
    default:
      p.add(where, `unsupported block type ${JSON.stringify(b.type)}`, DOCS.blocks);
  }
}

/** block_ids must be unique in a message or a view (for each iteration of a message). */
function blockList(p: Problems, where: string, blocks: unknown[], surface: Surface): void {
  const ids = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    block(p, `${where}[${i}]`, b, surface);
    const id = (b as Json)?.block_id;
    if (typeof id === 'string') {
      if (ids.has(id))
        p.add(`${where}[${i}].block_id`, `"${id}" repeats an earlier block's block_id`, DOCS.blocks);
      ids.add(id);
    }
  }
}

/** Problems in a message (empty: Slack takes it). `text` over 40,000 characters is truncated, not refused. */
export function messageProblems(blocks: unknown, messageText: unknown): string[] {
  const p = new Problems();
  if (messageText !== undefined && typeof messageText !== 'string')
    p.add('text', 'must be a string', DOCS.postMessage);
  if (blocks === undefined || blocks === null) {
    if (typeof messageText !== 'string' || messageText.length === 0)
      p.add('message', 'needs text or blocks', DOCS.postMessage);
    return p.list;
  }
  if (!Array.isArray(blocks)) {
    p.add('blocks', 'must be an array', DOCS.blocks);
    return p.list;
  }
  if (blocks.length > LIMITS.messageBlocks)
    p.add('blocks', `has ${blocks.length}; a message allows ${LIMITS.messageBlocks}`, DOCS.blocks);
  blockList(p, 'blocks', blocks, 'message');
  return p.list;
}

/** Problems in a view (modal or Home tab). */
export function viewProblems(view: unknown): string[] {
  const p = new Problems();
  const v = view as Json;
  if (typeof v !== 'object' || v === null) {
    p.add('view', 'must be an object', DOCS.views);
    return p.list;
  }
  if (v.type !== 'modal' && v.type !== 'home') p.add('view.type', 'must be modal or home', DOCS.views);
  const blocks = v.blocks as unknown[];
  if (!Array.isArray(blocks)) {
    p.add('view.blocks', 'must be an array', DOCS.views);
    return p.list;
  }
  if (blocks.length > LIMITS.viewBlocks)
    p.add('view.blocks', `has ${blocks.length}; a view allows ${LIMITS.viewBlocks}`, DOCS.views);
  stringId(p, 'view.callback_id', v.callback_id, LIMITS.callbackId, DOCS.views);
  if (
    v.private_metadata !== undefined &&
    (typeof v.private_metadata !== 'string' || v.private_metadata.length > LIMITS.privateMetadata)
  )
    p.add('view.private_metadata', `a string of at most ${LIMITS.privateMetadata} characters`, DOCS.views);
  if (v.type === 'modal') {
    textObject(p, 'view.title', v.title, LIMITS.viewTitle, true);
    if (v.submit !== undefined) textObject(p, 'view.submit', v.submit, LIMITS.viewButton, true);
    if (v.close !== undefined) textObject(p, 'view.close', v.close, LIMITS.viewButton, true);
    if (blocks.some((b) => (b as Json)?.type === 'input') && v.submit === undefined)
      p.add('view.submit', 'a modal with input blocks needs a submit button', DOCS.views);
  }
  blockList(p, 'view.blocks', blocks, v.type === 'home' ? 'home' : 'modal');
  return p.list;
}

/**
 * Problems with an app's answer to a view submission: `errors` must name input blocks of the
 * submitted view by their block_id; `update` and `push` carry a valid view.
 */
export function submissionAnswerProblems(answer: unknown, submitted: Json): string[] {
  if (answer === undefined || answer === null || answer === '') return [];
  const a = answer as Json;
  const p = new Problems();
  if (a.response_action === 'errors') {
    const inputs = new Set(
      ((submitted.blocks as Json[]) ?? []).filter((b) => b.type === 'input').map((b) => String(b.block_id)),
    );
    const errors = (a.errors ?? {}) as Json;
    if (Object.keys(errors).length === 0)
      p.add('errors', 'must name at least one input block', DOCS.viewSubmission);
    for (const [key, message] of Object.entries(errors)) {
      if (!inputs.has(key))
        p.add(`errors.${key}`, 'is not the block_id of an input block in the view', DOCS.viewSubmission);
      if (typeof message !== 'string' || message.length === 0)
        p.add(`errors.${key}`, 'must be a message', DOCS.viewSubmission);
    }
  } else if (a.response_action === 'update' || a.response_action === 'push') {
    p.list.push(...viewProblems(a.view));
  } else if (a.response_action !== 'clear' && Object.keys(a).length > 0)
    p.add('response_action', `unknown ${JSON.stringify(a.response_action)}`, DOCS.viewSubmission);
  return p.list;
}

/** Throws a BlockKitError naming the first rule a message breaks. */
export function checkMessage(blocks: unknown, messageText: unknown): void {
  const problems = messageProblems(blocks, messageText);
  if (problems.length) throw new BlockKitError(problems.join('; '));
}

/** Throws a BlockKitError naming the first rule a view breaks. */
export function checkView(view: unknown): void {
  const problems = viewProblems(view);
  if (problems.length) throw new BlockKitError(problems.join('; '));
}

/** What Slack parses out of `text` and mrkdwn (formatting-message-text): mentions and links. */
export interface Parsed {
  /** `<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^ID>`: they notify many people. */
  special: string[];
  /** `<@U…>` user mentions. */
  users: string[];
  /** `<https://…|label>` and `<https://…>` links. */
  links: string[];
}

/** Mentions and links Slack would find in a message's `text` and its mrkdwn text objects (plain_text is literal). */
export function parseMessage(text: unknown, blocks: unknown): Parsed {
  const strings: string[] = typeof text === 'string' ? [text] : [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) for (const v of value) walk(v);
    else if (value && typeof value === 'object') {
      const o = value as Json;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') strings.push(o.text);
      for (const [key, v] of Object.entries(o)) if (key !== 'text' || typeof v !== 'string') walk(v);
    }
  };
  walk(blocks);
  const out: Parsed = { special: [], users: [], links: [] };
  for (const s of strings) {
    for (const m of s.matchAll(/<!(here|channel|everyone|subteam\^[A-Z0-9]+)(\|[^>]*)?>/g))
      out.special.push(`<!${m[1]}>`);
    for (const m of s.matchAll(/<@([UW][A-Z0-9]+)(\|[^>]*)?>/g)) out.users.push(m[1]!);
    for (const m of s.matchAll(/<((?:https?|mailto):[^|>]+)(\|[^>]*)?>/g)) out.links.push(m[1]!);
  }
  return out;
}
