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

import { RESAMPLE_WASM_BASE64 } from './wasm/resample-wasm.ts';

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
    const state = [this.a, this.b, this.c, this.d] as [number, number, number, number];
    if (!sumResamplesWasm(state, vectors, width, g, resamples, out))
      sumResamplesJs(state, vectors, width, g, resamples, out);
    [this.a, this.b, this.c, this.d] = state;
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

/**
 * Rng.sumResamples in JavaScript, on a xoshiro128** state (a, b, c, d) it advances: the reference
 * for the WebAssembly loop, and what runs where WebAssembly is not available.
 */
export function sumResamplesJs(
  state: [number, number, number, number],
  vectors: Float64Array,
  width: number,
  g: number,
  resamples: number,
  out: Float64Array,
): void {
  // The generator is inlined (state in locals) and no index is stored: each draw goes straight
  // into the sums. Additions happen in draw order from 0, as a loop over fillInts' output would
  // do them, so the sums (and every interval) are bit-for-bit those of that loop.
  let [a, b, c, d] = state;
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
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
}

interface ResampleExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  sum2(vec: number, g: number, count: number, out: number): void;
  sum4(vec: number, g: number, count: number, out: number): void;
  sumN(vec: number, width: number, g: number, count: number, out: number): void;
}

let resampleModule: ResampleExports | null | undefined;

/** The WebAssembly API of the runtime, typed only as far as used here (the DOM lib is not loaded). */
const wasmApi = (
  globalThis as {
    WebAssembly?: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: unknown };
    };
  }
).WebAssembly;

/** The WebAssembly loop (src/wasm/resample.wat), instantiated on first use; null where unavailable. */
function resampleExports(): ResampleExports | null {
  if (resampleModule === undefined) {
    try {
      if (!wasmApi) throw new Error('no WebAssembly');
      const bytes = Uint8Array.from(atob(RESAMPLE_WASM_BASE64), (c) => c.charCodeAt(0));
      resampleModule = new wasmApi.Instance(new wasmApi.Module(bytes)).exports as ResampleExports;
    } catch {
      resampleModule = null;
    }
  }
  return resampleModule;
}

/**
 * Rng.sumResamples in WebAssembly (about twice as fast; bit for bit the same sums and state as
 * sumResamplesJs). False, having done nothing, where WebAssembly is not available.
 */
export function sumResamplesWasm(
  state: [number, number, number, number],
  vectors: Float64Array,
  width: number,
  g: number,
  resamples: number,
  out: Float64Array,
): boolean {
  const m = resampleExports();
  // (no clusters or no resamples: the JavaScript loop's trivial answer)
  if (!m || g === 0 || resamples === 0) return false;
  const vecBytes = g * width * 8;
  const outBytes = resamples * width * 8;
  const need = 16 + vecBytes + outBytes;
  const have = m.memory.buffer.byteLength;
  if (need > have) {
    try {
      m.memory.grow(Math.ceil((need - have) / 65536));
    } catch {
      return false;
    }
  }
  const buffer = m.memory.buffer;
  const words = new Int32Array(buffer, 0, 4);
  words[0] = state[0];
  words[1] = state[1];
  words[2] = state[2];
  words[3] = state[3];
  new Float64Array(buffer, 16, g * width).set(vectors.subarray(0, g * width));
  const outAt = 16 + vecBytes;
  const sums = new Float64Array(buffer, outAt, resamples * width);
  if (width === 2) m.sum2(16, g, resamples, outAt);
  else if (width === 4) m.sum4(16, g, resamples, outAt);
  else {
    sums.fill(0);
    m.sumN(16, width, g, resamples, outAt);
  }
  out.set(sums);
  state[0] = words[0]!;
  state[1] = words[1]!;
  state[2] = words[2]!;
  state[3] = words[3]!;
  return true;
}
