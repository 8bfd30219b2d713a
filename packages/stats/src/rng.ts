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
  /**
   * The cluster bootstrap's draws and sums in one pass: for each of `resamples` resamples, draw
   * `clusters` indices as fillInts would (the same stream) and add up their `width`-number vectors
   * (cluster i at vectors[i·width]), in draw order, into out[r·width … r·width + width − 1].
   */
  sumResamples(
    vectors: Float64Array,
    width: number,
    clusters: number,
    resamples: number,
    out: Float64Array,
  ): void;
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

  sumResamples(vectors: Float64Array, width: number, g: number, resamples: number, out: Float64Array): void {
    // The generator is inlined (state in locals) and no index is stored: each draw goes straight
    // into the sums. Additions happen in draw order from 0, as a loop over fillInts' output would
    // do them, so the sums (and every interval) are bit-for-bit those of that loop.
    let a = this.a;
    let b = this.b;
    let c = this.c;
    let d = this.d;
    // v·g/2^32 in one multiplication: v·g < 2^53 and the scaling is by a power of two, so
    // v·(g/2^32) and (v·g)/2^32 are both exact and floor to the same index as fillInts'.
    const scale = g * INV_TWO_POW_32;
    if (width === 2) {
      for (let r = 0; r < resamples; r++) {
        let s0 = 0;
        let s1 = 0;
        for (let i = 0; i < g; i++) {
          const x = Math.imul(b, 5);
          const v = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
          const t = b << 9;
          c ^= a;
          d ^= b;
          b ^= c;
          a ^= d;
          c ^= t;
          d = (d << 11) | (d >>> 21);
          const k = 2 * ((v * scale) | 0);
          s0 += vectors[k]!;
          s1 += vectors[k + 1]!;
        }
        out[2 * r] = s0;
        out[2 * r + 1] = s1;
      }
    } else if (width === 4) {
      for (let r = 0; r < resamples; r++) {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let i = 0; i < g; i++) {
          const x = Math.imul(b, 5);
          const v = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
          const t = b << 9;
          c ^= a;
          d ^= b;
          b ^= c;
          a ^= d;
          c ^= t;
          d = (d << 11) | (d >>> 21);
          const k = 4 * ((v * scale) | 0);
          s0 += vectors[k]!;
          s1 += vectors[k + 1]!;
          s2 += vectors[k + 2]!;
          s3 += vectors[k + 3]!;
        }
        out[4 * r] = s0;
        out[4 * r + 1] = s1;
        out[4 * r + 2] = s2;
        out[4 * r + 3] = s3;
      }
    } else {
      out.fill(0, 0, resamples * width);
      for (let r = 0; r < resamples; r++) {
        const base = r * width;
        for (let i = 0; i < g; i++) {
          const x = Math.imul(b, 5);
          const v = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
          const t = b << 9;
          c ^= a;
          d ^= b;
          b ^= c;
          a ^= d;
          c ^= t;
          d = (d << 11) | (d >>> 21);
          const k = width * ((v * scale) | 0);
          for (let w = 0; w < width; w++) out[base + w]! += vectors[k + w]!;
        }
      }
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
