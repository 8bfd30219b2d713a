// The flipped twins' timing check: what counts as a leak (an item late in the same world in both runs)
// and what is the machine's noise (a stall somewhere else, or a delay that follows which world ran first).
import { describe, expect, it, vi } from 'vitest';
import { assertTwinTiming, type Segment, type TwinSegments } from '../src/blinding.ts';

/** Three moves, each answered by a screen after the given delays (ms). */
function stream(delays: readonly number[]): Segment[] {
  return delays.map((delay, i) => ({ action: `action: move ${i}`, items: [{ delay, item: `screen ${i}` }] }));
}
const even = [100, 200, 300];
const options = { toleranceMs: 300, relative: 0.35 };

describe('assertTwinTiming', () => {
  it('passes twins that agree, without running them again', async () => {
    const again = vi.fn(async (): Promise<TwinSegments> => [stream(even), stream(even)]);
    await assertTwinTiming([stream(even), stream(even)], again, options);
    expect(again).not.toHaveBeenCalled();
  });

  it('fails an item late in the same world in both runs: a leak', async () => {
    const leak = (): TwinSegments => [stream([100, 1_400, 300]), stream(even)];
    await expect(assertTwinTiming(leak(), async () => leak(), options)).rejects.toThrow(
      /late in both runs .*step 1\), this came 1400 ms later in world A and 200 ms in world B/,
    );
  });

  it('passes a stall that lands on another step the second time: noise', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await assertTwinTiming(
      [stream([100, 1_400, 300]), stream(even)],
      async () => [stream(even), stream([100, 200, 1_900])],
      options,
    );
  });

  it('passes a delay that follows the world run first (it is run first once each)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    await assertTwinTiming(
      [stream([1_500, 200, 300]), stream(even)],
      async () => [stream(even), stream([1_500, 200, 300])],
      options,
    );
  });

  it('fails a second run whose screens differ, whatever its timing', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const other = stream(even);
    other[2]!.items[0]!.item = 'screen naming the correct answer';
    await expect(
      assertTwinTiming([stream([100, 1_400, 300]), stream(even)], async () => [stream(even), other], options),
    ).rejects.toThrow(/step 2\), item 0/);
  });
});
