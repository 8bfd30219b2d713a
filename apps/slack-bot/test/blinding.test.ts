// Flipped twins at the Slack boundary: a judge takes one trial of every protocol in two worlds that
// differ only in which answer is correct (so which side is honest), under other trial ids and seeds.
// Every Web API call the app makes (thread posts and their blocks and action ids, updates, modals with
// their callback ids and private metadata, the App Home, DMs, scheduled reminders and their
// cancelling, ephemerals, answers to response URLs) and every answer to the judge's own requests must
// be the same in both, up to the trial's random handle, the judge's pseudonym and Slack's own ids and
// timestamps, and arrive at the same delays after the judge's moves: the dishonest side's
// critique-refine takes eleven model calls where the honest side takes one.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExperimentConfigSchema } from '@oversight/core';
import {
  assertTwinStreams,
  assertTwinTiming,
  type Delivery,
  elementsOf,
  type FakeMessage,
  type FakeView,
  Normalizer,
  type Observed,
  type SlackPerson,
  sideBlindReplier,
  type TwinSegments,
  twinKey,
  twinQuestions,
} from '@oversight/testkit';
import { describe, expect, it } from 'vitest';
import {
  admin,
  llm,
  migratedDir,
  planInto,
  questions,
  slackPeople,
  startWorld,
  TEAM,
  type World,
  waitFor,
} from './harness.ts';

const [base] = questions(1);
const twins = twinQuestions(base!);
/**
 * The dishonest side drafts, then critiques and rewrites five times (eleven calls of 150 ms), the
 * honest side writes once: 1.5 s apart, well beyond the tolerance the comparison needs for a busy
 * machine's noise (a stall of half a second within a segment, now and then, in one world).
 */
const arguer = { ...llm('arguer'), induction: { method: 'critique-refine', rounds: 5 } };

const arms: Array<Record<string, unknown>> = [
  { name: 'seq', protocol: 'debate', rounds: 2 },
  { name: 'sim', protocol: 'debate', speeches: 'simultaneous', rounds: 2 },
  { name: 'inter', protocol: 'interactive-debate', rounds: 2 },
  // One arguer: only the pace hides how long its side's work takes (eleven calls of 150 ms, which a
  // busy machine makes twice as long).
  { name: 'cons', protocol: 'consultancy', rounds: 2, paceSeconds: 4 },
  { name: 'sand', protocol: 'sandwiching', rounds: 1, paceSeconds: 4 },
  // The person writes to the assistant in the thread itself (a message event, not a modal).
  { name: 'chat', protocol: 'sandwiching', rounds: 1, paceSeconds: 4, beliefsEachRound: false },
  { name: 'alone', protocol: 'judge-alone' },
  { name: 'oracle', protocol: 'oracle' },
];

function experiments(world: 'a' | 'b') {
  return arms.map((arm, i) => ({
    name: `twin-${arm.name}`,
    // Other seeds in each world: nothing the judge sees may depend on them.
    seed: `seed-${world}-${arm.name}`,
    judges: [slackPeople],
    // One experiment asks for consent first (a modal, its submission, the DM saying who you are).
    ...(i === 0 ? { consent: { text: 'You will judge short debates. You appear under a pseudonym.' } } : {}),
    // A reminder per turn, scheduled in the judge's DM (and cancelled when the turn is taken); an
    // admin who may send reminders now.
    chat: { reminderMinutes: 30, admins: { slackUsers: [admin.id] } },
    arms: [{ trialsPerQuestion: 1, arguer, ...arm, name: 'arm' }],
  }));
}

/**
 * One person per protocol: the App Home lists every experiment with the person's standing in it
 * ("1 judged, 1 correct"), which after a verdict is the reveal of that trial and rightly differs; a
 * person new to each trial sees only results of their own, and those only after their verdict.
 */
const judges: SlackPerson[] = arms.map((arm, i) => ({
  id: `UJUDGE00${i}`,
  team: TEAM,
  name: `judge-${arm.name}`,
}));

