import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { oversight, repoRoot, tempDir } from './cli.ts';

const data = process.env.OVERSIGHT_NYU_DATA ?? path.resolve(repoRoot, '../shared/data/nyu-debate-2023');

/** A long import says how far it has got (a bar on a terminal, a line per tenth elsewhere). */
describe.skipIf(!existsSync(data))('import progress', () => {
  it('counts the NYU debates as they are written', async () => {
    const imported = await oversight(['import', data, '--data-dir', path.join(tempDir('import'), 'data')]);
    expect(imported.code, imported.stderr).toBe(0);
    const lines = [...imported.stderr.matchAll(/importing the NYU 2023 debates: (\d+)\/(\d+) trials/g)];
    expect(lines.length).toBeGreaterThanOrEqual(5);
    // The total grows as the importer reaches its second experiment (the offline judgments).
    const done = lines.map((m) => Number(m[1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));
    const total = Number(lines.at(-1)![2]);
    expect(done.at(-1)).toBe(total);
    const created = [...imported.stdout.matchAll(/(\d+) new trials/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(created).toBe(total);
  });
});
