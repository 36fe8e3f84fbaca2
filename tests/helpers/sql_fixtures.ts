import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import * as assert from "uvu/assert";
import type { Sql, TransactionSql } from "postgres";

/** Anything postgres.js can run a tagged query on: the pool, a reserved connection or a transaction. */
export type Q = Sql | TransactionSql;

let counter = 0;
/** A short unique suffix for names (usernames allow letters, digits, _ . -). */
export function unique(prefix = "x"): string {
  counter += 1;
  return `${prefix}${counter}_${randomBytes(3).toString("hex")}`;
}

/** Fails unless `promise` rejects with SQLSTATE `code` (and a message matching `message`, when given). */
export async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<Error & { code: string; hint?: string }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error & { code: string; hint?: string };
    assert.is(err.code, code, `expected SQLSTATE ${code}, got ${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.unreachable(`expected SQLSTATE ${code}, but the call succeeded`);
  throw new Error("unreachable");
}

/** Runs `fn` in one transaction whose clock (arena_now()) reads `at`. */
export async function atTime<T>(sql: Sql, at: string | Date, fn: (tx: Q) => Promise<T>): Promise<T> {
  const iso = typeof at === "string" ? at : at.toISOString();
  return (await sql.begin(async (tx) => {
    await tx`select set_config('rla.now', ${iso}, true)`;
    return fn(tx);
  })) as T;
}

export async function makeUser(q: Q, options: { admin?: boolean; name?: string } = {}): Promise<{ id: string; username: string }> {
  const username = options.name ?? unique("u");
  const [u] = await q`select id, username from register_user(${username}, ${username + "@example.com"}, ${"scrypt$hash"}, ${"Test " + username})`;
  if (options.admin) await q`update users set role = 'admin' where id = ${u.id}`;
  return { id: u.id, username: u.username };
}

/** A small gzip archive (the bytes do not matter to the database, only that they are bytes). */
export function archive(): Buffer {
  return gzipSync(Buffer.from(`print(${Math.random()})`));
}

/**
 * An agent with an active built-in version, ready for matchmaking. `rating`/`games` are set
 * directly as test setup (games counted as draws so the counters stay consistent).
 */
export async function makeAgent(q: Q, owner: string, options: { environment?: string; name?: string; rating?: number; games?: number; active?: boolean } = {}): Promise<string> {
  const [a] = await q`select id from create_agent(${owner}, ${options.environment ?? "pong"}, ${options.name ?? unique("agent")}, ${""})`;
  if (options.active ?? true) await q`select create_builtin_submission(${a.id}, ${"random"})`;
  if (options.rating !== undefined || options.games !== undefined) {
    await q`update agents set rating = coalesce(${options.rating ?? null}::int, rating),
              games = coalesce(${options.games ?? null}::int, games), draws = coalesce(${options.games ?? null}::int, draws)
            where id = ${a.id}`;
  }
  return a.id;
}

/** Inserts a pending match directly (test setup for cases matchmaking would never create). */
export async function insertMatch(q: Q, a: string, b: string, environment = "pong"): Promise<string> {
  const [m] = await q`
    insert into matches (environment_id, environment_version, player0_agent_id, player1_agent_id,
                         player0_submission_id, player1_submission_id, seed, deadline)
    select ${environment}, '1.0.0', a.id, b.id, a.active_submission_id, b.active_submission_id, 7, now() + interval '1 hour'
    from agents a, agents b where a.id = ${a} and b.id = ${b}
    returning id`;
  return m.id;
}

export function outcome(winner: 0 | 1 | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const scores = winner === null ? [1, 1] : winner === 0 ? [3, 1] : [1, 3];
  return { winner, scores, end_reason: "completed", total_steps: 100, ...extra };
}

/** start_match + finish_match, as a worker does. */
export async function playMatch(q: Q, match: string, winner: 0 | 1 | null): Promise<Record<string, any>> {
  await q`select match_id from start_match(${match})`;
  const [row] = await q`select * from finish_match(${match}, ${q.json(outcome(winner) as never)})`;
  return row;
}

/** Collects `rla_events` notifications on a dedicated connection. */
export async function listenEvents(sql: Sql): Promise<{ events: Array<Record<string, any>>; stop(): Promise<void> }> {
  const events: Array<Record<string, any>> = [];
  const { unlisten } = await sql.listen("rla_events", (payload) => events.push(JSON.parse(payload)));
  return { events, stop: unlisten };
}

/** Waits until `check` is true or `ms` passed (for notifications, which arrive asynchronously). */
export async function waitFor(check: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

/** A fresh environment of its own, so a test's matchmaking pool holds only its own agents. */
export async function makeEnvironment(q: Q): Promise<string> {
  const id = `t-${randomBytes(5).toString("hex")}`;
  await q`select upsert_environment(${id}, '1.0.0', ${"Test " + id}, '{}')`;
  return id;
}
