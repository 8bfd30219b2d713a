// The embedded database in a process of its own (embedded-host.ts): the parent reaches it through the
// socket, its statements run in the host, and the host ends with the parent however the parent ends.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { hostEmbedded, openDatabase } from '../src/index.ts';
import { tempDir } from './backends.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hostEmbedded', () => {
  it('holds the folder in another process; this one works through it and the host ends when stopped', {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir();
    dirs.push(dir);
    const hosted = await hostEmbedded(dir);
    if (!hosted.host) throw new Error(hosted.reason);
    expect(hosted.host.pid).not.toBe(process.pid);
    const db = await openDatabase({ dataDir: dir, databaseUrl: '' });
    try {
      expect(db.through).toBe(hosted.host.pid);
      // The statement runs in the host: its backend's process is the host's.
      const [row] = await db.prisma.$queryRawUnsafe<Array<{ one: number }>>('SELECT 1 AS one');
      expect(row?.one).toBe(1);
      expect(await db.experiments.list()).toEqual([]);
    } finally {
      await db.close();
    }
    await hosted.host.stop();
    expect(alive(hosted.host.pid)).toBe(false);
    // The folder is free again: this process can hold it itself.
    const again = await openDatabase({ dataDir: dir, databaseUrl: '', share: false });
    expect(again.through).toBeNull();
    await again.close();
  });

  it('ends when the process that started it is killed', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    dirs.push(dir);
    const parentScript = `
      import { hostEmbedded } from ${JSON.stringify(fileURLToPath(new URL('../src/index.ts', import.meta.url)))};
      const hosted = await hostEmbedded(process.argv[1]);
      console.log(hosted.host.pid);
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', parentScript, dir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, DATABASE_URL: '' },
      },
    );
    let out = '';
    parent.stdout.on('data', (chunk) => {
      out += chunk;
    });
    await until(() => /\d+\n/.test(out), 'the host to start');
    const hostPid = Number(out.trim());
    expect(alive(hostPid)).toBe(true);
    parent.kill('SIGKILL');
    await until(() => !alive(hostPid), 'the host to end after its parent was killed');
  });
});
