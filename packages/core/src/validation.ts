import type { z } from 'zod';
import { didYouMean, listSome } from './suggest.ts';

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

/**
 * The field names an object at `path` of `schema` may have (unions give every option's), for a
 * did-you-mean on an unknown field; empty when the path leads to no object schema.
 */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  const keys = new Set<string>();
  const visit = (s: unknown, rest: ReadonlyArray<PropertyKey>, depth: number): void => {
    if (!s || depth > 40) return;
    const def = (s as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    switch (def.type) {
      case 'object': {
        const shape = def.shape as Record<string, unknown>;
        if (rest.length === 0) for (const k of Object.keys(shape)) keys.add(k);
        else visit(shape[String(rest[0])], rest.slice(1), depth + 1);
        return;
      }
      case 'array':
        if (rest.length > 0) visit(def.element, rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(def.valueType, rest.slice(1), depth + 1);
        return;
      case 'union':
        for (const option of def.options as unknown[]) visit(option, rest, depth + 1);
        return;
      case 'pipe':
        visit(def.in, rest, depth + 1);
        return;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
        visit(def.innerType, rest, depth + 1);
        return;
      case 'lazy':
        visit((def.getter as () => unknown)(), rest, depth + 1);
        return;
      default:
        return;
    }
  };
  visit(schema, path, 0);
  return [...keys];
}

export function describeIssues(error: z.ZodError, schema?: z.ZodType): string[] {
  return error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    let hint = issue.message;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      hint = `missing: add "${String(issue.path.at(-1) ?? 'value')}" (${issue.message.replace(/,? ?received undefined/, '').replace('Invalid input: ', '')})`;
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? knownKeysAt(schema, issue.path) : [];
      const named = issue.keys.map((k) => `"${k}"${didYouMean(k, known)}`);
      hint = `unknown field${issue.keys.length === 1 ? '' : 's'} ${named.join(', ')}; remove or rename ${issue.keys.length === 1 ? 'it' : 'them'}${known.length > 0 ? ` (the fields here are: ${listSome(known.sort(), 20)})` : ''}`;
    }
    return `${field}: ${hint}`;
  });
}

/** Parses `data` with `schema`, or throws an InputError naming `where` (a file, or file:line). */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const lines = describeIssues(result.error, schema);
  throw new InputError(`${where}: invalid input\n${lines.map((l) => `  - ${l}`).join('\n')}`, where);
}
