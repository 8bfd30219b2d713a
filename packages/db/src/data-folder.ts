// Where the embedded database lives, decided in one place for every program of the project (the CLI,
// the chat apps): an explicit folder, else OVERSIGHT_DATA_DIR, else `.oversight/` at the root of the
// repository the program was started in, so every folder of the repository uses the same database;
// outside a repository, `.oversight/` where it was started. Only node:fs and node:path, so a program
// can resolve it without loading the database drivers.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository around `from`: the nearest folder upwards holding pnpm-workspace.yaml. */
export function workspaceRoot(from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

export interface DataFolder {
  dir: string;
  /** Where the choice came from, for messages. */
  source: '--data-dir' | 'OVERSIGHT_DATA_DIR' | 'the repository default' | 'the default';
}

/** `option` and OVERSIGHT_DATA_DIR are relative to `from` (where the person typed the command). */
export function resolveDataFolder(
  option: string | undefined,
  from: string = process.env.INIT_CWD ?? process.cwd(),
  env: { OVERSIGHT_DATA_DIR?: string | undefined } = process.env,
): DataFolder {
  if (option) return { dir: path.resolve(from, option), source: '--data-dir' };
  if (env.OVERSIGHT_DATA_DIR)
    return { dir: path.resolve(from, env.OVERSIGHT_DATA_DIR), source: 'OVERSIGHT_DATA_DIR' };
  const root = workspaceRoot(from);
  return root
    ? { dir: path.join(root, '.oversight'), source: 'the repository default' }
    : { dir: path.resolve(from, '.oversight'), source: 'the default' };
}
