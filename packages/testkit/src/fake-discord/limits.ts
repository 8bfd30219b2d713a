/**
 * Discord's documented payload limits, checked on everything a bot sends to the fake, so a bot
 * that would be refused by Discord (a 2,001-character message, a sixth action row, a 26th select
 * option) is refused here too, with Discord's error shape (code 50035, Invalid Form Body).
 */

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
  customId: 100,
  selectOptions: 25,
  optionText: 100,
  placeholder: 150,
  modalTitle: 45,
  modalComponents: 5,
  textInputLabel: 45,
  textInputLength: 4000,
  textInputPlaceholder: 100,
  nonce: 25,
  threadName: 100,
} as const;

type Json = Record<string, unknown>;

/** Problems in a message payload (empty: Discord would take it). */
export function messageProblems(body: Json): string[] {
  const problems: string[] = [];
  const content = body.content;
  if (content !== undefined && content !== null) {
    if (typeof content !== 'string') problems.push('content: must be a string');
    else if (content.length > LIMITS.content)
      problems.push(`content: Must be ${LIMITS.content} or fewer in length (got ${content.length})`);
  }
  const embeds = (body.embeds ?? []) as Json[];
  if (!Array.isArray(embeds)) problems.push('embeds: must be an array');
  else {
    if (embeds.length > LIMITS.embeds) problems.push(`embeds: Must be ${LIMITS.embeds} or fewer in length`);
    let total = 0;
    embeds.forEach((embed, i) => {
      const check = (value: unknown, limit: number, where: string) => {
        if (value === undefined || value === null) return;
        const text = String(value);
        total += text.length;
        if (text.length > limit) problems.push(`embeds[${i}].${where}: Must be ${limit} or fewer in length`);
      };
      check(embed.title, LIMITS.embedTitle, 'title');
      check(embed.description, LIMITS.embedDescription, 'description');
      check((embed.footer as Json | undefined)?.text, LIMITS.footer, 'footer.text');
      check((embed.author as Json | undefined)?.name, LIMITS.author, 'author.name');
      const fields = (embed.fields ?? []) as Json[];
      if (fields.length > LIMITS.embedFields)
        problems.push(`embeds[${i}].fields: Must be ${LIMITS.embedFields} or fewer in length`);
      fields.forEach((field, j) => {
        if (!field.name || !field.value)
          problems.push(`embeds[${i}].fields[${j}]: name and value are required`);
        check(field.name, LIMITS.fieldName, `fields[${j}].name`);
        check(field.value, LIMITS.fieldValue, `fields[${j}].value`);
      });
    });
    if (total > LIMITS.embedsTotal)
      problems.push(`embeds: Embed size exceeds maximum size of ${LIMITS.embedsTotal} (got ${total})`);
  }
  problems.push(...componentProblems((body.components ?? []) as Json[]));
  if (body.nonce !== undefined && String(body.nonce).length > LIMITS.nonce)
    problems.push(`nonce: Must be ${LIMITS.nonce} or fewer in length`);
  const hasContent =
    (typeof content === 'string' && content.length > 0) ||
    embeds.length > 0 ||
    ((body.components ?? []) as unknown[]).length > 0;
  if (!hasContent && body.__edit !== true) problems.push('Cannot send an empty message (50006)');
  return problems;
}

