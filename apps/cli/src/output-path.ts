import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { resolveUserPath } from './config-file.ts';
import { UsageError } from './exit-codes.ts';

const kindOf = (p: string): 'file' | 'folder' | 'missing' => {
  try {
    return statSync(p).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
};

function checkWritable(option: string, folder: string): void {
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${option}: cannot write in ${folder} (${(error as NodeJS.ErrnoException).code}); choose a folder you can write to`,
    );
  }
}

/**
 * A path given to a command to write to, checked before the command does anything: a file's folder
 * must exist and be writable and the file must not be a folder; a folder must not be a file (it is
 * created when missing, inside the nearest existing folder).
 */
export function checkOutputPath(option: string, value: string, kind: 'file' | 'folder'): void {
  const target = resolveUserPath(value);
  const found = kindOf(target);
  if (kind === 'file') {
    if (found === 'folder')
      throw new UsageError(
        `${option} ${value}: ${target} is a folder; give a file name, such as ${path.join(value, 'judgments.csv')}`,
      );
    const folder = path.dirname(target);
    const parent = kindOf(folder);
    if (parent === 'missing')
      throw new UsageError(
        `${option} ${value}: the folder ${folder} does not exist; create it first (mkdir -p ${folder}) or write elsewhere`,
      );
    if (parent === 'file') throw new UsageError(`${option} ${value}: ${folder} is a file, not a folder`);
    checkWritable(option, folder);
    return;
  }
  if (found === 'file')
    throw new UsageError(
      `${option} ${value}: ${target} is a file; give a folder to write into (it is created if missing)`,
    );
  let existing = target;
  while (kindOf(existing) === 'missing' && path.dirname(existing) !== existing)
    existing = path.dirname(existing);
  if (kindOf(existing) === 'file')
    throw new UsageError(
      `${option} ${value}: ${existing} is a file, so the folder ${target} cannot be made inside it`,
    );
  checkWritable(option, existing);
}
