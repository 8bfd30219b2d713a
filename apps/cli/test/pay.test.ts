import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { bonusFor, type PaymentRule } from '@oversight/core';
import { openDatabase } from '@oversight/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli, oversight, tempDir, writeConfig, writeQuestions } from './cli.ts';

/**
 * `oversight pay` on small simulated experiments whose judges are given platform identities, as the web
 * app gives people who arrive from Prolific or MTurk, and one judge's turns made careless by hand (the
 * attention metadata a browser records) so that the pre-registered rules exclude them.
 */

// The bonus file is written through rename (temp file, then rename): a test can make that step fail
// after the batch was recorded, as a crash between recording and writing would.
const fault = vi.hoisted(() => ({ failRename: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...original,
    rename: (from: string, to: string) =>
      fault.failRename
        ? Promise.reject(new Error('simulated crash before the file was in place'))
        : original.rename(from, to),
  };
});

const PIDS = ['5f0c1a2b3c4d5e6f7a8b9c0d', '60ffe5c8371090c7041d43f8', '61015b057bd72ddc7244edb9'];
const WORKERS = ['A1B2C3D4E5F6G7', 'A2QWERTYUIOP12', 'A3ZXCVBNMASD34'];

const rule = (platform: 'prolific' | 'mturk'): PaymentRule => ({
  platform,
  currency: platform === 'mturk' ? 'USD' : 'GBP',
  base: 1,
  // Simulated judges' log-score rewards are mostly between -7 and 0: a constant of 1 per verdict keeps
  // sums positive, and the rate makes the bonus move by cents.
  ratePerPoint: 0.3,
  floor: 0.2,
  cap: 6,
  excludedJudges: platform === 'mturk' ? 'nothing' : 'base',
});

function experiment(name: string, platform: 'prolific' | 'mturk', questions: string) {
  return {
    name,
    seed: `${name}-seed`,
    dataset: { path: questions },
    judges: [{ name: 'judges', count: 4 }],
    arms: [{ name: 'debate', protocol: 'debate', rounds: 1, trialsPerQuestion: 2 }],
    reward: { constant: 1 },
    payment: rule(platform),
    qualityControl: {
      turns: { minSeconds: 10 },
      exclude: { flaggedTurns: { above: 0.5, minTurns: 1 } },
    },
  };
}

const dir = tempDir('pay');
const dataDir = path.join(dir, 'data');
const data = ['--data-dir', dataDir];
const out = (name: string) => path.join(dir, name);

/** judges-1..3 join from the platform, judges-4 from Discord; judges-2's turns were all too fast. */
async function givePlatformIdentities(experimentId: string, platform: 'prolific' | 'mturk') {
  const db = await openDatabase({ dataDir });
  try {
    const judges = (await db.participants.list(experimentId)).filter((p) => p.kind === 'simulated-judge');
    expect(judges.length).toBe(4);
    const ids = platform === 'prolific' ? PIDS : WORKERS;
    for (const [i, p] of judges.entries())
      await db.prisma.participant.update({
        where: { experimentId_id: { experimentId, id: p.id } },
        data: { identity: i < 3 ? `${platform}:${ids[i]}` : `discord:10000000000000000${i}` },
      });
    await db.prisma.$executeRaw`
      UPDATE "TrialEvent" e SET "payload" = jsonb_set(e."payload", '{meta}',
        coalesce(e."payload"->'meta', '{}'::jsonb) || '{"attention": {"turnSeconds": 3, "hiddenSeconds": 0, "pastedCharacters": 0}}'::jsonb)
      FROM "Trial" t WHERE t."id" = e."trialId" AND t."experimentId" = ${experimentId}
        AND t."judgeId" = ${judges[1]!.id} AND e."type" IN ('BeliefReported', 'VerdictSubmitted')`;
    return judges.map((j) => j.id);
  } finally {
    await db.close();
  }
}

