/**
 * Action and observation spaces: Discrete, Box and Dict, each with `contains`, `sample` and
 * `toJSON` (the JSON form shown on the web pages and sent to agents).
 */
import { randomInt } from "./rng.ts";
import type { Rng, Space, SpaceJson } from "./types.ts";

/** The integers 0 … n−1. */
export class Discrete implements Space<number> {
  readonly n: number;
  constructor(n: number) {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`Discrete(n) needs a positive integer n, got ${n}`);
    this.n = n;
  }
  contains(x: unknown): x is number {
    return typeof x === "number" && Number.isInteger(x) && x >= 0 && x < this.n;
  }
  sample(rng: Rng): number {
    return randomInt(rng, this.n);
  }
  toJSON(): SpaceJson {
    return { type: "discrete", n: this.n };
  }
}

export type BoxDtype = "float32" | "int32" | "int8";
const INT_LIMITS: Record<BoxDtype, [number, number]> = {
  float32: [-3.4028234663852886e38, 3.4028234663852886e38],
  int32: [-2147483648, 2147483647],
  int8: [-128, 127],
};

/**
 * A box of numbers with the given shape, each within [low, high] (per element or one bound for
 * all). Members are (nested) arrays of that shape; a 1-D box also accepts typed arrays.
 * float32 members must be exactly representable as float32; integer dtypes need integers.
 */
export class Box implements Space<unknown> {
  readonly low: number[];
  readonly high: number[];
  readonly shape: number[];
  readonly dtype: BoxDtype;
  private readonly size: number;

  constructor(low: number | number[], high: number | number[], shape: number[], dtype: BoxDtype = "float32") {
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      throw new RangeError(`Box shape must be a non-empty list of positive integers, got ${JSON.stringify(shape)}`);
    }
    if (!(dtype in INT_LIMITS)) throw new RangeError(`Box dtype must be float32, int32 or int8, got ${String(dtype)}`);
    this.shape = [...shape];
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this.low = expand(low, this.size, "low");
    this.high = expand(high, this.size, "high");
    const [min, max] = INT_LIMITS[dtype];
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i];
      const hi = this.high[i];
      if (lo > hi) throw new RangeError(`Box low[${i}] = ${lo} is above high[${i}] = ${hi}`);
      if (lo < min || hi > max) throw new RangeError(`Box bounds [${lo}, ${hi}] at ${i} do not fit ${dtype}`);
      if (dtype !== "float32" && (!Number.isInteger(lo) || !Number.isInteger(hi))) {
        throw new RangeError(`Box bounds of an integer dtype must be integers, got [${lo}, ${hi}] at ${i}`);
      }
    }
  }

  contains(x: unknown): x is unknown {
    let index = 0;
    const visit = (value: unknown, depth: number): boolean => {
      const length = this.shape[depth];
      if (depth === this.shape.length - 1) {
        if (!isNumericArrayLike(value) || value.length !== length) return false;
        for (let i = 0; i < length; i++) {
          if (!this.containsNumber(value[i], index++)) return false;
        }
        return true;
      }
      if (!Array.isArray(value) || value.length !== length) return false;
      for (let i = 0; i < length; i++) if (!visit(value[i], depth + 1)) return false;
      return true;
    };
    return visit(x, 0);
  }

  private containsNumber(v: unknown, i: number): boolean {
    if (typeof v !== "number" || !Number.isFinite(v)) return false;
    if (v < this.low[i] || v > this.high[i]) return false;
    return this.dtype === "float32" ? Math.fround(v) === v : Number.isInteger(v);
  }

  sample(rng: Rng): unknown {
    let index = 0;
    const build = (depth: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[depth]; i++) {
        if (depth < this.shape.length - 1) {
          out.push(build(depth + 1));
          continue;
        }
        const lo = this.low[index];
        const hi = this.high[index++];
        if (this.dtype === "float32") {
          const v = Math.fround(lo + (hi - lo) * rng.random());
          out.push(Math.min(Math.max(v, lo), hi));
        } else {
          out.push(lo + randomInt(rng, hi - lo + 1));
        }
      }
      return out;
    };
    return build(0);
  }

  toJSON(): SpaceJson {
    return { type: "box", low: [...this.low], high: [...this.high], shape: [...this.shape], dtype: this.dtype };
  }
}

/** A fixed set of named sub-spaces; members are plain objects with exactly those keys. */
export class Dict implements Space<Record<string, unknown>> {
  readonly spaces: Readonly<Record<string, Space>>;
  private readonly keys: string[];
  constructor(spaces: Record<string, Space>) {
    this.keys = Object.keys(spaces);
    if (this.keys.length === 0) throw new RangeError("Dict space needs at least one sub-space");
    this.spaces = { ...spaces };
  }
  contains(x: unknown): x is Record<string, unknown> {
    if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
    const record = x as Record<string, unknown>;
    if (Object.keys(record).length !== this.keys.length) return false;
    return this.keys.every((k) => Object.hasOwn(record, k) && this.spaces[k].contains(record[k]));
  }
  sample(rng: Rng): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of this.keys) out[k] = this.spaces[k].sample(rng);
    return out;
  }
  toJSON(): SpaceJson {
    const spaces: Record<string, SpaceJson> = {};
    for (const k of this.keys) spaces[k] = this.spaces[k].toJSON();
    return { type: "dict", spaces };
  }
}

/** Rebuilds a space from its JSON form (e.g. in an agent that only received the description). */
export function spaceFromJSON(json: SpaceJson): Space {
  switch (json.type) {
    case "discrete":
      return new Discrete(json.n);
    case "box":
      return new Box(json.low, json.high, json.shape, json.dtype);
    case "dict": {
      const spaces: Record<string, Space> = {};
      for (const [k, v] of Object.entries(json.spaces)) spaces[k] = spaceFromJSON(v);
      return new Dict(spaces);
    }
    default:
      throw new RangeError(`Unknown space type ${JSON.stringify((json as { type?: unknown }).type)}`);
  }
}

function expand(bound: number | number[], size: number, name: string): number[] {
  const values = typeof bound === "number" ? new Array<number>(size).fill(bound) : [...bound];
  if (values.length !== size) throw new RangeError(`Box ${name} has ${values.length} values; the shape needs ${size}`);
  values.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`Box ${name}[${i}] must be a finite number, got ${v}`);
  });
  return values;
}

function isNumericArrayLike(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}
