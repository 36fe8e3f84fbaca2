import type { Row } from "postgres";
import type { WebDeps } from "../deps.ts";
import { done, refused, sqlRefusal, type Outcome } from "../http/outcome.ts";

/**
 * Creating and editing an agent, once for the API (POST/PUT /api/v1/agents) and the pages'
 * forms. The rules (name and description lengths, a name unique per owner and environment) are
 * SQL's; its refusal comes back on the field its message names.
 */

/** Which form field a SQL refusal about an agent concerns. */
export const agentField = (message: string): string => (/name/i.test(message) ? "name" : /description/i.test(message) ? "description" : "_");

/** create_agent: the new row, or a refusal (a bad or taken name, a closed environment…). */
export async function createAgent(deps: Pick<WebDeps, "sql">, owner: string, body: { environmentId: string; name: string; description?: string }): Promise<Outcome<Row>> {
  try {
    const [row] = await deps.sql`select * from create_agent(${owner}, ${body.environmentId}, ${body.name}, ${body.description ?? ""})`;
    return done(row!);
  } catch (e) {
    const refusal = sqlRefusal(e, agentField);
    if (refusal) return refused(refusal);
    throw e;
  }
}

/** update_agent (null leaves a field as it is): the agent's id, or a refusal. Not the owner or no such agent is thrown (403/404). */
export async function updateAgent(deps: Pick<WebDeps, "sql">, caller: string, agent: string, body: { name?: string | null; description?: string | null }): Promise<Outcome<string>> {
  try {
    await deps.sql`select update_agent(${caller}, ${agent}, ${body.name ?? null}, ${body.description ?? null})`;
    return done(agent);
  } catch (e) {
    const refusal = sqlRefusal(e, agentField);
    if (refusal) return refused(refusal);
    throw e;
  }
}
