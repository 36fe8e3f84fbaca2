import type { Sql } from "postgres";
import { builtinAgents } from "rl-arena-env";
import type { Logger } from "./log.ts";
import { hashPassword } from "./web/http/authentication.ts";

export const DEMO_USERNAME = "demo";

/**
 * On an empty database (no users at all), creates the `demo` user and one agent per built-in
 * policy of every enabled environment, each with an already active built-in submission, so
 * matchmaking pairs them at once and a newcomer sees matches, ratings and replays within a
 * minute. Does nothing when any user exists, so it is safe on every boot and on every replica
 * (a unique-username race between two replicas ends in one demo user; the loser logs and skips).
 * Returns the number of agents created.
 */
export async function seedDemo(sql: Sql, log: Logger): Promise<number> {
  const [{ users }] = await sql`select count(*)::int as users from users`;
  if (users > 0) return 0;
  const envs = new Set((await sql`select id from environments where enabled`).map((r) => String(r.id)));
  const password = (await import("node:crypto")).randomBytes(18).toString("base64url");
  let created = 0;
  try {
    await sql.begin(async (tx) => {
      const [user] = await tx`select * from register_user(${DEMO_USERNAME}, ${"demo@rl-arena.invalid"}, ${await hashPassword(password)}, ${"Demo agents"})`;
      for (const [name, agent] of Object.entries(builtinAgents)) {
        if (!envs.has(agent.envId)) continue;
        const [row] = await tx`select * from create_agent(${user.id}, ${agent.envId}, ${name}, ${agent.description ?? "A built-in agent."})`;
        await tx`select create_builtin_submission(${row.id}, ${name})`;
        created++;
      }
    });
  } catch (error) {
    log.warn("demo seed skipped", { error });
    return 0;
  }
  log.info(`demo: created user "${DEMO_USERNAME}" with ${created} built-in agents (DEMO=false turns this off)`);
  return created;
}
