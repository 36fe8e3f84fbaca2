import postgres, { type Sql } from "postgres";

export type { Sql };

/**
 * The main pool's connections carry this process's pid in their application name, so the
 * metrics can count this process's pool (in use vs idle) from pg_stat_activity; postgres.js
 * has no pool statistics of its own.
 */
export const POOL_APPLICATION_NAME = `rl-arena:${process.pid}`;

/** Opens a postgres.js pool. Notices are silenced; `undefined` parameters become null. */
export function createSql(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    transform: { undefined: null },
    connection: { application_name: options.applicationName ?? POOL_APPLICATION_NAME },
  });
}
