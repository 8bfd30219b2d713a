import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

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
  'data-dir': { type: 'string' },
};

export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.values[name];
  return typeof value === 'string' ? value : undefined;
}
