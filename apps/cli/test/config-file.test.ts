import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { planExperiment } from '@oversight/runner';
import { describe, expect, it } from 'vitest';
import { loadExperimentConfig } from '../src/config-file.ts';
import { oversight, repoRoot, tempDir } from './cli.ts';

/** Config files as researchers write them: with comments, and with mistakes told in plain words. */
describe('config files', () => {
  const dir = tempDir('config');

  it("the README's own example loads, comments and all", async () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const example = /## Experiments[\s\S]*?```jsonc\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'the README has a jsonc example under "## Experiments"').toBeDefined();
    expect(example).toMatch(/\/\/ /);
    const file = path.join(dir, 'readme.json');
    writeFileSync(file, example!);
    const loaded = await loadExperimentConfig(file);
    expect(loaded.config.arms.map((a) => a.protocol)).toContain('debate');
    expect(planExperiment(loaded.config, loaded.questions).trials.length).toBeGreaterThan(0);
  });

  it('the any-time questions study loads and plans, its three arms on the same questions', async () => {
    const loaded = await loadExperimentConfig(
      path.join(repoRoot, 'experiments/any-time-questions/config.json'),
    );
    expect(loaded.config.arms.map((a) => a.interjections ?? a.protocol)).toEqual([
      'any-time',
      'interactive-debate',
      'debate',
    ]);
    const plan = planExperiment(loaded.config, loaded.questions);
    const byArm = (arm: string) =>
      new Set(plan.trials.filter((t) => t.created.arm === arm).map((t) => t.created.questionId));
    expect(byArm('any-time')).toEqual(byArm('no-questions'));
    expect(byArm('any-time')).toEqual(byArm('between-rounds'));
    expect(plan.trials[0]!.created.rules).toMatchObject({ interjections: 'any-time', maxInterjections: 3 });
  });

  it('a config without a seed gets a random one, different each time it is read', async () => {
    const file = path.join(dir, 'no-seed.json');
    writeFileSync(file, JSON.stringify({ name: 'no-seed', arms: [{ name: 'debate', protocol: 'debate' }] }));
    const [a, b] = [await loadExperimentConfig(file), await loadExperimentConfig(file)];
    expect(a.seedGiven).toBe(false);
    expect(a.config.seed).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(b.config.seed).not.toBe(a.config.seed);
    writeFileSync(
      file,
      JSON.stringify({ name: 'seeded', seed: 7, arms: [{ name: 'debate', protocol: 'debate' }] }),
    );
    expect(await loadExperimentConfig(file)).toMatchObject({ seedGiven: true, config: { seed: '7' } });
  });

  it("a syntax error names the line and column and says what is wrong, without the parser's jargon", async () => {
    const cases: Array<[string, RegExp]> = [
      [
        '{\n  "name": "x",\n  "seed": \n}\n',
        /line 4, column 1: expected a value \(a number, "text" in double quotes/,
      ],
      [
        '{\n  name: "x"\n}\n',
        /line 2, column 3: unexpected "name": field names and text need double quotes \("name"\)/,
      ],
      [
        '{\n  "name": "x"\n  "seed": 1\n}\n',
        /line 3, column 3: a comma is missing between the previous item and this one/,
      ],
      ['{ "name": "x" /* unfinished\n', /a comment opened with \/\* is never closed with \*\//],
      ['', /the file is empty/],
    ];
    for (const [i, [text, pattern]] of cases.entries()) {
      const file = path.join(dir, `broken-${i}.json`);
      writeFileSync(file, text);
      const result = await oversight(['run', file, '--data-dir', path.join(dir, 'never')]);
      expect(result.code, text).toBe(2);
      expect(result.stderr, text).toMatch(pattern);
      expect(result.stderr).not.toMatch(
        /ValueExpected|PropertyNameExpected|InvalidSymbol|CommaExpected|InvalidCommentToken|UnexpectedEndOfComment/,
      );
    }
  });
});
