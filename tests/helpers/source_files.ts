import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Every file below `dir` whose name matches `ext` (TypeScript by default), for tests that read the sources as text. */
export function sourceFiles(dir: string, ext: RegExp = /\.tsx?$/): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path, ext));
    else if (ext.test(name)) out.push(path);
  }
  return out;
}
