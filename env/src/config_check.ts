/** Checks of configuration values, with messages that name the value and the rule. */
import { InvalidConfigError, formatValue } from "./errors.ts";

export interface NumberRule {
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
}

/** Returns `config[key]` as a number after checking it against `rule`. */
export function configNumber(id: string, config: Record<string, unknown>, key: string, rule: NumberRule): number {
  const value = config[key];
  const fail = (rule: string) => new InvalidConfigError(id, key, `must be ${rule}, got ${formatValue(value)}`);
  if (typeof value !== "number" || !Number.isFinite(value)) throw fail("a finite number");
  if (rule.integer && !Number.isSafeInteger(value)) throw fail("an integer");
  if (rule.min !== undefined && value < rule.min) throw fail(`at least ${rule.min}`);
  if (rule.above !== undefined && value <= rule.above) throw fail(`greater than ${rule.above}`);
  if (rule.max !== undefined && value > rule.max) throw fail(`at most ${rule.max}`);
  return value;
}
