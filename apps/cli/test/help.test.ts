import { describe, expect, it } from 'vitest';
import { COMMANDS, loadAllCommands } from '../src/commands/index.ts';
import { describedOption } from '../src/help.ts';
import { oversight } from './cli.ts';

describe('help', () => {
  it('every command has --help listing each of its options with what it does, and defaults', async () => {
    const commands = await loadAllCommands();
    // The registry's names are the commands' own.
    expect(commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    for (const command of commands) {
      const help = await oversight([command.name, '--help']);
      expect(help.code, command.name).toBe(0);
      expect(help.stdout).toContain(`Usage: oversight ${command.usage}`);
      for (const name of Object.keys(command.options)) {
        const option = describedOption(command, name);
        expect(option.description, `${command.name} --${name} has no description`).toBeTruthy();
        expect(help.stdout).toMatch(
          new RegExp(`^ {2}--${name}\\b.* ${escapeForRegExp(option.description!)}`, 'm'),
        );
      }
      expect(help.stdout).toMatch(/^ {2}--debug /m);
    }
    const run = await oversight(['run', '--help']);
    expect(run.stdout).toMatch(
      /--concurrency N +trials driven at once \(default: the config's "concurrency"/,
    );
    expect(run.stdout).toMatch(/--data-dir DIR .*\(default: .*; here: \/.*\.oversight\)/);
    expect((await oversight(['help', 'power'])).stdout).toMatch(
      /--alpha A +significance level \(default: 0\.05\)/,
    );
  });

  it('a misspelt command or option gets the nearest name', async () => {
    const command = await oversight(['analyse', 'demo']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command "analyse" \(did you mean "analyze"\?\)/);
    const option = await oversight(['list', '--limt', '3']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/list has no option --limt \(did you mean "--limit"\?\)/);
  });
});

function escapeForRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
