import postgres, { type Sql } from "postgres";

export type { Sql };

/**
 * The main pool's connections carry this process's pid in their application name, so the
 * metrics can count this process's pool (in use vs idle) from pg_stat_activity; postgres.js
 * has no pool statistics of its own.
 */
export const POOL_APPLICATION_NAME = `rl-arena:${process.pid}`;

/**
 * Opens a postgres.js pool. Notices are silenced; `undefined` parameters become null.
 * `settingOverrides` (the operator's MATCH_COOLDOWN_S… of this process) travel as the
 * connection parameter rla.setting_overrides, which SQL's process_setting reads: they hold for
 * this pool's connections only and are never written to the settings table.
 */
export function createSql(url: string, options: { max?: number; applicationName?: string; settingOverrides?: Record<string, number> } = {}): Sql {
  const overrides = options.settingOverrides ?? {};
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    transform: { undefined: null },
    connection: {
      application_name: options.applicationName ?? POOL_APPLICATION_NAME,
      ...(Object.keys(overrides).length ? { "rla.setting_overrides": JSON.stringify(overrides) } : {}),
    },
  });
}