async function rewardsOf(experimentId: string): Promise<Map<string, number[]>> {
  const db = await openDatabase({ dataDir });
  try {
    const map = new Map<string, number[]>();
    for (const j of await db.judgments.list(experimentId))
      map.set(j.judgeId, [...(map.get(j.judgeId) ?? []), j.reward]);
    return map;
  } finally {
    await db.close();
  }
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const pence = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

let judges: string[] = [];
let mturkJudges: string[] = [];

beforeAll(async () => {
  const questions = path.basename(writeQuestions(dir, 6, 6));
  const files = [
    writeConfig(dir, experiment('pay-prolific', 'prolific', questions), 'prolific.json'),
    writeConfig(dir, experiment('pay-mturk', 'mturk', questions), 'mturk.json'),
    writeConfig(
      dir,
      (({ payment: _, qualityControl: __, ...rest }) => ({
        ...rest,
        judges: [{ name: 'judges', count: 2 }],
      }))(experiment('pay-unpaid', 'prolific', questions)),
      'unpaid.json',
    ),
  ];
  for (const file of files) {
    const run = cli(['run', file, ...data], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
  }
  judges = await givePlatformIdentities('pay-prolific', 'prolific');
  mturkJudges = await givePlatformIdentities('pay-mturk', 'mturk');
}, 300_000);

describe('pay: Prolific', () => {
  it("writes Prolific's participant_id,amount lines by the rule, the excluded judge at the base, said in the output", async () => {
    const result = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('p1.csv'),
      ...data,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const rewards = await rewardsOf('pay-prolific');
    const expected = [0, 2].map(
      (i) => `${PIDS[i]},${pence(bonusFor(rule('prolific'), rewards.get(judges[i]!)!).minor)}`,
    );
    expected.splice(1, 0, `${PIDS[1]},1.00`);
    expect(lines(out('p1.csv')).sort()).toEqual(expected.sort());
    expect(readFileSync(out('p1.csv'), 'utf8')).toMatch(/^[0-9a-f]{24},\d+\.\d{2}\n/);
    expect(result.stdout).toMatch(
      /1 judge excluded by the pre-registered quality-control rules is paid the base only \(£1\.00; payment\.excludedJudges: "base"\)/,
    );
    expect(result.stdout).toMatch(/judges-2 \[simulated judge\]: flagged turns/);
    expect(result.stdout).toMatch(/1 person joined from another platform than prolific: not paid here/);
    expect(result.stdout).toMatch(/Batch 1 recorded: 3 bonuses/);
    // The researcher's screen names people by label; platform ids are in the file only.
    for (const pid of PIDS) expect(result.stdout + result.stderr).not.toContain(pid);
  });

  it('a second pay pays nothing when nothing is new, and only the difference when a reward grew', async () => {
    const again = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('p2.csv'),
      ...data,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /Nothing new is due: no batch recorded, no file written. 3 bonuses in 1 batch/,
    );
    expect(existsSync(out('p2.csv'))).toBe(false);

    // A later verdict of judges-1's (hand-written: one of their rewards up by 2 points).
    const before = bonusFor(rule('prolific'), (await rewardsOf('pay-prolific')).get(judges[0]!) ?? []).minor;
    const db = await openDatabase({ dataDir });
    try {
      await db.prisma.$executeRaw`
        UPDATE "Judgment" SET "reward" = "reward" + 2
        WHERE "trialId" = (SELECT min("trialId") FROM "Judgment" WHERE "experimentId" = 'pay-prolific' AND "judgeId" = ${judges[0]!})`;
    } finally {
      await db.close();
    }
    const after = bonusFor(rule('prolific'), (await rewardsOf('pay-prolific')).get(judges[0]!)!).minor;
    const third = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('p3.csv'),
      ...data,
    ]);
    expect(third.code, third.stderr).toBe(0);
    expect(lines(out('p3.csv'))).toEqual([`${PIDS[0]},${pence(after - before)}`]);
    expect(after - before).toBe(60);
  });

  it('a crash after the record and before the file: nothing is recorded twice, and --batch N writes the file', async () => {
    const db = await openDatabase({ dataDir });
    try {
      await db.prisma.$executeRaw`
        UPDATE "Judgment" SET "reward" = "reward" + 1
        WHERE "trialId" = (SELECT min("trialId") FROM "Judgment" WHERE "experimentId" = 'pay-prolific' AND "judgeId" = ${judges[2]!})`;
    } finally {
      await db.close();
    }
    fault.failRename = true;
    const crashed = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('p4.csv'),
      ...data,
    ]);
    fault.failRename = false;
    expect(crashed.code).not.toBe(0);
    expect(existsSync(out('p4.csv'))).toBe(false);

    const rerun = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('p4.csv'),
      ...data,
    ]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/Nothing new is due/);
    expect(existsSync(out('p4.csv'))).toBe(false);

    const rewrite = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--batch',
      '3',
      '--out',
      out('p4.csv'),
      ...data,
    ]);
    expect(rewrite.code, rewrite.stderr).toBe(0);
    expect(lines(out('p4.csv'))).toEqual([`${PIDS[2]},0.30`]);
    const check = await openDatabase({ dataDir });
    try {
      const paid = await check.payments.list('pay-prolific');
      expect(paid.map((p) => [p.batch, p.participantId, p.amountMinor])).toEqual([
        [1, judges[0], expect.any(Number)],
        [1, judges[1], 100],
        [1, judges[2], expect.any(Number)],
        [2, judges[0], 60],
        [3, judges[2], 30],
      ]);
    } finally {
      await check.close();
    }
  });

  it('two pays recording the same batch: the second writes nothing', async () => {
    const db = await openDatabase({ dataDir });
    try {
      const input = {
        experimentId: 'pay-prolific',
        platform: 'prolific',
        currency: 'GBP',
        payments: [
          {
            participantId: judges[0]!,
            platformId: PIDS[0]!,
            assignmentId: null,
            amountMinor: 5,
            points: 0,
            judgments: 0,
            excludedBy: null,
            reason: 'test',
            requestToken: 't',
          },
        ],
      };
      const [a, b] = await Promise.all([
        db.payments.record({ ...input, batch: 4 }),
        db.payments.record({ ...input, batch: 4 }),
      ]);
      expect([a, b].sort()).toEqual([false, true]);
      // An older batch number (a pay that computed its amounts before batch 4) is refused too.
      expect(await db.payments.record({ ...input, batch: 2 })).toBe(false);
      expect((await db.payments.list('pay-prolific')).filter((p) => p.batch === 4)).toHaveLength(1);
      await db.prisma.payment.deleteMany({ where: { experimentId: 'pay-prolific', batch: 4 } });
      await db.prisma.paymentBatch.deleteMany({ where: { experimentId: 'pay-prolific', batch: 4 } });
    } finally {
      await db.close();
    }
  });

  it('refuses an experiment with no payment rule, a platform the config does not name, a submit without a study, and a key over plain http', async () => {
    const unpaid = await oversight([
      'pay',
      'pay-unpaid',
      '--platform',
      'prolific',
      '--out',
      out('x.csv'),
      ...data,
    ]);
    expect(unpaid.code).toBe(2);
    expect(unpaid.stderr).toMatch(
      /pay-unpaid has no payment rule: a bonus must be pre-registered in the config \("payment"/,
    );
    expect(existsSync(out('x.csv'))).toBe(false);
    const wrong = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'mturk',
      '--out',
      out('x.csv'),
      ...data,
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/pay-prolific is paid through prolific, not mturk; use --platform prolific/);
    const submit = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('x.csv'),
      '--submit',
      ...data,
    ]);
    expect(submit.code).toBe(2);
    expect(submit.stderr).toMatch(/pass --study STUDY_ID/);
    const far = await oversight([
      'pay',
      'pay-prolific',
      '--platform',
      'prolific',
      '--out',
      out('x.csv'),
      '--submit',
      '--study',
      's1',
      '--endpoint',
      'http://example.com',
      ...data,
    ]);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/only be sent over https/);
  });
});

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A local stand-in for the platforms' bonus APIs, as their documentation describes them (see
 * apps/cli/src/payment-platforms.ts for the pages): it checks each request's form, keeps what each
 * person was paid, and can drop its answer after acting (as a crash of the caller would lose it).
 */
