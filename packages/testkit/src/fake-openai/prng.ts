/** Small deterministic hashing and PRNG helpers (no dependency on Math.random). */

/** murmur3's 32-bit finaliser: a good avalanche mix of a 32-bit integer. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, finalised with `mix32`. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A 32-bit seed from a number (integers used as is, other numbers hashed) or a string. */
export function seedToInt(seed: number | string | undefined): number {
  if (seed === undefined) return 0;
  if (typeof seed === 'number' && Number.isInteger(seed)) return seed >>> 0;
  return hashString(String(seed));
}

/** A uniform number in [0, 1) that depends only on (seed, index): the same on every run. */
export function unitDraw(seed: number | string | undefined, index: number): number {
  const s = seedToInt(seed);
  const h = mix32(mix32(s ^ 0x9e3779b9) ^ Math.imul(index + 1, 0x2545f491));
  return mix32(h + 0x6d2b79f5) / 4294967296;
}

/** mulberry32: a fast seeded PRNG returning uniform numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
