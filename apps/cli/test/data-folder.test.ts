import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataFolder } from '../src/database.ts';
import { oversight, repoRoot, tempDir, writeConfig, writeQuestions } from './cli.ts';

/** One database per repository, whatever folder of it the command is typed in, and named when used. */
describe('the default database folder', () => {
  it("is the repository root's .oversight/ from any folder inside it; ./.oversight outside one", () => {
    const expected = path.join(repoRoot, '.oversight');
    for (const where of ['.', 'apps/cli', 'experiments/demo', 'packages/core/src'])
      expect(resolveDataFolder(undefined, path.join(repoRoot, where))).toEqual({
        dir: expected,
        source: 'the repository default',
      });
    const outside = tempDir('outside');
    expect(resolveDataFolder(undefined, outside).dir).toBe(path.join(outside, '.oversight'));
    const project = tempDir('project');
    writeFileSync(path.join(project, 'pnpm-workspace.yaml'), 'packages: []\n');
    mkdirSync(path.join(project, 'analysis'));
    expect(resolveDataFolder(undefined, path.join(project, 'analysis')).dir).toBe(
      path.join(project, '.oversight'),
    );
    expect(resolveDataFolder('here', project)).toEqual({
      dir: path.join(project, 'here'),
      source: '--data-dir',
    });
  });

  it('is named by every command that opens it; one that only reads does not create it', async () => {
    const dir = tempDir('named');
    writeQuestions(dir, 2, 2);
    const dataDir = path.join(dir, 'data');
    const listed = await oversight(['list', '--data-dir', dataDir]);
    expect(listed.code).toBe(2);
    expect(listed.stderr).toMatch(
      `no database in ${dataDir} (from --data-dir): nothing has been run with it yet`,
    );
    const file = writeConfig(dir, {
      name: 'named',
      seed: 1,
      dataset: { path: 'questions.jsonl' },
      judges: [{ count: 4 }],
      arms: [{ name: 'debate', protocol: 'debate', rounds: 1 }],
    });
    const run = await oversight(['run', file, '--data-dir', dataDir]);
    expect(run.stderr).toMatch(`database: ${dataDir} (--data-dir)`);
    expect((await oversight(['list', '--data-dir', dataDir])).stderr).toMatch(
      `database: ${dataDir} (--data-dir)`,
    );
  });
});
