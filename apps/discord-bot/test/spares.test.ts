// Trial threads under Discord's rate limits (spares.ts): threads are made ahead of demand in every
// study channel the config names, all named the same whatever their trial, and a person asking for a
// trial gets one at once. And an acknowledgement never waits for the database: the deferral is sent
// before the interaction's first query.
import { TRIAL_THREAD_NAME } from '@oversight/chat';
import type { Database } from '@oversight/db';
import { afterEach, describe, expect, it } from 'vitest';
import { person, startWorld, until, type World } from './harness.ts';

const judgeAlone = (name: string) => ({
  name,
  judges: [{ name: 'people', participant: person }],
  arms: [{ name: 'alone', protocol: 'judge-alone', trialsPerQuestion: 2 }],
});

let world: World | null = null;
afterEach(async () => {
  await world?.close();
  world = null;
});

describe('spare trial threads', () => {
  it('are made ahead in every study channel, named blindly, and given out at once, spread over the channels', async () => {
    world = await startWorld([judgeAlone('spread')], { studyChannels: 3 });
    const { fake, channels } = world;
    // Before anyone asks: spares in each channel, each with the one name and nobody in it but the bot.
    const spares = () => fake.threads().filter((t) => t.members?.size === 1);
    await until(
      () => channels.every((c) => spares().filter((t) => t.parent_id === c).length >= 2),
      'spare threads in every study channel',
    );
    for (const t of fake.threads()) expect(t.name).toBe(TRIAL_THREAD_NAME);

    const people = Array.from({ length: 6 }, (_, i) => world!.person(`70000000000000000${i}`));
    for (const p of people) await (await p.run('join')).reply();
    const parents = new Set<string>();
    for (const p of people) {
      const madeAhead = new Set(fake.threads().map((t) => t.id));
      const opened = await (await p.run('next')).reply();
      expect(opened.content).toMatch(/A new trial for you: <#\d+>/);
      const [thread] = p.threads();
      // One made before this person asked (so before anyone knew which trial it would hold).
      expect(madeAhead.has(thread!.id)).toBe(true);
      expect(thread!.name).toBe(TRIAL_THREAD_NAME);
      expect(thread!.type).toBe(12);
      expect([...thread!.members!].sort()).toEqual([fake.applicationId, p.id].sort());
      parents.add(thread!.parent_id!);
    }
    // Six people, three channels: every channel gave threads (the one with the most spares gives next).
    expect([...parents].sort()).toEqual([...channels].sort());
    // Taken spares are made again.
    await until(
      () => channels.every((c) => spares().filter((t) => t.parent_id === c).length >= 5),
      'the spares refilled',
    );
    for (const t of fake.threads()) expect(t.name).toBe(TRIAL_THREAD_NAME);
  });
});

/**
 * The bot's database, with one query made slow the way PGlite in the bot's own process is: holding
 * the thread (a busy wait), so nothing else in the process runs meanwhile.
 */
function blockingLookups(db: Database, blockMs: number, on: () => boolean): Database {
  const participants = new Proxy(db.participants, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'byIdentity' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (on()) {
          const end = Date.now() + blockMs;
          while (Date.now() < end) {
            // The thread is held, as by a statement running in PGlite on it.
          }
        }
        return value.apply(target, args);
      };
    },
  });
  return new Proxy(db, {
    get: (target, key, receiver) =>
      key === 'participants' ? participants : Reflect.get(target, key, receiver),
  });
}

describe('acknowledgements', () => {
  it('are sent before the interaction’s first database query, however long that query holds the bot', async () => {
    let slow = false;
    world = await startWorld([judgeAlone('ack-first')], {
      botDb: (db) => blockingLookups(db, 1500, () => slow),
    });
    const alice = world.person('700000000000000009');
    slow = true;
    const join = await alice.run('join');
    const reply = await join.reply();
    slow = false;
    expect(reply.content).toMatch(/You have joined/);
    // Deferred at once; the answer came after the 1.5 s the lookup held the thread.
    expect(join.ack?.type).toBe(5);
    expect(join.ack!.ms).toBeLessThan(1000);
  });
});
