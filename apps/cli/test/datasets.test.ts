// Datasets as a researcher meets them: an imported file used by name, and two different files under
// one dataset name refused, naming both, with nothing written.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliAsync as cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

describe('datasets', () => {
  it('uses imported questions by name, and refuses another file with other content under the same name', async () => {
    const dir = tempDir('datasets');
    const dataDir = path.join(dir, 'data');
    const file = writeQuestions(dir, 4, 4);
    const imported = await cli(['import', file, '--dataset', 'pilots', '--data-dir', dataDir], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/"dataset": \{ "name": "pilots" \}/);
    const byName = writeConfig(
      dir,
      {
        name: 'by-name',
        seed: 1,
        dataset: { name: 'pilots' },
        judges: [{ count: 4 }],
        arms: [{ name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 }],
      },
      'by-name.json',
    );
    const run = await cli(['run', byName, '--data-dir', dataDir], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/by-name: 8 finished/);
    const missing = writeConfig(
      dir,
      {
        name: 'missing',
        seed: 1,
        dataset: { name: 'nothing-here' },
        arms: [{ name: 'debate', protocol: 'debate' }],
      },
      'missing.json',
    );
    const refused = await cli(['run', missing, '--data-dir', dataDir], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /dataset "nothing-here" is not in .*import it first.*stored datasets: pilots/,
    );

    // Another experiment's questions.jsonl, in another folder: same name, same ids, other answers.
    const other = path.join(dir, 'other');
    mkdirSync(other);
    const first = writeQuestions(other, 4, 4);
    const changed = (await import('node:fs'))
      .readFileSync(first, 'utf8')
      .replace(/repaired the beacon/g, 'fixed the light');
    writeFileSync(first, changed);
    writeConfig(
      dir,
      {
        name: 'a',
        seed: 1,
        dataset: { path: 'questions.jsonl' },
        judges: [{ count: 4 }],
        arms: [{ name: 'alone', protocol: 'judge-alone' }],
      },
      'a.json',
    );
    writeConfig(
      other,
      {
        name: 'b',
        seed: 1,
        dataset: { path: 'questions.jsonl' },
        judges: [{ count: 4 }],
        arms: [{ name: 'alone', protocol: 'judge-alone' }],
      },
      'b.json',
    );
    expect((await cli(['run', path.join(dir, 'a.json'), '--data-dir', dataDir], { cwd: dir })).code).toBe(0);
    const clash = await cli(['run', path.join(other, 'b.json'), '--data-dir', dataDir], { cwd: dir });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain(path.join(dir, 'questions.jsonl'));
    expect(clash.stderr).toContain(path.join(other, 'questions.jsonl'));
    expect(clash.stderr).toMatch(/"name": "questions-2"/);
    const list = await cli(['list', '--data-dir', dataDir], { cwd: dir });
    expect(list.stdout).not.toMatch(/^b\b/m);
  });
});
