/**
 * Block Kit limits as Slack enforces them, so an app that would be refused by Slack is refused by
 * the fake too (`invalid_blocks`, `invalid_arguments`), with the first violation named. Only the
 * limits of the block and element types chat apps commonly send are checked; an unknown type is an
 * error, as it is on Slack.
 */

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
  actionId: 255,
  blockId: 255,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  plainTextInputMax: 3000,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  messageText: 40000,
} as const;

type Json = Record<string, unknown>;

export class BlockKitError extends Error {}

function fail(where: string, message: string): never {
  throw new BlockKitError(`${where}: ${message}`);
}

function text(where: string, value: unknown, max: number, plainOnly = false): void {
  if (typeof value !== 'object' || value === null) fail(where, 'must be a text object');
  const t = value as Json;
  if (t.type !== 'plain_text' && (plainOnly || t.type !== 'mrkdwn'))
    fail(where, `type must be plain_text${plainOnly ? '' : ' or mrkdwn'}`);
  if (typeof t.text !== 'string' || t.text.length === 0) fail(where, 'text must be a non-empty string');
  if (t.text.length > max) fail(where, `text is ${t.text.length} characters; the limit is ${max}`);
}

function id(where: string, value: unknown, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0) fail(where, 'must be a non-empty string');
  if (value.length > max) fail(where, `is ${value.length} characters; the limit is ${max}`);
}

function option(where: string, value: unknown): void {
  const o = value as Json;
  text(`${where}.text`, o.text, LIMITS.optionText, true);
  if (typeof o.value !== 'string' || o.value.length > LIMITS.optionValue)
    fail(`${where}.value`, `must be a string of at most ${LIMITS.optionValue} characters`);
}

function element(where: string, value: unknown): void {
  const e = value as Json;
  id(`${where}.action_id`, e.action_id, LIMITS.actionId);
  switch (e.type) {
    case 'button':
      text(`${where}.text`, e.text, LIMITS.buttonText, true);
      if (e.value !== undefined && (typeof e.value !== 'string' || e.value.length > LIMITS.buttonValue))
        fail(`${where}.value`, `must be at most ${LIMITS.buttonValue} characters`);
      if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
        fail(`${where}.style`, 'must be primary or danger');
      return;
    case 'static_select': {
      const options = e.options as unknown[] | undefined;
      if (!Array.isArray(options) || options.length === 0)
        fail(`${where}.options`, 'must be a non-empty array');
      if (options.length > LIMITS.selectOptions)
        fail(`${where}.options`, `has ${options.length}; the limit is ${LIMITS.selectOptions}`);
      for (const [i, o] of options.entries()) option(`${where}.options[${i}]`, o);
      if (e.placeholder !== undefined) text(`${where}.placeholder`, e.placeholder, LIMITS.placeholder, true);
      return;
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const options = e.options as unknown[] | undefined;
      if (!Array.isArray(options) || options.length === 0 || options.length > 10)
        fail(`${where}.options`, 'must have 1 to 10 options');
      for (const [i, o] of options.entries()) option(`${where}.options[${i}]`, o);
      return;
    }
    case 'plain_text_input': {
      const max = e.max_length as number | undefined;
      if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > LIMITS.plainTextInputMax))
        fail(`${where}.max_length`, `must be 1 to ${LIMITS.plainTextInputMax}`);
      if (e.placeholder !== undefined) text(`${where}.placeholder`, e.placeholder, LIMITS.placeholder, true);
      return;
    }
    case 'number_input':
      return;
    default:
      fail(where, `unsupported element type ${JSON.stringify(e.type)}`);
  }
}

