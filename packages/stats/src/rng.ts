/**
 * Seeded pseudo-random numbers for the bootstrap and simulations.
 *
 * xoshiro128** (Blackman & Vigna 2018): 128 bits of state, 32-bit output, period 2^128 − 1,
 * passes BigCrush, and needs only 32-bit integer operations, which V8 runs without allocation.
 * The seed is expanded with splitmix32 so that nearby seeds (1, 2, 3…) give unrelated streams.
 */
export interface Rng {
  /** Uniform on [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform integer on [0, n) for 1 ≤ n ≤ 2^32 (Lemire's multiply-shift; bias < n / 2^32). */
  int(n: number): number;
  /** Raw 32-bit unsigned output. */
  nextUint32(): number;
  /** Standard normal deviate (Marsaglia polar method). */
  normal(): number;
}

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Create a seeded generator. Any finite number (or string, hashed) is a valid seed. */
export function createRng(seed: number | string): Rng {
  const numericSeed = typeof seed === 'string' ? hashString(seed) : Math.trunc(seed) >>> 0;
  const sm = splitmix32(numericSeed ^ 0x5bd1e995);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  if ((a | b | c | d) === 0) a = 1;
  let spareNormal: number | null = null;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = (): number => nextUint32() / TWO_POW_32;
  const int = (n: number): number => Math.floor((nextUint32() * n) / TWO_POW_32);
  const normal = (): number => {
    if (spareNormal !== null) {
      const s = spareNormal;
      spareNormal = null;
      return s;
    }
    for (;;) {
      const u = 2 * next() - 1;
      const v = 2 * next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        spareNormal = v * f;
        return u * f;
      }
    }
  };
  return { next, int, nextUint32, normal };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a 32-bit hash, used to turn string seeds into numbers. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
