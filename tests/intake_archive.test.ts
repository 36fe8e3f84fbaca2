import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { seededUploadLimits } from "../src/submissions/upload_limits.ts";
import { inspectArchive, IntakeError, unpackArchive, type IntakeErrorCode } from "../src/submissions/intake.ts";
import { makeTar, makeTarGz, makeZip, tarGzBomb, zipBomb } from "./fixtures/archives.ts";

/** A scratch root with a `subs` folder; unpacking goes to subs/<name>, so anything outside is a leak. */
function scratch() {
  const root = mkdtempSync(join(tmpdir(), "rla-intake-"));
  mkdirSync(join(root, "subs"));
  return { root, dest: join(root, "subs", "s1") };
}

/** Every path under `dir`, relative, sorted. */
function tree(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const rel = prefix + d.name;
    return d.isDirectory() ? [rel + "/", ...tree(join(dir, d.name), rel + "/")] : [rel];
  }).sort();
}

async function rejects(bytes: Buffer, name: string, code: IntakeErrorCode, message: RegExp): Promise<IntakeError> {
  const { root, dest } = scratch();
  let error: unknown;
  try {
    await unpackArchive(bytes, name, dest);
  } catch (e) {
    error = e;
  }
  assert.instance(error, IntakeError, `expected an IntakeError, got ${String(error)}`);
  const e = error as IntakeError;
  assert.is(e.code, code, e.message);
  assert.match(e.message, message);
  assert.equal(tree(root), ["subs/"], "nothing may be written anywhere when an archive is refused");
  return e;
}

test("a zip with main.py is Python with entry main.py, and unpacks its files and folders", async () => {
  const { root, dest } = scratch();
  const zip = makeZip([{ name: "main.py", data: "print(1)\n" }, { name: "lib/" }, { name: "lib/util.py", data: "X = 2\n", method: 0 }]);
  const s = await unpackArchive(zip, "agent.zip", dest);
  assert.equal({ kind: s.kind, language: s.language, entry: s.entry, files: s.files, unpackedBytes: s.unpackedBytes }, { kind: "zip", language: "python", entry: "main.py", files: 2, unpackedBytes: 15 });
  assert.equal(tree(root), ["subs/", "subs/s1/", "subs/s1/lib/", "subs/s1/lib/util.py", "subs/s1/main.py"]);
  assert.is(readFileSync(join(dest, "lib/util.py"), "utf8"), "X = 2\n");
  assert.is(statSync(join(dest, "main.py")).mode & 0o777, 0o644);
});

test("a zipped folder is unpacked without its wrapping folder", async () => {
  const { dest } = scratch();
  const zip = makeZip([{ name: "my-agent/" }, { name: "my-agent/agent.js", data: "export default () => 1" }, { name: "__MACOSX/._agent.js", data: "junk" }]);
  const s = await unpackArchive(zip, "a.zip", dest);
  assert.is(s.language, "node");
  assert.is(s.entry, "agent.js");
  assert.equal(tree(dest), ["agent.js"]);
});

test("a tar.gz with an agent.json uses the language and entry it names", async () => {
  const { dest } = scratch();
  const tgz = makeTarGz([{ name: "./" }, { name: "./agent.json", data: JSON.stringify({ language: "node", entry: "src/bot.mjs" }) }, { name: "./src/bot.mjs", data: "export default () => 0" }, { name: "./main.py", data: "" }]);
  const s = await unpackArchive(tgz, "agent.tar.gz", dest);
  assert.equal([s.kind, s.language, s.entry], ["tar.gz", "node", "src/bot.mjs"]);
  assert.equal(tree(dest), ["agent.json", "main.py", "src/", "src/bot.mjs"]);
});

test("a single .py upload becomes main.py and a single .mjs becomes main.mjs", async () => {
  const a = scratch();
  const s = await unpackArchive(Buffer.from("class Agent:\n    pass\n"), "My Bot.py", a.dest);
  assert.equal([s.kind, s.language, s.entry], ["file", "python", "main.py"]);
  assert.equal(tree(a.dest), ["main.py"]);
  const s2 = await inspectArchive(Buffer.from("export default () => 1"), "x.mjs");
  assert.equal([s2.language, s2.entry], ["node", "main.mjs"]);
});

test("inspectArchive checks without writing and accepts a Uint8Array", async () => {
  const zip = new Uint8Array(makeZip([{ name: "main.js", data: "1" }]));
  const s = await inspectArchive(zip, "a.zip");
  assert.equal([s.language, s.entry, s.files], ["node", "main.js", 1]);
});

