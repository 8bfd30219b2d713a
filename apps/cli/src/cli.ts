import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import type { Command } from './command.ts';
import {
  COMMANDS,
  LIGHT_COMMANDS,
  LIGHT_WHEN_SMALL,
  loadAllCommands,
  READ_ONLY_COMMANDS,
} from './commands/index.ts';
import { embeddedTableBytes, setDatabaseAccess } from './database.ts';
import { env } from './env.ts';
import { EXIT, exitCodeFor, isDiskFull, UsageError } from './exit-codes.ts';
import { commandHelp, describedOption, GLOBAL_OPTIONS, generalHelp } from './help.ts';
import { checkOutputPath } from './output-path.ts';
import { stopAllProgress } from './progress.ts';
import { didYouMean } from './suggest.ts';

async function findCommand(name: string): Promise<Command> {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command.load();
  throw new UsageError(
    `unknown command "${name}"${didYouMean(
      name,
      COMMANDS.map((c) => c.name),
    )}; the commands are: ${COMMANDS.map((c) => c.name).join(', ')} (oversight --help)`,
  );
}

/** parseArgs' errors, reworded to name the option, the command and what to do. */
function parseError(error: Error & { code?: string }, command: Command, args: string[]): UsageError {
  const known = Object.keys({ ...command.options, ...GLOBAL_OPTIONS });
  const help = `oversight ${command.name} --help lists its options`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'(-{1,2}[^'\s=]+)/.exec(error.message)?.[1] ?? args.find((a) => a.startsWith('-')) ?? '';
    const word = given.replace(/^-+/, '');
    const hint = didYouMean(word, known).replace(/"([^"]+)"/, '"--$1"');
    return new UsageError(`${command.name} has no option ${given}${hint}; ${help}`);
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([\w-]+)/.exec(error.message)?.[1];
    const option = name ? command.options[name] : undefined;
    if (option?.type === 'string')
      return new UsageError(`--${name} needs a value (--${name} ${option.valueName ?? 'VALUE'}); ${help}`);
    if (name) return new UsageError(`--${name} takes no value; ${help}`);
  }
  return new UsageError(`${error.message}\nUsage: oversight ${command.usage}`);
}

/**
 * Whether the command starts the embedded database light (LIGHT_COMMANDS; LIGHT_WHEN_SMALL when its
 * tables are small). OVERSIGHT_LIGHT=off starts every command in full, =on every one of LIGHT_WHEN_SMALL
 * light on an embedded database of any size (the benchmarks compare them).
 */
function startsLight(name: string, dataDir: unknown): boolean {
  if (env.OVERSIGHT_LIGHT === 'off') return false;
  if (LIGHT_COMMANDS.has(name)) return true;
  const upTo = LIGHT_WHEN_SMALL.get(name);
  if (upTo === undefined) return false;
  // On a server (or with no database yet) there is no PGlite to start.
  const bytes = embeddedTableBytes(typeof dataDir === 'string' ? dataDir : undefined);
  return bytes !== null && (env.OVERSIGHT_LIGHT === 'on' || bytes <= upTo);
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const about = name === 'help' && rest[0] ? await findCommand(rest[0]) : undefined;
    console.log(about ? commandHelp(about) : generalHelp(await loadAllCommands()));
    return EXIT.ok;
  }
  const command = await findCommand(name);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, ...GLOBAL_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw parseError(error as Error, command, rest);
  }
  if (parsed.values.help) {
    console.log(commandHelp(command));
    return EXIT.ok;
  }
  const light = startsLight(command.name, parsed.values['data-dir']);
  setDatabaseAccess(READ_ONLY_COMMANDS.has(command.name) ? 'read' : 'write', light);
  // Before any WebAssembly is compiled (PGlite's 9 MB, Prisma's query compiler): baseline code only,
  // the one V8 flag set here, which the compiler reads when it compiles (nothing is compiled yet).
  if (light) v8.setFlagsFromString('--liftoff-only');
  for (const [name, value] of Object.entries(parsed.values)) {
    const { output } = describedOption(command, name);
    if (output && typeof value === 'string') checkOutputPath(`--${name}`, value, output);
  }
  return (await command.run({ positionals: parsed.positionals, values: parsed.values })) ?? EXIT.ok;
}

/**
 * Every error ends here: a message on stderr and the exit code for it; the stack trace only with
 * --debug, since an expected failure's message already says what to do.
 */
export function reportError(error: unknown, debug: boolean): number {
  stopAllProgress();
  const code = exitCodeFor(error);
  const detail = /(could not [^`\n]*No space left on device|[\d.]+ MB free)/.exec(
    String((error as Error)?.message),
  )?.[1];
  const message = isDiskFull(error)
    ? `the disk holding the database is full (${detail ?? 'no space left on device'}). Nothing stored is lost: every ` +
      'move is written whole or not at all. Free some space (or point --data-dir or DATABASE_URL elsewhere) ' +
      'and run the same command again to go on from where it stopped.'
    : error instanceof Error
      ? error.message
      : String(error);
  if (debug && error instanceof Error) console.error(error.stack);
  else if (code === EXIT.failure)
    console.error(
      `error: ${message}\n(an unexpected error: run again with --debug to see where it happened, and please report it)`,
    );
  else console.error(`error: ${message}`);
  return code;
}

/** Runs one command line (`--debug` anywhere in it) and returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    return await dispatch(argv.filter((arg) => arg !== '--debug'));
  } catch (error) {
    return reportError(error, debug);
  }
}
