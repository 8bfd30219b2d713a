// Flipped twins at the Discord boundary: a judge takes one trial of every protocol in two worlds that
// differ only in which answer is correct (so which side is honest), under other trial ids and seeds,
// both on a PostgreSQL server where there is one.
// Every REST call the bot makes (thread names, messages and their embeds and component ids, modals,
// interaction replies, DMs) must be the same in both, up to the trial's random handle, the judge's
// pseudonym and Discord's own ids, and arrive in the same bursts at the same delays after the judge's
// moves: the dishonest side's best-of-N takes several model calls where the honest side takes one.
import { setTimeout as sleep } from 'node:timers/promises';
import { Notices } from '@oversight/chat';
import { ExperimentConfigSchema, type Question } from '@oversight/core';
import { backends } from '@oversight/db/testing/backends';
import {
  assertTwinStreams,
  assertTwinTiming,
  controlsOf,
  type FakeDiscordMessage as FakeMessage,
  Normalizer,
  type Observed,
  sideBlindReplier,
  twinKey,
  twinQuestions,
} from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import { llm, person, questions, startWorld, until, type World } from './harness.ts';

const server = backends.find((b) => b.name === 'PostgreSQL server')!;
const [base] = questions(1);
const twinPair = twinQuestions(base!);
/** The dishonest side drafts, critiques and rewrites twice (five calls), the honest side writes once. */
const arguer = { ...llm('arguer'), induction: { method: 'critique-refine', rounds: 2 } };

const arms: Array<Record<string, unknown>> = [
  { name: 'seq', protocol: 'debate', rounds: 2 },
  { name: 'sim', protocol: 'debate', speeches: 'simultaneous', rounds: 2 },
  { name: 'inter', protocol: 'interactive-debate', rounds: 2 },
  // One arguer: only the pace hides how long its side's work takes. Set above the slowest reply (five
  // calls of 150 ms, and a loaded machine's overhead): a reply that overruns it can be timed.
  { name: 'cons', protocol: 'consultancy', rounds: 2, paceSeconds: 3 },
  { name: 'sand', protocol: 'sandwiching', rounds: 1, paceSeconds: 3 },
  // A question asked while round 2 is written: the debaters answer it in round 3, both sides alike.
  {
    name: 'anytime',
    protocol: 'debate',
    rounds: 3,
    interjections: 'any-time',
    maxInterjections: 1,
    paceSeconds: 3,
  },
  { name: 'alone', protocol: 'judge-alone' },
  { name: 'oracle', protocol: 'oracle' },
];

function experiments(world: 'a' | 'b') {
  return arms.map((arm) => ({
    name: `twin-${arm.name}`,
    // Other seeds in each world: nothing the judge sees may depend on them.
    seed: `seed-${world}-${arm.name}`,
    judges: [{ name: 'people', participant: person }],
    arms: [{ trialsPerQuestion: 1, arguer, ...arm, name: 'arm' }],
  }));
}

async function twinWorld(which: 'a' | 'b'): Promise<World> {
  const question = twinPair[which === 'a' ? 0 : 1]!;
  const plans: Record<string, { questions: Question[]; blindingKey: string }> = {};
  const list = experiments(which);
  for (const e of list)
    plans[e.name] = {
      questions: [question],
      blindingKey: twinKey(ExperimentConfigSchema.parse(e), question),
    };
  return startWorld(list, {
    // Both twins on the PostgreSQL server where there is one (CI starts one), the same backend so
    // their timing compares (the embedded database is slower at everything); every other Discord
    // test runs on the embedded one.
    ...(server.skip === null ? { backend: server } : {}),
    // Every "your turn" by DM, so DMs are compared too.
    activeMs: 0,
    plans,
    // Rate limits delay a request by how many came before it, the same in both worlds, but where a
    // bucket's window resets follows each world's own clock: they are off here, so that the timing
    // compared is the bot's (the judge's DMs otherwise queue behind Discord's 5 per 5 s per channel).
    discord: { rateLimits: false },
    openai: { latencyMs: 150, reply: sideBlindReplier(question.source) },
  });
}

