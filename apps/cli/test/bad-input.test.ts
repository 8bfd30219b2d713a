import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExperimentConfigSchema } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { configHash } from '@oversight/runner';
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

  it('settings that would break blinding: a Slack channel for trials, an admin role by name', () => {
    const slack = writeConfig(dir, { ...good, chat: { slackChannel: 'C0123' } }, 'slack-channel.json');
    expectRejected(['run', slack], /chat\.slackChannel/, /reveal/, /DM with the app/);
    const roles = writeConfig(
      dir,
      { ...good, chat: { admins: { discordRoles: ['Researcher'] } } },
      'role-name.json',
    );
    expectRejected(['run', roles], /chat\.admins\.discordRoles\[0\]/, /not a role id/, /Copy Role ID/);
  });

  it('dotted experiment and arm names are refused before anything is written', () => {
    const file = writeConfig(dir, { ...good, name: 'study.v2' }, 'dotted.json');
    expectRejected(['run', file], /study\.v2/);
  });

  it('too few judges for the design', () => {
    const file = writeConfig(dir, { ...good, judges: [{ count: 1 }] }, 'few-judges.json');
    expectRejected(['run', file], /not enough judges/, /add judges/);
  });

  it('a new experiment with "." in its name or an arm name', () => {
    const file = writeConfig(
      dir,
      { ...good, name: 'study.v2', arms: [{ name: 'v2.debate', protocol: 'debate' }] },
      'dotted.json',
    );
    expectRejected(
      ['run', file],
      /dotted\.json: invalid input \(a new experiment\)/,
      /- name: "study\.v2" contains "\."; trial ids are <experiment>\.<arm>\.<question>\.<k>, so a "\." in an experiment or arm name lets two experiments build the same trial ids; use "-" or "_" instead, e\.g\. "study-v2"/,
      /- arms\[0\]\.name: "v2\.debate" contains "\."/,
    );
    expect(cli(['run', file, '--data-dir', dataDir], { cwd: dir }).stderr).not.toMatch(/ at |\.ts:\d/);
  });

  it('but an experiment stored before names with "." were refused goes on', async () => {
    const dotted = { ...good, name: 'pilot.v1', arms: [{ name: 'alone', protocol: 'judge-alone' }] };
    const file = writeConfig(dir, dotted, 'stored-dotted.json');
    const data = path.join(tempDir('dotted-data'), 'data');
    // Stored as persistPlan stored a new experiment then: its row, before any trial.
    const config = ExperimentConfigSchema.parse(dotted);
    const db = await openDatabase({ dataDir: data });
    await db.experiments.ensure({
      id: config.name,
      name: config.name,
      seed: config.seed,
      config: config as unknown as Record<string, unknown>,
      configHash: configHash(config),
    });
    await db.close();
    const run = cli(['run', file, '--data-dir', data], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^pilot\.v1: 16 finished$/m);
  });

  it('an unknown option', () => {
    expectRejected(
      ['run', 'x.json', '--concurency', '3'],
      /run has no option --concurency \(did you mean "--concurrency"\?\)/,
    );
  });
});