async function twinWorld(which: 'a' | 'b'): Promise<World> {
  const question = twins[which === 'a' ? 0 : 1]!;
  return startWorld(
    `twins-${which}`,
    async (db, url) => {
      const list = experiments(which);
      for (const e of list) {
        const blindingKey = twinKey(ExperimentConfigSchema.parse(e), question);
        await planInto(db, e, url, [question], { blindingKey });
      }
      return list.map((e) => e.name);
    },
    {
      // Every "your turn" by DM (none skipped for a person who just moved), so DMs are compared too.
      activeMs: 0,
      // Slack's one message per second per channel delays a post by a second or not depending on how
      // close the previous one fell (tens of milliseconds of scheduling either way), in either twin
      // alike; with it on, that noise would swamp the timing comparison the test is for.
      rateLimits: false,
      dir: await migratedDir(`twins-${which}`),
      openai: { latencyMs: 150, reply: sideBlindReplier(question.source) },
    },
  );
}

const TURN_BUTTONS = ['Judge now', 'Submit verdict', 'Give my answer', 'Write with my credence'];

/** The labels of a message's or view's buttons. */
function labels(blocks: readonly unknown[] | undefined): string[] {
  return elementsOf(blocks ?? []).map(
    ({ element }) => (element.text as { text?: string } | undefined)?.text ?? String(element.action_id),
  );
}

