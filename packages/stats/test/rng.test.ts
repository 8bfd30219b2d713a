/**
 * The bootstrap's fused draw-and-sum loop (Rng.sumResamples) against its definition: fillInts'
 * draws, each cluster's vector added in draw order. In JavaScript and in WebAssembly, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { createRng, sumResamplesJs, sumResamplesWasm } from '../src/rng.ts';

type State = [number, number, number, number];

describe('sumResamples', () => {
  for (const width of [1, 2, 3, 4, 9])
    for (const g of [1, 7, 300])
      it(`width ${width}, ${g} clusters: the sums of fillInts' draws, in JavaScript and WebAssembly`, () => {
        // fractional values, so that a different order of additions would show
        const vectors = Float64Array.from({ length: g * width }, (_, i) => Math.sin(i + 1) * 10 + 0.1 * i);
        const resamples = 37;
        const reference = createRng(`sum:${width}:${g}`);
        const expected = new Float64Array(resamples * width);
        const draws = new Int32Array(g);
        for (let r = 0; r < resamples; r++) {
          reference.fillInts(draws, g);
          for (let w = 0; w < width; w++) {
            let s = 0;
            for (let i = 0; i < g; i++) s += vectors[draws[i]! * width + w]!;
            expected[r * width + w] = s;
          }
        }
        const viaMethod = new Float64Array(resamples * width);
        const rng = createRng(`sum:${width}:${g}`);
        rng.sumResamples(vectors, width, g, resamples, viaMethod);
        expect(viaMethod).toEqual(expected);
        // the generator is left where fillInts leaves it
        expect(rng.nextUint32()).toBe(reference.nextUint32());

        const seeded = (): State => {
          const s = createRng(`sum:${width}:${g}`) as unknown as {
            a: number;
            b: number;
            c: number;
            d: number;
          };
          return [s.a, s.b, s.c, s.d];
        };
        const js = new Float64Array(resamples * width);
        const wasm = new Float64Array(resamples * width);
        const sj = seeded();
        const sw = seeded();
        sumResamplesJs(sj, vectors, width, g, resamples, js);
        expect(sumResamplesWasm(sw, vectors, width, g, resamples, wasm)).toBe(true);
        expect(js).toEqual(expected);
        expect(wasm).toEqual(expected);
        expect(sw.map((v) => v | 0)).toEqual(sj.map((v) => v | 0));
      });
});
