/** An option as `node:util` parseArgs takes it, with what `--help` says about it. */
export interface OptionDefinition {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** One line for `--help`. */
  description?: string;
  /** The value's placeholder in `--help`, e.g. N or FILE. */
  valueName?: string;
  /** The default in words, when it is not a fixed value (e.g. "the config's concurrency"). */
  defaultText?: string;
  /** A path the command writes to: checked before the command runs, so it fails before writing anything. */
  output?: 'file' | 'folder';
}

export type OptionSpec = Record<string, OptionDefinition>;

export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
}

export interface Command {
  name: string;
  /** e.g. "run <config>" */
  usage: string;
  summary: string;
  options: OptionSpec;
  run(input: CommandInput): Promise<number | undefined>;
}

/** Options every command that touches the database accepts. */
export const DATA_DIR_OPTION: OptionSpec = {
  'data-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'folder of the embedded database (ignored when DATABASE_URL names a PostgreSQL server)',
    defaultText: "$OVERSIGHT_DATA_DIR, else .oversight/ at the repository's root",
  },
};

export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
}