/** The judge's whole session in one world: what the app sent, with the judge's moves interleaved. */
async function session(which: 'a' | 'b'): Promise<{ stream: Observed[]; normalizer: Normalizer }> {
  const world = await twinWorld(which);
  const { slack, driver } = world;
  try {
    // The app checks its token once at start (Bolt's auth.test, not awaited by start()): in before
    // the judge's first move, or it would land after it in one world and before it in the other.
    await waitFor('the app to check its token', () => slack.calls('auth.test').length > 0);
    const actions: Observed[] = [];
    // What Slack's client got back from the app for the person's own requests (a modal's errors or
    // its next view): timed when the answer arrived.
    const answers: Observed[] = [];
    // Before each move the judge waits until the app is done with the last one, so what follows a move
    // (a thread post, the DM saying it is their turn, the Home tab) is all in before the next: no work
    // after an acknowledgement, no "your turn" undelivered, no thread behind its trial, and no call for
    // a moment (on a busy machine, a silence alone can fall in the middle of the work).
    const experimentIds = experiments(which).map((e) => e.name);
    const settled = async () =>
      world.app.busy() === 0 &&
      (await world.db.prisma.notification.count({ where: { deliveredAt: null } })) === 0 &&
      (await world.db.chat.behind('slack', { experimentIds })).length === 0;
    const quiet = async () => {
      const deadline = Date.now() + 30_000;
      for (let n = slack.calls().length; Date.now() < deadline; ) {
        await sleep(250);
        if (slack.calls().length === n && (await settled())) return;
        n = slack.calls().length;
      }
      throw new Error(
        `the app did not settle in 30 s (busy ${world.app.busy()}; logs: ${world.logs.join(' | ')})`,
      );
    };
    const act = async (what: string, run: () => Promise<Delivery>): Promise<Delivery> => {
      await quiet();
      actions.push({ at: Date.now(), kind: `action: ${what}`, body: null });
      const delivery = await run();
      answers.push({ at: Date.now(), kind: `answer to ${what}`, body: [delivery.status, delivery.body] });
      return delivery;
    };
    /** Clicks a button and waits for the modal it opens (not one opened before). */
    const modalFrom = async (what: string, click: () => Promise<Delivery>) => {
      const seen = new Set(slack.views().map((v) => v.id));
      await act(what, click);
      // The modal opens at the click with a loading view and is filled in after: wait for the filling.
      return waitFor(`the modal of ${what}`, () =>
        slack
          .views()
          .find((v) => !seen.has(v.id) && v.view.type === 'modal' && v.view.callback_id !== 'ov-loading'),
      );
    };
    const home = async (person: SlackPerson, after: FakeView | undefined): Promise<FakeView> => {
      await act('open Home', () => driver.homeOpened(person));
      return waitFor('the Home tab', () => {
        const view = slack.home(person.id);
        return view && view.hash !== after?.hash ? view : null;
      });
    };

    for (const [index, e] of experiments(which).entries()) {
      const judge = judges[index]!;
      const dm = slack.dm(judge.id);
      // The Home tab before joining (the first person only: the app publishes it again after each move).
      let tab = index === 0 ? await home(judge, undefined) : undefined;
      await act(`join ${e.name}`, () => driver.command(judge, `join ${e.name}`));
      if (e.consent) {
        const consent = await waitFor('the consent modal', () =>
          slack.views().find((v) => String(v.view.callback_id).startsWith('ov1:accept:')),
        );
        await act('accept', () => driver.submit(judge, consent, {}));
      }
      // The judge's seat opens once the arguers' first round is in (before that, nobody watches).
      await waitFor(
        `a judge seat in ${e.name}`,
        async () => (await world.db.trials.owedIn(e.name)).some((o) => o.role === 'judge'),
        30_000,
      );
      // Next by command, or from the Home tab's button (both are how people ask).
      if (index % 2 === 0) await act(`next ${e.name}`, () => driver.command(judge, `next ${e.name}`));
      else {
        const opened = await home(judge, tab);
        const next = `ov1:next:${e.name}:0`;
        await act(`Home: next ${e.name}`, () => driver.clickView(judge, opened, next));
        tab = opened;
      }
      const parent = await waitFor('the trial thread', () =>
        slack
          .messages(dm)
          .find((m) => !m.thread_ts && (m.blocks?.[0] as { type?: string })?.type === 'header'),
      );
      let previous: FakeMessage | undefined;
      let said = false;
      for (let step = 0; ; step++) {
        const turn = await waitFor(
          `turn ${step} of ${e.name}`,
          () =>
            slack
              .thread(dm, parent.ts)
              .filter((m) => !m.edited && labels(m.blocks).some((l) => TURN_BUTTONS.includes(l)))
              .filter((m) => !previous || m.ts > previous.ts)
              .at(-1),
          30_000,
        );
        previous = turn;
        if (step === 0 && index === 2) {
          // The Home tab's queue: the waiting trial, and its Open button (a modal linking the thread).
          const opened = await home(judge, tab);
          await modalFrom('Home: open', () =>
            driver.clickView(judge, opened, (el) => String(el.action_id).startsWith('ov1:show:')),
          );
          tab = opened;
          // An admin reminds everyone who owes a move: a DM to the judge naming the trial by its handle.
          await act('admin: remind', () => driver.command(admin, `remind ${e.name} 0`));
        }
        const label = labels(turn.blocks).find((l) => TURN_BUTTONS.includes(l))!;
        if (label === 'Give my answer' && !said) {
          // Sandwiching: the person writes to the assistant in the thread; it answers there.
          said = true;
          await act('write in the thread', () => driver.say(judge, dm, parent.ts, 'What happened first?'));
          continue;
        }
        const modal = await modalFrom(`click ${label}`, () => driver.clickMessage(judge, turn, label));
        const inputs = ((modal.view.blocks as Array<{ type: string; block_id?: string }>) ?? [])
          .filter((b) => b.type === 'input')
          .map((b) => b.block_id);
        const final = label === 'Submit verdict' || (label === 'Give my answer' && said);
        const values: Record<string, string> = { 'credence-0': '60' };
        if (inputs.includes('next')) values.next = final ? 'verdict' : 'continue';
        const withComment = label === 'Write with my credence' ? !said : step === 0;
        if (inputs.includes('comment') && withComment && !final) {
          values.comment = label === 'Write with my credence' ? 'What happened first?' : 'Which chapter?';
          said = true;
        }
        const verdict =
          final || (label === 'Write with my credence' && !values.comment) || label === 'Submit verdict';
        await act(verdict ? 'verdict' : 'record', () => driver.submit(judge, modal, values));
        if (verdict) break;
      }
      // The reveal follows the verdict and differs by design: it is left out up to here.
      await quiet();
      actions.push({ at: Date.now(), kind: 'action: end of trial', body: null });
    }
    await quiet();

    // A call Slack refused for its rate limit reached nobody (the app sends it again): which calls meet
    // the limit depends on how close together the app's posts fell, noise a person never sees.
    const calls = slack
      .calls()
      .filter((c) => c.error !== 'ratelimited')
      .map((c) => ({
        at: c.at,
        kind: `${c.method}${c.error ? ` (${c.error})` : ''}`,
        body: reminderRelative(c.method, c.args, c.at),
      }));
    const stream: Observed[] = [];
    let afterVerdict = false;
    // At the same millisecond, what the app sent before what the judge did next.
    const order = (o: Observed) => (o.kind.startsWith('action') ? 1 : 0);
    for (const o of [...actions, ...answers, ...calls].sort((x, y) => x.at - y.at || order(x) - order(y))) {
      if (o.kind === 'action: verdict') afterVerdict = true;
      if (o.kind === 'action: end of trial') afterVerdict = false;
      // After a verdict the thread's outcome (the correct answer, who defended what) and the Home tab
      // ("1 judged, 1 correct") say who was right, by design; the rest (the answer to the submission,
      // the turn marked "Verdict recorded", its reminder cancelled) is still compared.
      if (afterVerdict && (o.kind === 'chat.postMessage' || o.kind === 'views.publish')) continue;
      stream.push(o);
    }
    const handles: Array<readonly [string, string]> = [];
    const names: Array<readonly [string, string]> = [];
    for (const e of experiments(which)) {
      for (const t of await world.db.trials.list(e.name)) handles.push([t.ref, `<handle-${handles.length}>`]);
      // Drawn at random for each person in each experiment (two may draw the same one): one placeholder.
      for (const p of await world.db.participants.list(e.name))
        if (p.kind === 'human') names.push([p.label, '<pseudonym>']);
    }
    return {
      stream,
      normalizer: new Normalizer(
        [...handles, ...names],
        ['trigger_id', 'view_id', 'hash', 'scheduled_message_id'],
      ),
    };
  } finally {
    await world.close();
  }
}