function componentProblems(rows: Json[]): string[] {
  const problems: string[] = [];
  if (rows.length > LIMITS.actionRows)
    problems.push(`components: Must be ${LIMITS.actionRows} or fewer in length`);
  const ids = new Set<string>();
  rows.forEach((row, i) => {
    if (row.type !== 1) {
      problems.push(`components[${i}]: only action rows (type 1) at the top level`);
      return;
    }
    const children = (row.components ?? []) as Json[];
    if (children.length === 0) problems.push(`components[${i}].components: at least one component`);
    const selects = children.filter((c) => c.type !== 2);
    if (selects.length > 0 && children.length > 1)
      problems.push(`components[${i}]: a select menu must be alone in its row`);
    if (children.length > LIMITS.buttonsPerRow)
      problems.push(`components[${i}].components: Must be ${LIMITS.buttonsPerRow} or fewer in length`);
    children.forEach((c, j) => {
      const where = `components[${i}].components[${j}]`;
      const id = c.custom_id as string | undefined;
      if (c.type === 2 && c.style === 5) {
        if (!c.url || id) problems.push(`${where}: a link button has a url and no custom_id`);
      } else if (!id) problems.push(`${where}.custom_id: required`);
      if (id) {
        if (id.length > LIMITS.customId)
          problems.push(`${where}.custom_id: Must be ${LIMITS.customId} or fewer`);
        if (ids.has(id)) problems.push(`${where}.custom_id: Component custom id cannot be duplicated`);
        ids.add(id);
      }
      if (c.type === 2) {
        if (typeof c.label === 'string' && c.label.length > LIMITS.buttonLabel)
          problems.push(`${where}.label: Must be ${LIMITS.buttonLabel} or fewer in length`);
        if (!c.label && !c.emoji) problems.push(`${where}: a button needs a label or an emoji`);
      }
      if (c.type === 3) {
        const options = (c.options ?? []) as Json[];
        if (options.length < 1 || options.length > LIMITS.selectOptions)
          problems.push(`${where}.options: Must be between 1 and ${LIMITS.selectOptions} in length`);
        const values = new Set<string>();
        for (const o of options) {
          for (const key of ['label', 'value', 'description'] as const)
            if (typeof o[key] === 'string' && (o[key] as string).length > LIMITS.optionText)
              problems.push(`${where}.options.${key}: Must be ${LIMITS.optionText} or fewer in length`);
          if (values.has(String(o.value))) problems.push(`${where}.options: values must be unique`);
          values.add(String(o.value));
        }
        if (typeof c.placeholder === 'string' && c.placeholder.length > LIMITS.placeholder)
          problems.push(`${where}.placeholder: Must be ${LIMITS.placeholder} or fewer in length`);
      }
    });
  });
  return problems;
}

/** Problems in a modal (interaction response type 9). */
export function modalProblems(modal: Json): string[] {
  const problems: string[] = [];
  const title = String(modal.title ?? '');
  if (!title || title.length > LIMITS.modalTitle)
    problems.push(`data.title: Must be between 1 and ${LIMITS.modalTitle} in length`);
  const id = String(modal.custom_id ?? '');
  if (!id || id.length > LIMITS.customId)
    problems.push(`data.custom_id: Must be 1 to ${LIMITS.customId} long`);
  const rows = (modal.components ?? []) as Json[];
  if (rows.length < 1 || rows.length > LIMITS.modalComponents)
    problems.push(`data.components: Must be between 1 and ${LIMITS.modalComponents} in length`);
  for (const [i, input] of modalInputs(modal).entries()) {
    const where = `data.components[${i}]`;
    if (input.type !== 4) {
      problems.push(`${where}: only text inputs are supported by this fake`);
      continue;
    }
    const label = String(input.label ?? '');
    if (!label || label.length > LIMITS.textInputLabel)
      problems.push(`${where}.label: Must be between 1 and ${LIMITS.textInputLabel} in length`);
    if (typeof input.max_length === 'number' && input.max_length > LIMITS.textInputLength)
      problems.push(`${where}.max_length: Must be ${LIMITS.textInputLength} or less`);
    if (typeof input.value === 'string' && input.value.length > LIMITS.textInputLength)
      problems.push(`${where}.value: Must be ${LIMITS.textInputLength} or fewer in length`);
    if (typeof input.placeholder === 'string' && input.placeholder.length > LIMITS.textInputPlaceholder)
      problems.push(`${where}.placeholder: Must be ${LIMITS.textInputPlaceholder} or fewer in length`);
  }
  return problems;
}

/** The text inputs of a modal, whether in legacy action rows or in label components (type 18). */
export function modalInputs(modal: Json): Json[] {
  return ((modal.components ?? []) as Json[]).flatMap((row) =>
    row.type === 1 ? ((row.components ?? []) as Json[]) : row.type === 18 ? [row.component as Json] : [row],
  );
}
