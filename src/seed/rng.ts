import { fnv1a32 } from '../util/hash';

/**
 * Deterministic pseudo-randomness for the seeder. Each entity (a transaction, a
 * job run) gets its own generator seeded from (randomSeed, tag, index), so a value
 * depends only on what it describes, never on generation order or on how many
 * values were drawn elsewhere. Same seed, same data.
 */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  static for(randomSeed: number, tag: string, index: number | string): Rng {
    return new Rng(fmix32(fnv1a32(`${randomSeed}:${tag}:${index}`)));
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Picks by weight: [[value, weight], ...]. */
  weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
    const total = choices.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** Roughly normal (mean 0, sd 1): sum of uniforms. */
  normal(): number {
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += this.next();
    return (sum - 3) * Math.SQRT2;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 4294967296).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}

/** SQL expression of a deterministic uniform in [0, 1) for row number `rowExpr` (DuckDB's hash()). */
export function sqlUniform(randomSeed: number, tag: string, rowExpr: string): string {
  if (!/^[a-z_]+$/.test(tag)) throw new TypeError(`sqlUniform: bad tag ${tag}`);
  return `(CAST(${sqlHash(randomSeed, tag, rowExpr)} % 4294967296 AS DOUBLE) / 4294967296.0)`;
}

/** SQL expression of a deterministic 64-bit hash of (row, seed, tag); integer arguments hash fastest. */
export function sqlHash(randomSeed: number, tag: string, rowExpr: string): string {
  return `hash(${rowExpr}, ${Math.trunc(randomSeed)}, ${fnv1a32(tag)})`;
}
