import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeConfig, writeQuestions } from './cli.ts';

/** Bad input exits with code 2, names the file, the field and the fix, and writes nothing. */
describe('bad input', () => {
  const dir = tempDir('bad');
  let dataDir = '';
  const questions = writeQuestions(dir, 8);
  const good = {
    name: 'bad-input',
    seed: 1,
    dataset: { path: path.basename(questions) },
    judges: [{ count: 10 }],
    arms: [{ name: 'debate', protocol: 'debate' }],
  };

  const expectRejected = (args: string[], ...patterns: RegExp[]) => {
    dataDir = path.join(tempDir('bad-data'), 'data');
    const result = cli([...args, '--data-dir', dataDir], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
    expect(existsSync(dataDir)).toBe(false);
  };

  it('a config with a misspelt field', () => {
    const file = writeConfig(
      dir,
      { ...good, armz: [], arms: [{ name: 'debate', protocol: 'debate', rouds: 2 }] },
      'misspelt.json',
    );
    expectRejected(
      ['run', file],
      /misspelt\.json/,
      /\(top level\): unknown field "armz" \(did you mean "arms"\?\); remove or rename it \(the fields here are: arguers, arms,/,
      /arms\[0\]: unknown field "rouds" \(did you mean "rounds"\?\)/,
    );
  });

  it('an unknown protocol', () => {
    const file = writeConfig(dir, { ...good, arms: [{ name: 'x', protocol: 'debait' }] }, 'protocol.json');
    expectRejected(
      ['run', file],
      /protocol\.json/,
      /arms\[0\]\.protocol/,
      /unknown protocol; use one of: debate/,
    );
  });

  it('a config that is not JSON', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "name": "x",\n  "seed": }');
    expectRejected(['run', file], /broken\.json: not valid JSON at line 2, column 11: expected a value/);
  });

  it('a dataset with a malformed line, or a wrong field', () => {
    const data = path.join(dir, 'broken.jsonl');
    writeFileSync(
      data,
      `${JSON.stringify({ id: 'a', storyId: 's', question: 'q?', answers: ['x', 'y'], correctIndex: 0, source: 'text' })}\n{not json\n`,
    );
    const file = writeConfig(dir, { ...good, dataset: { path: 'broken.jsonl' } }, 'uses-broken.json');
    expectRejected(['run', file], /broken\.jsonl:2/);
    writeFileSync(
      data,
      `${JSON.stringify({ id: 'a', storyId: 's', question: 'q?', answers: ['x', 'y'], correctIndex: 5, source: 'text' })}\n`,
    );
    expectRejected(['run', file], /broken\.jsonl:1/, /correctIndex/);
  });

  it('too few judges for the design', () => {
    const file = writeConfig(dir, { ...good, judges: [{ count: 1 }] }, 'few-judges.json');
    expectRejected(['run', file], /not enough judges/, /add judges/);
  });

  it('an unknown option', () => {
    expectRejected(
      ['run', 'x.json', '--concurency', '3'],
      /run has no option --concurency \(did you mean "--concurrency"\?\)/,
    );
  });
});