test("zip slip: an entry named ../evil.txt is refused, naming the entry", async () => {
  const e = await rejects(makeZip([{ name: "main.py", data: "" }, { name: "../evil.txt", data: "pwned" }]), "a.zip", "path_escape", /"\.\.\/evil\.txt".*escapes/);
  assert.is(e.status, 422);
  assert.is(e.entry, "../evil.txt");
  await rejects(makeZip([{ name: "main.py", data: "" }, { name: "a/../../evil.txt", data: "pwned" }]), "a.zip", "path_escape", /a\/\.\.\/\.\.\/evil\.txt/);
});

test("tar slip: ../ and absolute names in a tar.gz are refused", async () => {
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "../../evil.txt", data: "x" }]), "a.tgz", "path_escape", /"\.\.\/\.\.\/evil\.txt"/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "/tmp/abs-evil.txt", data: "x" }]), "a.tgz", "absolute_path", /"\/tmp\/abs-evil\.txt" is an absolute path/);
});

test("an absolute path in a zip is refused", async () => {
  await rejects(makeZip([{ name: "/tmp/abs-evil.txt", data: "x" }, { name: "main.py", data: "" }]), "a.zip", "absolute_path", /"\/tmp\/abs-evil\.txt" is an absolute path/);
});

test("a symlink in a zip is refused, naming the entry", async () => {
  await rejects(makeZip([{ name: "main.py", data: "" }, { name: "passwd", data: "/etc/passwd", mode: 0o120777 }]), "a.zip", "link", /"passwd" is a symbolic link/);
});

test("symlinks, hard links, devices and FIFOs in a tar.gz are refused", async () => {
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "up", type: "symlink", linkname: "../../.." }]), "a.tgz", "link", /"up" is a symbolic link/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "hard", type: "hardlink", linkname: "/etc/shadow" }]), "a.tgz", "link", /"hard" is a hard link/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "null", type: "chardev" }]), "a.tgz", "special_file", /"null" is of type CharacterDevice/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "disk", type: "blockdev" }]), "a.tgz", "special_file", /BlockDevice/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "pipe", type: "fifo" }]), "a.tgz", "special_file", /"pipe" is of type FIFO/);
});

test("a device file in a zip is refused", async () => {
  await rejects(makeZip([{ name: "main.py", data: "" }, { name: "tty", mode: 0o020666 }]), "a.zip", "special_file", /"tty" is a device/);
});

test("a 1 GB zip bomb is refused quickly by its declared size", async () => {
  const bomb = zipBomb(1024);
  assert.ok(bomb.length < 2 * 1024 * 1024, "the bomb itself is small");
  const started = Date.now();
  await rejects(bomb, "bomb.zip", "file_too_large", /"zeros\.bin" unpacks to more than 20 MB/);
  assert.ok(Date.now() - started < 10_000);
});

test("a 1 GB zip bomb whose header claims 10 bytes is stopped at the first inflated chunk", async () => {
  const e = await rejects(zipBomb(1024, 10), "bomb.zip", "corrupt_archive", /too many bytes in the stream\. expected 10\. got at least \d+/);
  const got = Number(/got at least (\d+)/.exec(e.message)![1]);
  assert.ok(got <= 1024 * 1024, `inflated ${got} bytes before stopping`);
});

test("a zip bomb that lies under a small per-file cap is stopped by counting bytes", async () => {
  const limits = { ...seededUploadLimits(), maxFileBytes: 1024 * 1024 };
  let error: unknown;
  try {
    await inspectArchive(zipBomb(64, 512 * 1024), "bomb.zip", limits);
  } catch (e) {
    error = e;
  }
  assert.instance(error, IntakeError);
  assert.ok(["file_too_large", "corrupt_archive"].includes((error as IntakeError).code), (error as Error).message);
});

test("a 1 GB tar.gz bomb is refused without inflating it all", async () => {
  const started = Date.now();
  await rejects(tarGzBomb(1024), "bomb.tar.gz", "file_too_large", /"zeros\.bin" unpacks to more than 20 MB/);
  assert.ok(Date.now() - started < 10_000, "inflating all of it would take much longer than refusing it");
});

test("more than 50 MB in total is refused even when each file is under the per-file cap", async () => {
  const nineteen = Buffer.alloc(19 * 1024 * 1024);
  const zip = makeZip([{ name: "main.py", data: "" }, { name: "a.bin", data: nineteen }, { name: "b.bin", data: nineteen }, { name: "c.bin", data: nineteen }]);
  await rejects(zip, "big.zip", "unpacked_too_large", /more than 50 MB \(limit reached at "c\.bin"\)/);
});

