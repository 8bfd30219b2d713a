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
  /** Fill `out` with uniform integers in [0, n), equal to successive int(n) calls. */
  fillInts(out: Int32Array | Uint32Array, n: number): void;
}

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

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

/** xoshiro128** state in object fields (faster than closure variables in V8). */
class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    const sm = splitmix32(seed ^ 0x5bd1e995);
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  nextUint32(): number {
    const b = this.b;
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b = b ^ this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  int(n: number): number {
    return Math.floor((this.nextUint32() * n) / TWO_POW_32);
  }

  /**
   * Fill `out` with uniform integers in [0, n) — the same values as `out.length` calls of int(n),
   * but with the state in local variables, which is several times faster in a hot loop.
   */
  fillInts(out: Int32Array | Uint32Array, n: number): void {
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    for (let i = 0; i < out.length; i++) {
      const x = Math.imul(b, 5);
      const r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = (d << 11) | (d >>> 21);
      out[i] = (r * n * INV_TWO_POW_32) | 0; // < n ≤ 2^31, so | 0 is floor
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    for (;;) {
      const u = 2 * this.next() - 1;
      const v = 2 * this.next() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * f;
        return u * f;
      }
    }
  }
}

/** Create a seeded generator. Any finite number (or string, hashed) is a valid seed. */
export function createRng(seed: number | string): Rng {
  return new Xoshiro128(typeof seed === 'string' ? hashString(seed) : Math.trunc(seed) >>> 0);
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