/** A scheduled message's time as minutes after the call (the clock differs between the worlds). */
function reminderRelative(method: string, args: Record<string, unknown>, at: number) {
  if (method !== 'chat.scheduleMessage') return args;
  const { post_at: postAt, ...rest } = args;
  return { ...rest, post_at: `in ${Math.round((Number(postAt) * 1000 - at) / 60_000)} min` };
}

/** One session in each world, as normalised segments; `first` runs first (see assertTwinTiming). */
async function flippedSessions(first: 'a' | 'b' = 'a'): Promise<TwinSegments> {
  const [x, y] = [await session(first), await session(first === 'a' ? 'b' : 'a')];
  const [a, b] = first === 'a' ? [x, y] : [y, x];
  return [a.normalizer.segments(a.stream), b.normalizer.segments(b.stream)];
}

describe('flipped twins at the Slack boundary', () => {
  it('sends a judge the same calls at the same moments whichever answer is correct', async () => {
    const [segmentsA, segmentsB] = await flippedSessions();
    // TWINS_DUMP=<folder>: both normalised streams as files, to read or diff when this fails.
    const dump = process.env.TWINS_DUMP;
    if (dump)
      for (const [name, segments] of [
        ['a', segmentsA],
        ['b', segmentsB],
      ] as const)
        writeFileSync(path.join(dump, `slack-twin-${name}.json`), JSON.stringify(segments, null, 1));
    // Something was compared: every protocol's trial was judged to a verdict, with DMs and reminders.
    expect(segmentsA.filter((s) => s.action === 'action: verdict')).toHaveLength(arms.length);
    const seen = JSON.stringify(segmentsA);
    for (const method of [
      'chat.postMessage',
      'chat.update',
      'views.open',
      'views.publish',
      'chat.scheduleMessage',
    ])
      expect(seen).toContain(method);
    expect(seen).toContain('Your turn');
    // No trial id (it names the question, whose id differs between the worlds) and no seed.
    expect(seen.match(/q0-twin-[ab]|seed-[ab]-/)?.[0]).toBeUndefined();
    // Timed from the first answer after each move: the answer to the judge's request, which Slack wants
    // within 3 s and which this app gives before any model is asked.
    assertTwinStreams(segmentsA, segmentsB);
    await assertTwinTiming([segmentsA, segmentsB], () => flippedSessions('b'), {
      toleranceMs: 800,
      firstArrival: { toleranceMs: 1500 },
    });
  }, 600_000);
});
