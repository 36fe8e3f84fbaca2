/** Structured logging: JSON lines in production, one readable line per event in development. */
export type Level = "debug" | "info" | "warn" | "error";
export type Fields = Record<string, unknown>;

const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds `fields` (request id, match id, job id…) to every line. */
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  level?: Level;
  json?: boolean;
  write?: (line: string) => void;
}

/** Creates a logger; errors in fields are flattened to their message and stack. */
export function createLogger(options: LoggerOptions = {}, base: Fields = {}): Logger {
  const min = rank[options.level ?? "info"];
  const json = options.json ?? process.env.NODE_ENV === "production";
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const emit = (level: Level, msg: string, fields?: Fields) => {
    if (rank[level] < min) return;
    const all = { ...base, ...fields };
    for (const [k, v] of Object.entries(all)) if (v instanceof Error) all[k] = { message: v.message, stack: v.stack, code: (v as { code?: unknown }).code };
    if (json) write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }));
    else {
      const extra = Object.entries(all).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ");
      write(`${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? "  " + extra : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}
