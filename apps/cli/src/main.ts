#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import type { Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { EXIT, exitCodeFor, UsageError } from './exit-codes.ts';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'oversight: run and analyse scalable-oversight experiments (debate, consultancy, sandwiching).',
    '',
    'Usage: pnpm oversight <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'pnpm oversight <command> --help shows its arguments and options.',
    'Every command that touches the database takes --data-dir DIR (default .oversight, or',
    'OVERSIGHT_DATA_DIR); set DATABASE_URL to use a PostgreSQL server instead.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return EXIT.ok;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${help()}`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nUsage: oversight ${command.usage}`);
  }
  if (parsed.values.help) {
    console.log(`Usage: oversight ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  return (await command.run({ positionals: parsed.positionals, values: parsed.values })) ?? EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = exitCodeFor(error);
    const message =
      error instanceof Error
        ? code === EXIT.failure
          ? (error.stack ?? error.message)
          : error.message
        : String(error);
    console.error(`error: ${message}`);
    process.exitCode = code;
  },
);
