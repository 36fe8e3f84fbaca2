/**
 * The default seeded PRNG and the `uniform` helper.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "Small Fast Chaotic" generator, 128 bits of
 * state, passes PractRand), seeded through murmur3's 32-bit finalizer. `random()` combines two
 * 32-bit outputs into a double with 53 random bits, like NumPy's `random()`.
 * Changing anything here changes every seeded trajectory, so it is part of each
 * environment version's contract.
 */
import { InvalidSeedError } from "./errors.ts";
import type { Rng } from "./types.ts";

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** sfc32 with a 53-bit `random()`. Construct with `createRng(seed)`. */
export class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private counter: number;

  constructor(a: number, b: number, c: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.counter = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Next raw 32-bit output as an unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.counter) | 0;
    this.counter = (this.counter + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Throws InvalidSeedError unless `seed` is a safe integer. */
export function assertSeed(seed: unknown): asserts seed is number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) throw new InvalidSeedError(seed);
}

/**
 * The default PRNG for a seed (any safe integer, negative ones included). Same seed ⇒ same
 * sequence on every machine.
 */
export function createRng(seed: number): Sfc32 {
  assertSeed(seed);
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  return new Sfc32(fmix32(low ^ 0x9e3779b9), fmix32(high ^ 0x7f4a7c15), fmix32((low + 0x6a09e667) ^ high));
}

/** A fresh seed (a non-negative safe integer), for resets without a seed. Not reproducible. */
export function randomSeed(): number {
  return Math.floor(Math.random() * TWO_POW_32) * 2097152 + Math.floor(Math.random() * 2097152);
}

/** `a + (b − a) · rng.random()`: the one definition of a uniform draw used by every game. */
export function uniform(rng: Rng, a: number, b: number): number {
  return a + (b - a) * rng.random();
}

/** A uniformly random integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.random() * n);
}

/**
 * An Rng that replays a fixed list of draws, then throws. Useful in tests and for reproducing
 * a trajectory recorded elsewhere (e.g. from the original Python implementation).
 */
export class SequenceRng implements Rng {
  private index = 0;
  constructor(private readonly draws: readonly number[]) {
    draws.forEach((d, i) => {
      if (!(typeof d === "number" && d >= 0 && d < 1)) throw new RangeError(`draws[${i}] must be a number in [0, 1), got ${d}`);
    });
  }
  random(): number {
    if (this.index >= this.draws.length) throw new RangeError(`SequenceRng ran out of draws after ${this.draws.length}`);
    return this.draws[this.index++];
  }
  /** How many draws have been consumed. */
  get used(): number {
    return this.index;
  }
}