test("more than 1,000 files is refused (zip and tar.gz)", async () => {
  const items = Array.from({ length: 1001 }, (_, i) => ({ name: `f${i}.py`, data: "" }));
  await rejects(makeZip([{ name: "main.py", data: "" }, ...items]), "many.zip", "too_many_files", /more than 1000 files/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, ...items]), "many.tgz", "too_many_files", /more than 1000 files/);
});

test("an upload over 10 MB packed is refused with status 413", async () => {
  const e = await rejects(Buffer.alloc(10 * 1024 * 1024 + 1, 7), "huge.zip", "too_large", /the limit is 10 MB/);
  assert.is(e.status, 413);
});

test("something that is not an archive is refused", async () => {
  await rejects(Buffer.from("hello, this is text"), "agent.zip", "not_an_archive", /"agent\.zip" is neither a zip or tar\.gz archive/);
  await rejects(Buffer.from("\x89PNG\r\n\x1a\n\0\0\0"), "picture.png", "not_an_archive", /picture\.png/);
  await rejects(Buffer.from([0xff, 0xfe, 0, 1, 2]), "agent.py", "not_an_archive", /not a text source file/);
  await rejects(gzipSync(Buffer.from("just some text that is not a tar archive at all".repeat(20))), "a.tar.gz", "not_an_archive", /does not contain a tar archive/);
  await rejects(Buffer.concat([makeZip([{ name: "main.py", data: "x" }]).subarray(0, 40)]), "cut.zip", "not_an_archive", /not a readable zip/);
});

test("a tar.gz inside a gzip is refused as nested compression", async () => {
  await rejects(gzipSync(makeTarGz([{ name: "main.py", data: "" }])), "double.tar.gz", "nested_compression", /compressed twice/);
});

test("an archive without an entry point is refused with the expected names and its top-level files", async () => {
  await rejects(makeZip([{ name: "utils.py", data: "" }, { name: "model.bin", data: "" }]), "a.zip", "no_entry_point", /add main\.py or agent\.py.*\(top-level files: utils\.py, model\.bin\)/);
  await rejects(makeTarGz([{ name: "README.md", data: "hi" }]), "a.tgz", "no_entry_point", /README\.md/);
  await rejects(makeZip([]), "empty.zip", "no_entry_point", /no files at its root/);
});

test("both a Python and a Node entry without agent.json is ambiguous", async () => {
  await rejects(makeZip([{ name: "main.py", data: "" }, { name: "main.js", data: "" }]), "a.zip", "ambiguous_entry_point", /both main\.py \(Python\) and main\.js \(Node\)/);
});

test("a bad agent.json is refused with what is wrong in it", async () => {
  const zip = (manifest: string, more: { name: string; data: string }[] = []) => makeZip([{ name: "agent.json", data: manifest }, { name: "main.py", data: "" }, ...more]);
  await rejects(zip("{not json"), "a.zip", "bad_agent_json", /not valid JSON/);
  await rejects(zip(JSON.stringify({ language: "ruby" })), "a.zip", "bad_agent_json", /language "ruby" is not supported/);
  await rejects(zip(JSON.stringify({ entry: "missing.py" })), "a.zip", "bad_agent_json", /"missing\.py" is not a file in the archive/);
  await rejects(zip(JSON.stringify({ language: "node", entry: "main.py" })), "a.zip", "bad_agent_json", /does not look like a node file/);
  await rejects(zip(JSON.stringify({ entry: "../main.py" })), "a.zip", "bad_agent_json", /escapes/);
});

test("duplicate names and a file that is also a folder are refused", async () => {
  await rejects(makeZip([{ name: "main.py", data: "a" }, { name: "main.py", data: "b" }]), "a.zip", "duplicate_entry", /"main\.py" appears twice/);
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "lib", data: "x" }, { name: "lib/x.py", data: "" }]), "a.tgz", "duplicate_entry", /inside "lib", which is a file/);
});

test("backslashes and control characters in names are refused", async () => {
  await rejects(makeTarGz([{ name: "main.py", data: "" }, { name: "..\\evil", data: "" }]), "a.tgz", "bad_entry_name", /backslash/);
  await rejects(makeZip([{ name: "main.py", data: "" }, { name: "..\\evil", data: "" }]), "a.zip", "bad_entry_name", /backslash/);
});

test("unpacking into a folder that already holds files is refused and leaves it alone", async () => {
  const { dest } = scratch();
  mkdirSync(dest);
  writeFileSync(join(dest, "main.py"), "old");
  let error: unknown;
  try {
    await unpackArchive(makeZip([{ name: "main.py", data: "new" }]), "a.zip", dest);
  } catch (e) {
    error = e;
  }
  assert.match(String(error), /must be a new or empty folder/);
  assert.is(readFileSync(join(dest, "main.py"), "utf8"), "old");
});

test.run();