async function fakePlatform(key: string) {
  const requests: Recorded[] = [];
  const paid = new Map<string, number>();
  const bulk = new Map<string, string>();
  const tokens = new Set<string>();
  const problems: string[] = [];
  /** The next request whose path matches is acted on, and its answer dropped (the connection cut). */
  const state: { dropNext: RegExp | null } = { dropNext: null };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const send = (status: number, value: unknown) => {
        if (state.dropNext?.test(req.url ?? '')) {
          state.dropNext = null;
          req.socket.destroy();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      };
      const pay = (id: string, amount: string) =>
        paid.set(id, (paid.get(id) ?? 0) + Math.round(Number(amount) * 100));
      if (req.url === '/api/v1/submissions/bonus-payments/') {
        if (req.headers.authorization !== `Token ${key}`) return send(401, { error: 'Invalid token' });
        const { study_id, csv_bonuses } = JSON.parse(body) as { study_id?: string; csv_bonuses?: string };
        if (!study_id || typeof csv_bonuses !== 'string')
          return send(400, { error: 'study_id and csv_bonuses required' });
        for (const line of csv_bonuses.split('\n'))
          if (!/^[A-Za-z0-9]+,\d+(\.\d{1,2})?$/.test(line))
            problems.push(`bad csv line ${JSON.stringify(line)}`);
        const id = `bulk${bulk.size + 1}`;
        bulk.set(id, csv_bonuses);
        return send(201, { id, study: study_id, amount: 0, fees: 0, total_amount: 0, vat: 0 });
      }
      const payMatch = /^\/api\/v1\/bulk-bonus-payments\/([^/]+)\/pay\/$/.exec(req.url ?? '');
      if (payMatch) {
        if (req.headers.authorization !== `Token ${key}`) return send(401, { error: 'Invalid token' });
        const csv = bulk.get(payMatch[1]!);
        if (!csv) return send(404, { error: 'no such bulk bonus' });
        // Not idempotent, as Prolific documents: each call pays the whole list again.
        for (const line of csv.split('\n')) {
          const [id, amount] = line.split(',');
          pay(id!, amount!);
        }
        return send(202, `Bulk bonus payment with ID ${payMatch[1]} is being processed asynchronously.`);
      }
      if (req.url === '/' && req.headers['x-amz-target'] === 'MTurkRequesterServiceV20170117.SendBonus') {
        const auth = String(req.headers.authorization ?? '');
        const [accessKeyId] = key.split(':');
        if (
          !new RegExp(
            `^AWS4-HMAC-SHA256 Credential=${accessKeyId}/\\d{8}/us-east-1/mturk-requester/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$`,
          ).test(auth)
        )
          return send(400, { __type: 'InvalidSignatureException', message: 'bad signature' });
        if (req.headers['content-type'] !== 'application/x-amz-json-1.1') problems.push('content-type');
        const b = JSON.parse(body) as Record<string, unknown>;
        for (const field of ['WorkerId', 'BonusAmount', 'AssignmentId', 'Reason', 'UniqueRequestToken'])
          if (typeof b[field] !== 'string' || !b[field]) problems.push(`SendBonus without ${field}`);
        if (!/^\d+\.\d{2}$/.test(String(b.BonusAmount))) problems.push(`BonusAmount ${b.BonusAmount}`);
        if (String(b.UniqueRequestToken).length > 64) problems.push('UniqueRequestToken over 64 characters');
        if (tokens.has(String(b.UniqueRequestToken)))
          return send(400, {
            __type: 'RequestError',
            Message: `The UniqueRequestToken ${b.UniqueRequestToken} has already been used.`,
          });
        tokens.add(String(b.UniqueRequestToken));
        pay(String(b.WorkerId), String(b.BonusAmount));
        return send(200, {});
      }
      send(404, { error: `no route ${req.method} ${req.url}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    paid,
    problems,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('pay --submit against a local fake of the platform API', () => {
  const KEY = 'prolific-secret-token-123';
  let fake: Awaited<ReturnType<typeof fakePlatform>>;
  beforeAll(async () => {
    fake = await fakePlatform(KEY);
    process.env.PROLIFIC_API_KEY = KEY;
  });
  afterAll(async () => {
    delete process.env.PROLIFIC_API_KEY;
    await fake.close();
  });

  it('Prolific: sets up and pays the batch once; a lost answer is never followed by a second pay call', async () => {
    const args = [
      '--platform',
      'prolific',
      '--submit',
      '--endpoint',
      fake.url,
      '--study',
      'study123',
      ...data,
    ];
    const first = await oversight(['pay', 'pay-prolific', '--batch', '1', '--out', out('s1.csv'), ...args]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Prolific accepted batch 1 \(bulk bonus bulk1\)/);
    const expected = lines(out('s1.csv')).map((l) => l.split(','));
    for (const [pid, amount] of expected) expect(fake.paid.get(pid!)).toBe(Math.round(Number(amount) * 100));

    const again = await oversight(['pay', 'pay-prolific', '--batch', '1', '--out', out('s1.csv'), ...args]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Batch 1 was paid through Prolific on .*; not sent again/);

    // Batch 2: Prolific pays, and the answer is lost (the caller crashed or the network dropped).
    const before = new Map(fake.paid);
    const setUps = fake.requests.length;
    // The set-up's answer arrives; the pay call's answer is dropped after the fake has paid.
    fake.state.dropNext = /\/pay\/$/;
    const lost = await oversight(['pay', 'pay-prolific', '--batch', '2', '--out', out('s2.csv'), ...args]);
    expect(fake.requests.length).toBe(setUps + 2);
    expect(lost.code).toBe(2);
    expect(lost.stderr).toMatch(
      /marked as sent, so it is not sent twice: check the study's bonuses on Prolific/,
    );
    const retry = await oversight(['pay', 'pay-prolific', '--batch', '2', '--out', out('s2.csv'), ...args]);
    expect(retry.code).toBe(2);
    expect(retry.stderr).toMatch(/was sent to Prolific before .*bulk bonus bulk2.* not sent again/);
    expect(fake.requests.length).toBe(setUps + 2);
    expect(fake.paid.get(PIDS[0]!)! - before.get(PIDS[0]!)!).toBe(60);

    expect(fake.problems).toEqual([]);
    for (const r of [first, again, lost, retry]) expect(r.stdout + r.stderr).not.toContain(KEY);
    const status = await oversight(['status', 'pay-prolific', ...data]);
    expect(status.stdout).toMatch(
      /bonuses: 3 batches recorded, 5 bonuses to 3 people, £[\d.]+ in all \(prolific\)/,
    );
    expect(status.stdout).toMatch(
      /sent through the API with no answer recorded: batch 2 \(check them on the platform/,
    );
  });

  it('MTurk: writes SendBonus rows, sends each once, and a resend after a lost answer is refused by its token', async () => {
    const assignments = out('batch-results.csv');
    writeFileSync(
      assignments,
      `"HITId","AssignmentId","WorkerId","Approve"\n${WORKERS.map((w, i) => `"H1","ASSIGN${i}","${w}","x"`).join('\n')}\n`,
    );
    const noAssign = await oversight([
      'pay',
      'pay-mturk',
      '--platform',
      'mturk',
      '--out',
      out('m0.csv'),
      ...data,
    ]);
    expect(noAssign.code).toBe(2);
    expect(noAssign.stderr).toMatch(
      /none is known for judges-1 \[simulated judge\], judges-2 \[simulated judge\], judges-3 \[simulated judge\]: pass --assignments FILE/,
    );

    const made = await oversight([
      'pay',
      'pay-mturk',
      '--platform',
      'mturk',
      '--out',
      out('m1.csv'),
      '--assignments',
      assignments,
      ...data,
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/1 judge excluded .* is paid nothing \(payment.excludedJudges: "nothing"\)/);
    const [header, ...rows] = lines(out('m1.csv'));
    expect(header).toBe('WorkerId,AssignmentId,BonusAmount,Reason,UniqueRequestToken');
    const rewards = await rewardsOf('pay-mturk');
    // judges-2 is excluded and paid nothing, so has no row.
    expect(rows.map((r) => r.split(',').slice(0, 3))).toEqual([
      [WORKERS[0], 'ASSIGN0', pence(bonusFor(rule('mturk'), rewards.get(mturkJudges[0]!)!).minor)],
      [WORKERS[2], 'ASSIGN2', pence(bonusFor(rule('mturk'), rewards.get(mturkJudges[2]!)!).minor)],
    ]);
    expect(rows[0]).toMatch(/by the scoring rule you were told/);

    const KEYM = 'AKIDEXAMPLE:mturk-secret-key';
    process.env.MTURK_API_KEY = KEYM;
    const mfake = await fakePlatform(KEYM);
    try {
      const args = [
        '--platform',
        'mturk',
        '--submit',
        '--endpoint',
        mfake.url,
        '--batch',
        '1',
        '--out',
        out('m1.csv'),
        ...data,
      ];
      // The first SendBonus is paid and its answer lost: the row stays unpaid in the database.
      mfake.state.dropNext = /^\/$/;
      const lost = await oversight(['pay', 'pay-mturk', ...args]);
      expect(lost.code).toBe(2);
      expect(lost.stderr).toMatch(/run pay --batch 1 --submit again to send the rest/);
      const resend = await oversight(['pay', 'pay-mturk', ...args]);
      expect(resend.code, resend.stderr).toBe(0);
      expect(resend.stdout).toMatch(
        /MTurk: 1 bonus of batch 1 sent, 1 already paid before \(MTurk refused the repeat\)/,
      );
      const done = await oversight(['pay', 'pay-mturk', ...args]);
      expect(done.stdout).toMatch(/MTurk: 0 bonuses of batch 1 sent/);
      expect(mfake.requests).toHaveLength(3);
      for (const r of rows) {
        const [worker, , amount] = r.split(',');
        expect(mfake.paid.get(worker!)).toBe(Math.round(Number(amount) * 100));
      }
      expect(mfake.paid.has(WORKERS[1]!)).toBe(false);
      expect(mfake.problems).toEqual([]);
      for (const r of [lost, resend, done]) expect(r.stdout + r.stderr).not.toContain('mturk-secret-key');
      // Dropping the experiment says its bonus records go too, and leaves none behind.
      const dropped = await oversight(['db', 'drop-experiment', 'pay-mturk', '--yes', ...data]);
      expect(dropped.code, dropped.stderr).toBe(0);
      expect(dropped.stdout).toMatch(/and the record of 2 bonuses paid \(keep the bonus files/);
      const db = await openDatabase({ dataDir });
      try {
        expect(await db.payments.list('pay-mturk')).toEqual([]);
        expect(await db.payments.batches('pay-mturk')).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      delete process.env.MTURK_API_KEY;
      await mfake.close();
      rmSync(assignments);
    }
  });
});
