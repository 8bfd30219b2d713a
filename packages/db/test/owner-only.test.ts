// The embedded database's folder and files are its owner's alone: another local user can neither read
// what people typed nor change it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataFolderPermissionError, openDatabase } from '../src/index.ts';
import { keepToOwner } from '../src/owner-only.ts';
import { tempDir } from './backends.ts';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = tempDir();
  dirs.push(dir);
  return dir;
}

/** Every file and folder under `dir` (itself included) whose mode gives group or others any access. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    const stat = fs.lstatSync(p);
    if (stat.isSymbolicLink()) return;
    if (stat.mode & 0o077) found.push(`${path.relative(dir, p) || '.'} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return found;
}

describe('the data folder is kept to its owner', () => {
  it('a new database: the folder is 0700 and every file PostgreSQL wrote is owner-only', async () => {
    const dataDir = path.join(scratch(), 'new', 'data');
    const db = await openDatabase({ dataDir });
    try {
      await db.experiments.ensure({ id: 'e', name: 'e', seed: 's', config: {}, configHash: 'h' });
    } finally {
      await db.close();
    }
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(path.join(dataDir, 'pgdata')).length).toBeGreaterThan(5);
    expect(openToOthers(dataDir)).toEqual([]);
  });

  it('a folder others can read (as earlier versions made it) is narrowed, files too, with a warning', () => {
    const dir = path.join(scratch(), 'old');
    fs.mkdirSync(path.join(dir, 'pgdata', 'base'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pgdata', 'base', '1234'), 'rows');
    fs.chmodSync(path.join(dir, 'pgdata', 'base', '1234'), 0o644);
    fs.chmodSync(path.join(dir, 'pgdata', 'base'), 0o755);
    fs.chmodSync(path.join(dir, 'pgdata'), 0o755);
    fs.chmodSync(dir, 0o755);
    expect(keepToOwner(dir)).toMatch(
      /was readable by other users \(mode 755\); it and its files are now yours only/,
    );
    expect(openToOthers(dir)).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'pgdata', 'base', '1234'), 'utf8')).toBe('rows');
    expect(keepToOwner(dir)).toBeNull();
  });

  it('a folder others can write to is refused, naming the fix, and left as it was', async () => {
    const dir = path.join(scratch(), 'shared');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(DataFolderPermissionError);
    await expect(openDatabase({ dataDir: dir })).rejects.toThrow(
      /other users can write to it \(mode 777\).*chmod -R go-rwx/,
    );
    expect(fs.statSync(dir).mode & 0o777).toBe(0o777);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
