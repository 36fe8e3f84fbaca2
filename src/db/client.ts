import postgres, { type Sql } from "postgres";

export type { Sql };

/** Opens a postgres.js pool. Notices are silenced; `undefined` parameters become null. */
export function createSql(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: options.applicationName ?? "rl-arena" },
  });
}