function block(where: string, value: unknown, surface: 'message' | 'modal' | 'home'): void {
  const b = value as Json;
  id(`${where}.block_id`, b.block_id, LIMITS.blockId);
  switch (b.type) {
    case 'section': {
      if (b.text === undefined && b.fields === undefined) fail(where, 'a section needs text or fields');
      if (b.text !== undefined) text(`${where}.text`, b.text, LIMITS.sectionText);
      if (b.fields !== undefined) {
        const fields = b.fields as unknown[];
        if (!Array.isArray(fields) || fields.length > LIMITS.sectionFields)
          fail(`${where}.fields`, `at most ${LIMITS.sectionFields}`);
        for (const [i, f] of fields.entries()) text(`${where}.fields[${i}]`, f, LIMITS.fieldText);
      }
      if (b.accessory !== undefined) element(`${where}.accessory`, b.accessory);
      return;
    }
    case 'header':
      text(`${where}.text`, b.text, LIMITS.headerText, true);
      return;
    case 'divider':
      return;
    case 'context': {
      const elements = b.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > LIMITS.contextElements)
        fail(`${where}.elements`, `must have 1 to ${LIMITS.contextElements}`);
      for (const [i, e] of elements.entries()) text(`${where}.elements[${i}]`, e, LIMITS.sectionText);
      return;
    }
    case 'actions': {
      const elements = b.elements as unknown[];
      if (!Array.isArray(elements) || elements.length === 0 || elements.length > LIMITS.actionsElements)
        fail(`${where}.elements`, `must have 1 to ${LIMITS.actionsElements}`);
      for (const [i, e] of elements.entries()) element(`${where}.elements[${i}]`, e);
      return;
    }
    case 'input': {
      if (surface === 'message') fail(where, 'input blocks are only for modals');
      text(`${where}.label`, b.label, LIMITS.inputLabel, true);
      if (b.hint !== undefined) text(`${where}.hint`, b.hint, LIMITS.inputHint, true);
      element(`${where}.element`, b.element);
      return;
    }
    default:
      fail(where, `unsupported block type ${JSON.stringify(b.type)}`);
  }
}

/** Throws a BlockKitError naming the first limit a message's blocks break. */
export function checkMessage(blocks: unknown, messageText: unknown): void {
  if (messageText !== undefined && typeof messageText === 'string' && messageText.length > LIMITS.messageText)
    fail('text', `is ${messageText.length} characters; the limit is ${LIMITS.messageText}`);
  if (blocks === undefined) {
    if (typeof messageText !== 'string' || messageText.length === 0) fail('message', 'needs text or blocks');
    return;
  }
  if (!Array.isArray(blocks)) fail('blocks', 'must be an array');
  if (blocks.length > LIMITS.messageBlocks)
    fail('blocks', `has ${blocks.length}; a message allows ${LIMITS.messageBlocks}`);
  for (const [i, b] of blocks.entries()) block(`blocks[${i}]`, b, 'message');
}

/** Throws a BlockKitError naming the first limit a view (modal or Home tab) breaks. */
export function checkView(view: unknown): void {
  const v = view as Json;
  if (typeof v !== 'object' || v === null) fail('view', 'must be an object');
  if (v.type !== 'modal' && v.type !== 'home') fail('view.type', 'must be modal or home');
  const blocks = v.blocks as unknown[];
  if (!Array.isArray(blocks)) fail('view.blocks', 'must be an array');
  if (blocks.length > LIMITS.viewBlocks)
    fail('view.blocks', `has ${blocks.length}; a view allows ${LIMITS.viewBlocks}`);
  id('view.callback_id', v.callback_id, LIMITS.callbackId);
  if (typeof v.private_metadata === 'string' && v.private_metadata.length > LIMITS.privateMetadata)
    fail('view.private_metadata', `the limit is ${LIMITS.privateMetadata} characters`);
  if (v.type === 'modal') {
    text('view.title', v.title, LIMITS.viewTitle, true);
    if (v.submit !== undefined) text('view.submit', v.submit, LIMITS.viewButton, true);
    if (v.close !== undefined) text('view.close', v.close, LIMITS.viewButton, true);
    if (blocks.some((b) => (b as Json).type === 'input') && v.submit === undefined)
      fail('view.submit', 'a modal with inputs needs a submit button');
  }
  for (const [i, b] of blocks.entries()) block(`view.blocks[${i}]`, b, v.type as 'modal' | 'home');
}