/** The judge's whole session in one world: what the bot sent, with the judge's moves interleaved. */
async function session(which: 'a' | 'b'): Promise<{ stream: Observed[]; normalizer: Normalizer }> {
  const world = await twinWorld(which);
  try {
    const judge = world.person('400000000000000001', { name: 'judge' });
    const actions: Observed[] = [];
    // Before each move the judge waits until the bot has been quiet for a moment, so what arrived
    // after a move (a thread post, and the DM saying it is their turn) is all in before the next.
    const quiet = async () => {
      for (let n = world.fake.calls.length; ; ) {
        await sleep(250);
        if (world.fake.calls.length === n) return;
        n = world.fake.calls.length;
      }
    };
    const act = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
      await quiet();
      actions.push({ at: Date.now(), kind: `action: ${what}`, body: null });
      return run();
    };
    for (const { name } of experiments(which)) {
      await (await act(`join ${name}`, () => judge.run('join', { experiment: name }))).reply();
      // The judge's seat opens once the arguers' first round is in (before that, nobody watches).
      await until(
        async () => (await world.db.trials.owedIn(name)).some((o) => o.role === 'judge'),
        `a judge seat in ${name}`,
      );
      await (await act(`next ${name}`, () => judge.run('next', { experiment: name }))).reply();
      const thread = judge.threads().at(-1)!;
      let previous: FakeMessage | undefined;
      for (let step = 0; ; step++) {
        const turn = await judge.waitTurn(thread, undefined, previous);
        previous = turn;
        // A reminder of the first turn (as an admin's "remind now" queues one): its DM is compared too.
        if (step === 0) {
          const before = world.fake.dms(judge.id).length;
          await act('remind', () =>
            new Notices(world.bot.chat).queueReminders(name, { olderThanMs: 0, kind: `remind:${name}` }),
          );
          // Reminders are polled for (no wake-up), so wait for the DM before the judge moves on.
          await until(() => world.fake.dms(judge.id).length > before, `the reminder in ${name}`);
        }
        const labels = controlsOf(turn).map((c) => c.label);
        if (labels.includes('Message the assistant…')) {
          const open = await act('message', () => judge.click(turn, 'Message the assistant…'));
          await (
            await act('send message', () => judge.submit(open, { comment: 'What happened first?' }))
          ).text();
          continue;
        }
        const choice = await (await act('credence 60', () => judge.select(turn, '60'))).reply();
        const buttons = controlsOf(choice).map((c) => c.label);
        if (buttons.includes('Submit verdict')) {
          await (await act('verdict', () => judge.click(choice, 'Submit verdict'))).text();
          break;
        }
        if (step === 0 && buttons.includes('Ask or comment…') && name !== 'twin-anytime') {
          const open = await act('ask', () => judge.click(choice, 'Ask or comment…'));
          await (await act('send question', () => judge.submit(open, { comment: 'Which chapter?' }))).text();
          continue;
        }
        await (await act('continue', () => judge.click(choice, 'Continue'))).text();
        if (step === 0 && name === 'twin-anytime') {
          const waiting = await until(
            () =>
              judge
                .messages(thread)
                .find((m) => controlsOf(m).some((c) => c.label.startsWith('Ask the arguers'))),
            'the Ask control',
          );
          const open = await act('ask at any time', () => judge.click(waiting, /^Ask the arguers/));
          await (
            await act('send the question', () => judge.submit(open, { comment: 'Where is the beacon?' }))
          ).text();
        }
      }
      // The reveal follows the verdict and differs by design: the stream is cut before it.
      actions.push({ at: Date.now(), kind: 'action: end of trial', body: null });
      await sleep(300);
    }
    // After a verdict only the answer to the verdict's own click counts: what the bot posts in the
    // thread next is the reveal (the correct answer, who defended what), which differs by design.
    const calls = world.fake.calls
      .filter((c) => c.method !== 'GET')
      .map((c) => ({ at: c.at, kind: `${c.method} ${c.path}`, body: c.body }));
    const stream: Observed[] = [];
    let afterVerdict = false;
    // A message posted again with the same nonce (at-least-once posting) is dropped by Discord itself
    // (enforce_nonce): the client never sees the repeat.
    const nonces = new Set<string>();
    // At the same millisecond, what the bot sent before what the judge did next.
    const order = (o: Observed) => (o.kind.startsWith('action') ? 1 : 0);
    for (const o of [...actions, ...calls].sort((x, y) => x.at - y.at || order(x) - order(y))) {
      const nonce = (o.body as { nonce?: string } | null)?.nonce;
      if (nonce) {
        if (nonces.has(`${o.kind} ${nonce}`)) continue;
        nonces.add(`${o.kind} ${nonce}`);
      }
      if (o.kind === 'action: verdict') afterVerdict = true;
      if (o.kind.startsWith('action: join')) afterVerdict = false;
      if (afterVerdict && !o.kind.startsWith('action') && !/\/(interactions|webhooks)\//.test(o.kind))
        continue;
      stream.push(o);
    }
    const handles: Array<readonly [string, string]> = [];
    const names: Array<readonly [string, string]> = [];
    for (const e of experiments(which)) {
      for (const t of await world.db.trials.list(e.name)) handles.push([t.ref, `<handle-${handles.length}>`]);
      for (const p of await world.db.participants.list(e.name))
        if (p.kind === 'human') names.push([p.label, `<pseudonym-${names.length}>`]);
    }
    return { stream, normalizer: new Normalizer([...handles, ...names], ['nonce']) };
  } finally {
    await world.close();
  }
}

