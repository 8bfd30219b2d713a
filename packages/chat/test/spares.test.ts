// Spare trial threads (spares.ts): made ahead in every study channel, given out at once and spread
// over the channels, refilled as they are taken, and waited for when every channel is out.
import { describe, expect, it } from 'vitest';
import { SPARES_PER_CHANNEL, SpareThreads } from '../src/spares.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function maker() {
  let n = 0;
  const made: string[] = [];
  let gate: Promise<void> | null = null;
  return {
    made,
    hold() {
      let open = () => {};
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => {
        gate = null;
        open();
      };
    },
    async make(channel: string) {
      if (gate) await gate;
      made.push(channel);
      return `${channel}/t${++n}`;
    },
  };
}

describe('SpareThreads', () => {
  it('keeps spares in every channel and gives them out in turn, refilling what is taken', async () => {
    const m = maker();
    const spares = new SpareThreads({ channels: ['a', 'b', 'c'], make: m.make });
    spares.start();
    await settle();
    expect(spares.ready()).toEqual(
      new Map([
        ['a', SPARES_PER_CHANNEL],
        ['b', SPARES_PER_CHANNEL],
        ['c', SPARES_PER_CHANNEL],
      ]),
    );
    const stopRefill = m.hold();
    const taken = [];
    for (let i = 0; i < 6; i++) taken.push(await spares.take());
    expect(taken.map((t) => t.channel)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    // The oldest of each channel first.
    expect(taken[0]!.thread).toBe('a/t1');
    stopRefill();
    await settle();
    expect([...spares.ready().values()]).toEqual([
      SPARES_PER_CHANNEL,
      SPARES_PER_CHANNEL,
      SPARES_PER_CHANNEL,
    ]);
    expect(m.made.length).toBe(3 * SPARES_PER_CHANNEL + 6);
    spares.stop();
  });

  it('makes a waiting person the next thread when every channel is out, and says why when none can be made', async () => {
    const m = maker();
    const spares = new SpareThreads({ channels: ['a'], make: m.make, perChannel: 1 });
    spares.start();
    await settle();
    const release = m.hold();
    await spares.take();
    const waiting = spares.take();
    let got = false;
    void waiting.then(() => {
      got = true;
    });
    await settle();
    expect(got).toBe(false);
    release();
    expect((await waiting).channel).toBe('a');
    spares.stop();

    const broken = new SpareThreads({
      channels: ['x'],
      make: async () => {
        throw new Error('Missing Permissions');
      },
      log: () => {},
    });
    broken.start();
    await expect(broken.take(300)).rejects.toThrow(
      /channels \(x\) within 0\.3 s: channel x: Missing Permissions/,
    );
    broken.stop();
  });
});
