/**
 * Seeded randomness. Every random choice in an experiment (assignment, answer order, simulated
 * participants) derives from the experiment seed through `fork(label)`, so a run can be replayed
 * exactly and one component's draws never shift another's.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal draw. */
  normal(): number;
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream named by `label`, reproducible from the parent seed. */
  fork(label: string): Rng;
  readonly seed: string;
}

/** 128-bit string hash (cyrb128) used to turn seed strings into generator state. */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

/**
 * sfc32: small, fast, and passes PractRand; plenty for experiment design. The state lives in an
 * Int32Array and the methods on the prototype: a simulated move makes a few generators, and closures
 * over mutable numbers allocated on every draw (a twentieth of everything `run` allocated).
 */
class Sfc32 implements Rng {
  private readonly state: Int32Array;

  constructor(readonly seed: string) {
    this.state = Int32Array.from(hash128(seed));
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const s = this.state;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = d + 1;
    s[0] = b ^ (b >>> 9);
    s[1] = c + (c << 3);
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  fork(label: string): Rng {
    return new Sfc32(`${this.seed}/${label}`);
  }
}

export function createRng(seed: string | number): Rng {
  return new Sfc32(String(seed));
}

/** Stable short hex digest of a string (FNV-1a 64 folded), for ids and prompt hashes in core. */
export function shortHash(text: string): string {
  const [a, b] = hash128(text);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
