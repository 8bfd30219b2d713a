import { fileURLToPath } from 'node:url';
import type { Command, OptionDefinition, OptionSpec } from './command.ts';
import { resolveDataFolder } from './database.ts';

/** Options every command takes, whatever it declares. */
export const GLOBAL_OPTIONS: OptionSpec = {
  debug: { type: 'boolean', description: 'on an unexpected error, show its stack trace' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export function describedOption(command: Command, name: string): OptionDefinition {
  const declared = command.options[name] ?? GLOBAL_OPTIONS[name]!;
  return declared as OptionDefinition;
}

function defaultOf(command: Command, name: string, option: OptionDefinition): string | undefined {
  if (name === 'data-dir') {
    const now = resolveDataFolder(undefined);
    return `${option.defaultText}; here: ${now.dir}`;
  }
  if (option.defaultText) return option.defaultText;
  if (option.default !== undefined && option.type !== 'boolean') return String(option.default);
  return command.options[name] && option.type === 'boolean' ? 'off' : undefined;
}

export function commandHelp(command: Command): string {
  const names = [...Object.keys(command.options).sort(), ...Object.keys(GLOBAL_OPTIONS)];
  const rows = names.map((name) => {
    const option = describedOption(command, name);
    const flag = `--${name}${option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : ''}`;
    const fallback = defaultOf(command, name, option);
    return { flag, text: `${option.description ?? ''}${fallback ? ` (default: ${fallback})` : ''}` };
  });
  const width = Math.max(...rows.map((r) => r.flag.length));
  return [
    `Usage: oversight ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...rows.map((r) => `  ${r.flag.padEnd(width)}  ${r.text}`),
  ].join('\n');
}

/** The launcher, which needs nothing but Node (this module's own location, also inside the bundle). */
const LAUNCHER = fileURLToPath(new URL('../bin/oversight.mjs', import.meta.url));

export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'oversight: run and analyse scalable-oversight experiments (debate, consultancy, sandwiching).',
    '',
    'Usage: oversight <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'oversight <command> --help shows its arguments, options and defaults.',
    `From any folder it is  node ${LAUNCHER}  (to type it as oversight:`,
    `  alias oversight="node ${LAUNCHER}"); relative paths are taken from where you type it.`,
    `The database: --data-dir DIR, else OVERSIGHT_DATA_DIR, else .oversight/ at the repository's root`,
    `(here: ${resolveDataFolder(undefined).dir}); DATABASE_URL=postgresql://… uses a server instead.`,
    'Exit codes: 0 done, 2 bad input (nothing written), 3 database busy or unusable, 4 every trial of a',
    'run stopped, 130 Ctrl-C, 1 a bug (run again with --debug for its stack trace).',
  ].join('\n');
}
