/**
 * A small, literal interpreter of our Dockerfile, for a machine with no Docker engine: it
 * carries out the instructions the file uses (FROM … AS, WORKDIR, COPY [--from] [--chown],
 * RUN, ENV, ARG, USER, EXPOSE, CMD) on a folder that stands in for the image's root, honouring
 * .dockerignore. It is not Docker — the base image's own files are the host's (Node, Debian) —
 * but every command of the image's build and every file it copies is what the Dockerfile says.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";

export interface BuiltImage {
  /** The folder standing in for the final stage's root ("/"); WORKDIR paths live under it. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: { uid: number; gid: number } | null;
  cmd: string[];
}

interface Stage { name: string; root: string; workdir: string; env: Record<string, string>; user: BuiltImage["user"]; cmd: string[] }

/** Turns .dockerignore patterns into a test on paths relative to the context. */
function ignoreMatcher(context: string): (rel: string) => boolean {
  const file = join(context, ".dockerignore");
  const patterns = existsSync(file) ? readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")) : [];
  const res = patterns.map((p) => new RegExp("^" + p.replace(/^\.?\//, "").split("**/").map((part) =>
    part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")).join("(?:.*/)?") + "$"));
  return (rel) => res.some((re) => re.test(rel));
}

/** COPY from the build context: a folder's contents go into `dest`; a file goes into `dest/` or becomes `dest`. */
function copyFromContext(context: string, sources: string[], dest: string, destIsFolder: boolean, ignored: (rel: string) => boolean): void {
  for (const source of sources) {
    const from = join(context, source);
    if (statSync(from).isDirectory()) {
      mkdirSync(dest, { recursive: true });
      cpSync(from, dest, { recursive: true, filter: (src) => src === from || !ignored(relative(context, src)) });
    } else {
      const target = destIsFolder ? join(dest, basename(source)) : dest;
      mkdirSync(dirname(target), { recursive: true });
      cpSync(from, target);
    }
  }
}

/**
 * Builds `dockerfile` from `context` into `outDir` (one folder per stage) and returns the final
 * stage. `args` are build arguments (ARG defaults apply otherwise).
 */
export function buildDockerfile(context: string, outDir: string, args: Record<string, string> = {}): BuiltImage {
  const text = readFileSync(join(context, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const ignored = ignoreMatcher(context);
  const stages: Stage[] = [];
  let stage: Stage | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (op === "FROM") {
      const name = /\bAS\s+(\S+)/i.exec(rest)?.[1] ?? String(stages.length);
      stage = { name, root: join(outDir, `stage-${stages.length}`), workdir: "/", env: {}, user: null, cmd: [] };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`Dockerfile: ${op} before FROM`);
    const abs = (p: string) => join(stage!.root, p.startsWith("/") ? p : join(stage!.workdir, p));
    switch (op) {
      case "WORKDIR":
        stage.workdir = rest;
        mkdirSync(abs("."), { recursive: true });
        break;
      case "ARG": {
        const [name, value = ""] = rest.split("=");
        stage.env[name] = args[name] ?? value;
        break;
      }
      case "ENV": {
        const [name, value] = rest.split("=");
        stage.env[name] = value;
        break;
      }
      case "COPY": {
        const words = rest.split(/\s+/);
        const from = words.find((w) => w.startsWith("--from="))?.slice(7);
        const paths = words.filter((w) => !w.startsWith("--"));
        const destRaw = paths.pop()!;
        const dest = abs(destRaw);
        if (from) {
          const source = stages.find((s) => s.name === from);
          if (!source) throw new Error(`Dockerfile: no stage ${from}`);
          for (const p of paths) cpSync(join(source.root, p), dest, { recursive: true });
        } else {
          copyFromContext(context, paths, dest, destRaw.endsWith("/") || destRaw === "." || paths.length > 1, ignored);
        }
        break;
      }
      case "RUN":
        execFileSync("sh", ["-c", rest], { cwd: abs("."), env: { ...process.env, ...stage.env }, stdio: "pipe", maxBuffer: 64 << 20 });
        break;
      case "USER": {
        const [uid, gid] = rest.split(":").map(Number);
        stage.user = { uid, gid: gid ?? uid };
        break;
      }
      case "CMD":
        stage.cmd = JSON.parse(rest);
        break;
      case "EXPOSE":
        break;
      default:
        throw new Error(`Dockerfile: ${op} is not interpreted by tests/helpers/dockerfile.ts; teach it`);
    }
  }
  const last = stages.at(-1)!;
  return { root: last.root, workdir: join(last.root, last.workdir), env: last.env, user: last.user, cmd: last.cmd };
}

/** Files and folders under `dir` (relative paths), for assertions on what the image holds. */
export function listTree(dir: string, depth = 1): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return depth > 1 && statSync(path).isDirectory() ? [name, ...listTree(path, depth - 1).map((n) => `${name}/${n}`)] : [name];
  });
}
