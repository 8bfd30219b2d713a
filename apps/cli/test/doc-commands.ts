// The shell commands a document shows (its ```sh blocks), for the tests that run them as written.
import { readFileSync } from 'node:fs';

export interface ShownCommand {
  /** The document and line, for messages. */
  where: string;
  /** The command as shown, its trailing comment removed. */
  command: string;
}

/** Every command line of the document's ```sh / ```bash blocks. */
export function shownCommands(file: string, label = file): ShownCommand[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: ShownCommand[] = [];
  let inShell = false;
  let inBlock = false;
  lines.forEach((line, i) => {
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence) {
      if (inBlock) inBlock = inShell = false;
      else {
        inBlock = true;
        inShell = fence[1] === 'sh' || fence[1] === 'bash';
      }
      return;
    }
    if (!inShell) return;
    const command = withoutComment(line).trim();
    if (command) out.push({ where: `${label}:${i + 1}`, command });
  });
  return out;
}

/** The line without a `#` comment that is outside quotes. */
function withoutComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** A command's words, as a POSIX shell splits them (quotes, no expansions). */
export function words(command: string): string[] {
  const out: string[] = [];
  let word = '';
  let quote: string | null = null;
  let started = false;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = null;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) out.push(word);
  return out;
}
