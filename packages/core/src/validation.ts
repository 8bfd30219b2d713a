import type { z } from 'zod';

/**
 * Bad input (a config, a dataset line, a chat payload, model output) becomes an InputError that
 * names where it came from, the field, and what to do. The CLI exits with code 2 on it.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly where: string,
  ) {
    super(message);
  }
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    let hint = issue.message;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      hint = `missing: add "${String(issue.path.at(-1) ?? 'value')}" (${issue.message.replace(/,? ?received undefined/, '').replace('Invalid input: ', '')})`;
    if (issue.code === 'unrecognized_keys')
      hint = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; remove or rename them`;
    return `${field}: ${hint}`;
  });
}

/** Parses `data` with `schema`, or throws an InputError naming `where` (a file, or file:line). */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const lines = describeIssues(result.error);
  throw new InputError(`${where}: invalid input\n${lines.map((l) => `  - ${l}`).join('\n')}`, where);
}