/** Both worlds' sessions, as segments of the judge's actions; `first` runs first (see assertTwinTiming). */
async function twins(first: 'a' | 'b' = 'a') {
  const [x, y] = [await session(first), await session(first === 'a' ? 'b' : 'a')];
  const [a, b] = first === 'a' ? [x, y] : [y, x];
  return { a: a.normalizer.segments(a.stream), b: b.normalizer.segments(b.stream) };
}

// Timed: what reaches the judge after they hand the trial to the arguers and waits on the arguers'
// work (the next round's speeches in the thread, the turn, the DM saying so), where honesty could
// show. The answer to a click, or a thread opened on `next`, is timed by the bot's own work, the same
// whoever is honest.
const timed = (item: string, action: string) =>
  /^action: (continue|send question|send the question|send message)$/.test(action) &&
  /"kind":"POST \/api\/v10\/channels\/#\d+\/messages"/.test(item) &&
  /(Debater [AB]|Consultant|Assistant) · round|\*\*Your (turn|verdict)/.test(item);

describe('flipped twins at the Discord boundary', () => {
  it('sends a judge the same bytes at the same moments whichever answer is correct', async () => {
    const { a, b } = await twins();
    // Something was compared: every protocol's trial was judged to a verdict.
    expect(a.filter((s) => s.action === 'action: verdict')).toHaveLength(arms.length);
    // The question asked while round 2 was written reached the thread (both twins alike, below).
    expect(a.map((s) => s.action)).toContain('action: send the question');
    expect(JSON.stringify(a)).toContain('Where is the beacon?');
    // No trial id (it names the question, whose id differs between the worlds) and no seed.
    expect(JSON.stringify(a).match(/q0-twin-[ab]|seed-[ab]-/)?.[0]).toBeUndefined();
    assertTwinStreams(a, b);
    // Timed items: those that wait on the arguers' work (a leak shows in every run; see assertTwinTiming).
    await assertTwinTiming(
      [a, b],
      async () => {
        const again = await twins('b');
        return [again.a, again.b];
      },
      { timed, toleranceMs: 400, relative: 0.5 },
    );
  }, 600_000);
});
