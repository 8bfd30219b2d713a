import type { Command, OptionDefinition, OptionSpec } from './command.ts';
import { resolveDataFolder } from './database.ts';

/** Options every command takes, whatever it declares. */
export const GLOBAL_OPTIONS: OptionSpec = {
  debug: { type: 'boolean', description: 'on an unexpected error, show its stack trace' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/**
 * Help for options declared without it, by command. Prefer a `description` on the option itself;
 * this covers commands whose files declare bare parseArgs options. A test checks that every option
 * of every command is described somewhere.
 */
const DESCRIBED_HERE: Record<string, Record<string, Partial<OptionDefinition>>> = {
  serve: {
    concurrency: {
      valueName: 'N',
      description: 'trials driven at once',
      defaultText: 'each config\'s "concurrency"',
    },
    'lease-seconds': {
      valueName: 'S',
      description: "how long a claimed trial stays this process's before another may take it over",
      defaultText: '30',
    },
    'until-idle': {
      description: "stop once nothing is left to drive, instead of waiting for people's moves",
    },
  },
  judge: {
    as: { valueName: 'ID', description: 'your participant id in the experiment (the judge or arguer id)' },
  },
  analyze: {
    out: {
      valueName: 'DIR',
      description: 'folder to write report.html and report.json into',
      output: 'folder',
    },
    seed: {
      valueName: 'SEED',
      description: 'seed of the bootstrap resampling',
      defaultText: "the (first) experiment's seed",
    },
  },
  export: {
    format: {
      valueName: 'csv|jsonl',
      description: 'csv: one row per judgment; jsonl: each row with its event log',
    },
    out: { valueName: 'FILE', description: 'file to write', defaultText: 'standard output', output: 'file' },
  },
};

export function describedOption(command: Command, name: string): OptionDefinition {
  const declared = command.options[name] ?? GLOBAL_OPTIONS[name]!;
  return { ...DESCRIBED_HERE[command.name]?.[name], ...declared } as OptionDefinition;
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
    `Usage: pnpm oversight ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...rows.map((r) => `  ${r.flag.padEnd(width)}  ${r.text}`),
  ].join('\n');
}

export function generalHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'oversight: run and analyse scalable-oversight experiments (debate, consultancy, sandwiching).',
    '',
    'Usage: pnpm oversight <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'pnpm oversight <command> --help shows its arguments, options and defaults.',
    `The database: --data-dir DIR, else OVERSIGHT_DATA_DIR, else .oversight/ at the repository's root`,
    `(here: ${resolveDataFolder(undefined).dir}); DATABASE_URL=postgresql://… uses a server instead.`,
    'Exit codes: 0 done, 2 bad input (nothing written), 3 database busy or unusable, 130 Ctrl-C, 1 a bug',
    '(run again with --debug for its stack trace).',
  ].join('\n');
}
