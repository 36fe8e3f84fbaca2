/**
 * The environment registry: `register`, `make`, `describe`, `listEnvironments`.
 * The built-in games (pong, tic-tac-toe, connect-four) are registered when this module loads.
 */
import { DuplicateEnvironmentError, InvalidConfigError, InvalidDefinitionError, UnknownEnvironmentError } from "./errors.ts";
import { connectFourDefinition } from "./games/connect_four.ts";
import { pongDefinition } from "./games/pong.ts";
import { ticTacToeDefinition } from "./games/tic_tac_toe.ts";
import type { Environment, EnvironmentDefinition, EnvironmentDescription, MakeOptions } from "./types.ts";

const definitions = new Map<string, EnvironmentDefinition>();
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/;

/**
 * Adds an environment to the registry. Throws DuplicateEnvironmentError when the id is taken
 * (unless `replace: true`) and InvalidDefinitionError for a malformed definition.
 */
export function register(definition: EnvironmentDefinition, options: { replace?: boolean } = {}): void {
  checkDefinition(definition);
  if (definitions.has(definition.id) && !options.replace) throw new DuplicateEnvironmentError(definition.id);
  definitions.set(definition.id, definition);
}

/** Removes an environment; returns whether it was registered. */
export function unregister(id: string): boolean {
  return definitions.delete(id);
}

/** The registered definition of `id`; throws UnknownEnvironmentError listing the available ids. */
export function getDefinition(id: string): EnvironmentDefinition {
  const definition = definitions.get(id);
  if (!definition) throw new UnknownEnvironmentError(id, [...definitions.keys()].sort());
  return definition;
}

/** The merged configuration `make(id, { config })` would use (defaults + overrides, checked for unknown keys). */
export function resolveConfig(id: string, config: Record<string, unknown> = {}): Record<string, unknown> {
  const definition = getDefinition(id);
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new InvalidConfigError(id, "(root)", `must be an object, got ${JSON.stringify(config)}`);
  }
  const known = Object.keys(definition.defaultConfig);
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) {
      throw new InvalidConfigError(id, key, `is not a setting of ${id}; known settings: ${known.length ? known.join(", ") : "(none)"}`);
    }
  }
  return { ...definition.defaultConfig, ...config };
}

/**
 * Creates a live environment. `config` is shallow-merged over the defaults (unknown keys are
 * rejected); with `rng`, every reset draws from it and ignores the seed.
 */
export function make(id: string, options: MakeOptions = {}): Environment {
  const definition = getDefinition(id);
  return definition.create(resolveConfig(id, options.config), options.rng);
}

/** The JSON description of an environment (rules, spaces, meanings, defaults) for the web pages. */
export function describe(id: string): EnvironmentDescription {
  const definition = getDefinition(id);
  const env = definition.create({ ...definition.defaultConfig }, undefined);
  return {
    id: definition.id,
    version: definition.version,
    name: definition.name,
    numPlayers: definition.numPlayers,
    rules: definition.rules,
    actionSpace: env.actionSpace.toJSON(),
    observationSpace: env.observationSpace.toJSON(),
    actionMeaning: [...definition.actionMeaning],
    observationMeaning: [...definition.observationMeaning],
    defaultConfig: { ...definition.defaultConfig },
    turnBased: definition.turnBased,
    maxSteps: definition.maxSteps({ ...definition.defaultConfig }),
  };
}

/** Every registered environment's description, sorted by id. */
export function listEnvironments(): EnvironmentDescription[] {
  return [...definitions.keys()].sort().map(describe);
}

function checkDefinition(d: EnvironmentDefinition): void {
  const fail = (message: string) => new InvalidDefinitionError(`environment definition ${JSON.stringify(d?.id)}: ${message}`);
  if (typeof d !== "object" || d === null) throw new InvalidDefinitionError("register() needs a definition object");
  if (typeof d.id !== "string" || !ID_PATTERN.test(d.id)) throw fail("id must be 1-64 characters of a-z, 0-9, '-' or '_', starting with a letter or digit");
  if (typeof d.version !== "string" || !VERSION_PATTERN.test(d.version)) throw fail(`version must be semantic (e.g. 1.0.0), got ${JSON.stringify(d.version)}`);
  if (typeof d.name !== "string" || d.name.trim() === "") throw fail("name must be a non-empty string");
  if (!Number.isSafeInteger(d.numPlayers) || d.numPlayers < 1) throw fail(`numPlayers must be a positive integer, got ${d.numPlayers}`);
  if (typeof d.turnBased !== "boolean") throw fail("turnBased must be a boolean");
  if (typeof d.rules !== "string") throw fail("rules must be a string");
  if (!Array.isArray(d.actionMeaning) || !Array.isArray(d.observationMeaning)) throw fail("actionMeaning and observationMeaning must be arrays of strings");
  if (typeof d.defaultConfig !== "object" || d.defaultConfig === null || Array.isArray(d.defaultConfig)) throw fail("defaultConfig must be an object");
  if (typeof d.create !== "function" || typeof d.maxSteps !== "function") throw fail("create and maxSteps must be functions");
}

register(pongDefinition);
register(ticTacToeDefinition);
register(connectFourDefinition);
