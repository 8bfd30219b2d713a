// The embedded database's folder holds everything people typed (answers, speeches, trial logs) and the
// chat apps' installations, so on a machine shared with other users it is kept to its owner: the folder
// is made 0700 and files are created owner-only. PGlite creates its files 0666 and its folders 0777
// (it unpacks a new cluster from an archive with those modes), so the files of a new database are
// narrowed once it is made, and the process that opens the folder adds 077 to its umask for as long as
// it runs, which narrows every file PostgreSQL creates later.
import fs from 'node:fs';
import path from 'node:path';
import { DataFolderPermissionError } from './errors.ts';

const OTHERS = 0o077;
const OTHERS_WRITE = 0o022;

/**
 * Creates the folder 0700, or checks an existing one: refused when other users may write to it (they
 * could have replaced its files), narrowed to 0700 with its files when they may only read it (a folder
 * made by an earlier version), with a warning saying so. Returns that warning, if any.
 */
export function keepToOwner(dir: string): string | null {
  ownerOnlyUmask();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // mkdir's mode is narrowed by the umask, which now holds 077 (or the mode is set right after).
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    return null;
  }
  const mode = stat.mode & 0o777;
  if ((mode & OTHERS) === 0) return null;
  const octal = mode.toString(8);
  if (mode & OTHERS_WRITE)
    throw new DataFolderPermissionError(
      dir,
      `other users can write to it (mode ${octal}), so its files may have been changed by someone else`,
      `if you trust what is in it, run  chmod -R go-rwx ${dir}  (as its owner) and try again; otherwise use a new folder (--data-dir)`,
    );
  // Another user's folder cannot be narrowed here; whether it can be used at all is for the write check.
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && stat.uid !== uid) return null;
  narrow(dir);
  return `the database folder ${dir} was readable by other users (mode ${octal}); it and its files are now yours only (mode 700, files 600)`;
}

/** Adds 077 to the process's umask, so every file and folder it creates from now on is the owner's alone. */
export function ownerOnlyUmask(): void {
  try {
    const current = process.umask();
    if ((current & OTHERS) !== OTHERS) process.umask(current | OTHERS);
  } catch {
    // Worker threads cannot change the umask; the 0700 folder still keeps others out.
  }
}

/**
 * Takes group's and others' access away from a folder and everything in it. Needed once after PGlite
 * creates a database as well: it unpacks the new cluster from an archive and sets each file's mode
 * from there (0666), past the umask.
 */
export function narrow(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) narrow(full);
    else if (entry.isFile()) fs.chmodSync(full, fs.statSync(full).mode & 0o700);
  }
  fs.chmodSync(dir, fs.statSync(dir).mode & 0o700);
}
