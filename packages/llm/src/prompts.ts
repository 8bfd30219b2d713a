import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { messagesDigest, sha256Hex } from './cache.ts';
import type { ChatMessage } from './chat.ts';

/**
 * Prompt templates are files in `packages/llm/prompts/` (one per role, with sections per protocol)
 * that a researcher edits without touching code. A spec's `prompts` folder overrides them file by
 * file. The syntax is a small subset of Mustache:
 *
 *   {{name}}                 the value of `name` (an unknown name is an error, to catch typos)
 *   {{#name}} ... {{/name}}  kept when `name` is truthy (non-empty string, true, non-zero)
 *   {{^name}} ... {{/name}}  kept when `name` is falsy
 *   {{! comment }}           dropped
 *
 * A template is split into chat messages by lines `=== system ===`, `=== user ===` and
 * `=== assistant ===`. Values are inserted last and never re-scanned, so a story containing `{{`
 * is safe.
 */

export const BUNDLED_PROMPTS_DIR = fileURLToPath(new URL('../prompts/', import.meta.url));

export type TemplateValue = string | number | boolean | null | undefined;
export type TemplateVars = Record<string, TemplateValue>;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const SECTION = /\{\{([#^])\s*([\w.-]+)\s*\}\}([\s\S]*?)\{\{\/\s*\2\s*\}\}/g;
const COMMENT = /\{\{![\s\S]*?\}\}/g;
const VARIABLE = /\{\{\s*([\w.-]+)\s*\}\}/g;
/** A line holding only section tags or a comment disappears with its line break (as in Mustache). */
const STANDALONE = /^[ \t]*((?:\{\{[#^/!][^}]*\}\}[ \t]*)+)\r?\n/gm;
const MESSAGE_MARK = /^===\s*(system|user|assistant)\s*===\s*$/gm;

function truthy(value: TemplateValue): boolean {
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0;
}

/** Resolves comments and sections (the part of rendering that depends only on which flags are set). */
function resolveSections(template: string, vars: TemplateVars): string {
  let text = template
    .replace(STANDALONE, (_all, tags: string) => tags.replace(/[ \t]+/g, ''))
    .replace(COMMENT, '');
  // Sections of different names nest; each pass resolves the outermost level.
  for (let pass = 0; pass < 20; pass++) {
    let changed = false;
    text = text.replace(SECTION, (_all, kind: string, key: string, body: string) => {
      changed = true;
      return truthy(vars[key]) === (kind === '#') ? body : '';
    });
    if (!changed) break;
  }
  return text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n');
}

function insertValues(text: string, vars: TemplateVars, name: string): string {
  return text.replace(VARIABLE, (_all, key: string) => {
    if (!(key in vars)) throw new TemplateError(`prompt ${name}: unknown variable {{${key}}}`);
    const value = vars[key];
    return value === undefined || value === null ? '' : String(value);
  });
}

export function renderTemplate(template: string, vars: TemplateVars, name = 'template'): string {
  return insertValues(resolveSections(template, vars), vars, name);
}

/** Splits text into messages at `=== role ===` lines (all of it one user message when it has none). */
export function toMessages(rendered: string): ChatMessage[] {
  const marks = [...rendered.matchAll(MESSAGE_MARK)];
  if (marks.length === 0) return [{ role: 'user', content: rendered.trim() }];
  const messages: ChatMessage[] = [];
  marks.forEach((mark, i) => {
    const start = (mark.index ?? 0) + mark[0].length;
    const end = marks[i + 1]?.index ?? rendered.length;
    const content = rendered.slice(start, end).trim();
    if (content) messages.push({ role: mark[1] as ChatMessage['role'], content });
  });
  return messages;
}

/**
 * A template prepared for rendering many times: the message skeleton for each combination of
 * section flags is computed once, so a render only inserts values. Messages are split before values
 * are inserted, so a story containing a line `=== user ===` cannot start a message.
 */
export class CompiledTemplate {
  private readonly flags: string[];
  private readonly skeletons = new Map<string, ChatMessage[]>();

  constructor(
    readonly text: string,
    readonly name: string,
  ) {
    this.flags = [
      ...new Set([...text.replace(COMMENT, '').matchAll(/\{\{[#^]\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1]!)),
    ];
  }

  render(vars: TemplateVars): ChatMessage[] {
    let key = '';
    for (const flag of this.flags) key += truthy(vars[flag]) ? '1' : '0';
    let skeleton = this.skeletons.get(key);
    if (!skeleton) {
      skeleton = toMessages(resolveSections(this.text, vars));
      this.skeletons.set(key, skeleton);
    }
    const messages: ChatMessage[] = [];
    for (const part of skeleton) {
      const content = insertValues(part.content, vars, this.name).trim();
      if (content) messages.push({ role: part.role, content });
    }
    return messages;
  }
}

/**
 * `meta.promptHash`: sha256 (first 16 hex) of the exact messages sent (see `messagesDigest`); for a
 * move built from several conversations (both answer orders), of their digests in order.
 */
export function promptHash(...conversations: ReadonlyArray<readonly ChatMessage[]>): string {
  const [only] = conversations;
  if (conversations.length === 1 && only) return messagesDigest(only).slice(0, 16);
  return sha256Hex(conversations.map(messagesDigest).join('\n')).slice(0, 16);
}

/** Loads templates by file name from an override folder, falling back to the bundled folder. */
export class PromptLibrary {
  private readonly files = new Map<string, CompiledTemplate>();

  constructor(
    private readonly bundledDir: string = BUNDLED_PROMPTS_DIR,
    /** Relative `prompts` folders of specs are resolved against this (the config file's folder). */
    private readonly baseDir: string = process.cwd(),
  ) {}

  template(file: string, overrideDir?: string): CompiledTemplate {
    const dir = overrideDir ? path.resolve(this.baseDir, overrideDir) : undefined;
    const cacheKey = `${dir ?? ''}\0${file}`;
    let template = this.files.get(cacheKey);
    if (template === undefined) {
      const override = dir ? path.join(dir, file) : undefined;
      const overrideText = override ? readIfExists(override) : undefined;
      const bundled = path.join(this.bundledDir, file);
      const text = overrideText ?? readIfExists(bundled);
      if (text === undefined) {
        throw new TemplateError(
          `prompt template ${file} not found in ${dir ? `${dir} or ` : ''}${this.bundledDir}`,
        );
      }
      template = new CompiledTemplate(text, overrideText !== undefined ? override! : file);
      this.files.set(cacheKey, template);
    }
    return template;
  }

  render(file: string, vars: TemplateVars, overrideDir?: string): ChatMessage[] {
    return this.template(file, overrideDir).render(vars);
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
