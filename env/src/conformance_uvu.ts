/**
 * uvu wrapper of the conformance suite: `conformanceSuite("my-game").run()` registers one test
 * per group of checks. uvu is not a dependency of rl-arena-env; install it in your project.
 */
import { suite } from "uvu";
import { runConformance, type ConformanceOptions } from "./conformance.ts";
import type { EnvironmentDefinition } from "./types.ts";

export function conformanceSuite(target: string | EnvironmentDefinition, options: ConformanceOptions = {}) {
  const id = typeof target === "string" ? target : target.id;
  const s = suite(`conformance of ${id}`);
  s(`${id} passes every conformance check`, () => {
    const failures = runConformance(target, options);
    if (failures.length) throw new Error(`${failures.length} failure(s):\n${failures.map((f) => `- ${f.check}: ${f.message}`).join("\n")}`);
  });
  return s;
}
