/**
 * Intake and build checks of agents that speak the protocol themselves: agent.json's
 * `{"protocol": "stdio", "command": [...]}`, what stays inside the archive, the interpreters
 * this machine offers (src/executor/runtimes.ts).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRuntimes, hostRuntimes, kubernetesCatalogue, localCatalogue, resolveProgram } from "../src/executor/runtimes.ts";
import { inspectArchive, IntakeError, unpackArchive } from "../src/submissions/intake.ts";
import { makeZip } from "./fixtures/archives.ts";
import { rawPython, stdioZip } from "./fixtures/stdio_agents.ts";

async function refused(bytes: Buffer, message: RegExp): Promise<void> {
  try {
    await inspectArchive(bytes, "agent.zip");
  } catch (e) {
    assert.instance(e, IntakeError);
    assert.match((e as Error).message, message);
    return;
  }
  assert.unreachable(`expected ${message} to refuse the archive`);
}

test("a stdio command is stored as its JSON text, as language stdio", async () => {
  const s = await inspectArchive(stdioZip(["python3", "-u", "bot.py"], { "bot.py": rawPython() }), "agent.zip");
  assert.equal([s.language, s.entry, s.dockerfile], ["stdio", '["python3","-u","bot.py"]', false]);
  const n = await inspectArchive(stdioZip(["node", "src/bot.mjs"], { "src/bot.mjs": "" }), "agent.zip");
  assert.equal([n.language, n.entry], ["stdio", '["node","src/bot.mjs"]']);
});

test("a command whose program or arguments leave the archive is refused, naming the argument", async () => {
  await refused(stdioZip(["python3", "../bot.py"], { "bot.py": "" }), /argument "\.\.\/bot\.py" escapes the archive: "\.\." is not allowed/);
  await refused(stdioZip(["../bin/bot"], {}), /program "\.\.\/bin\/bot" escapes the archive/);
  await refused(stdioZip(["python3", "/etc/passwd"], {}), /argument "\/etc\/passwd" escapes the archive: an absolute path must lie under \/agent\//);
});

test("the script and the program of a command must be files of the archive", async () => {
  await refused(stdioZip(["python3", "bot.py"], { "main.py": "" }), /argument "bot\.py" is not a file of the archive/);
  await refused(stdioZip(["./bot"], { "bot.py": "" }), /program "\.\/bot" is not a file of the archive/);
  // Code after -c is not a file name.
  const c = await inspectArchive(stdioZip(["python3", "-c", "import x.py"], { "x.txt": "" }), "agent.zip");
  assert.is(c.entry, '["python3","-c","import x.py"]');
});

test("agent.json's stdio form is checked: protocol, command shape, no language or entry beside it", async () => {
  await refused(stdioZip("python3 bot.py", { "bot.py": "" }), /"command" must be a non-empty array of strings/);
  await refused(stdioZip([], {}), /"command" must be a non-empty array/);
  await refused(stdioZip(["python3", ""], {}), /"command" item 1 must be a non-empty string/);
  await refused(stdioZip(["python3", "a\u0000b"], {}), /item 1 .* holds a control character/);
  await refused(makeZip([{ name: "agent.json", data: JSON.stringify({ protocol: "http", command: ["x"] }) }]), /protocol "http" is not supported; use "stdio"/);
  await refused(makeZip([{ name: "agent.json", data: JSON.stringify({ protocol: "stdio" }) }]), /"protocol": "stdio" needs a "command"/);
  await refused(stdioZip(["python3", "bot.py"], { "bot.py": "" }, { language: "python" }), /leave out "language" and "entry"/);
  await refused(stdioZip(["python3", "x".repeat(300)], {}), /at most 255 are allowed/);
  await refused(makeZip([{ name: "agent.json", data: '{"language": "go", "entry": "main.go"}' }, { name: "main.go", data: "" }]), /language "go" is not supported; use "python" or "node", or \{"protocol": "stdio"/);
});

test("with a Dockerfile at the root, the command may name what the image builds", async () => {
  const s = await inspectArchive(stdioZip(["/usr/local/bin/bot", "--fast"], { Dockerfile: "FROM golang\n", "main.go": "" }), "agent.zip");
  assert.equal([s.language, s.entry, s.dockerfile], ["stdio", '["/usr/local/bin/bot","--fast"]', true]);
  await refused(stdioZip(["./bot", "../x"], { Dockerfile: "FROM scratch\n" }), /escapes the archive/);
});

test("unpacking makes the command's own program executable, and nothing else", async () => {
  const dest = join(mkdtempSync(join(tmpdir(), "rla-stdio-")), "s");
  await unpackArchive(stdioZip(["./bin/bot"], { "bin/bot": "#!/bin/sh\n", "data.txt": "x" }), "agent.zip", dest);
  assert.is(statSync(join(dest, "bin/bot")).mode & 0o777, 0o755);
  assert.is(statSync(join(dest, "data.txt")).mode & 0o777, 0o644);
  assert.is(statSync(join(dest, "agent.json")).mode & 0o777, 0o644);
});

test("this machine offers python3 and node with their versions", () => {
  const runtimes = hostRuntimes();
  const python = runtimes.find((r) => r.name === "python3");
  const node = runtimes.find((r) => r.name === "node");
  assert.ok(python && node, describeRuntimes(runtimes));
  assert.match(python!.version, /^3\.\d+\.\d+$/);
  assert.is(node!.version, process.versions.node);
  assert.is(localCatalogue().dockerfile, false);
  assert.equal(kubernetesCatalogue().runtimes.map((r) => [r.name, r.path]), [["python3", "python:3.12-slim"], ["node", "node:22-slim"]]);
});

test("a command resolves to an offered interpreter or a file under /agent", () => {
  const dir = mkdtempSync(join(tmpdir(), "rla-stdio-"));
  writeFileSync(join(dir, "bot"), "#!/bin/sh\n");
  const runtimes = hostRuntimes();
  const python = runtimes.find((r) => r.name === "python3")!;
  assert.is(resolveProgram(["python3", "bot.py"], runtimes, dir), python.path);
  assert.is(resolveProgram([python.path, "bot.py"], runtimes, dir), python.path, "an interpreter may be named by its path");
  assert.is(resolveProgram(["./bot"], runtimes, dir), "/agent/bot");
});

test("an interpreter this machine lacks fails with the list of what it has", () => {
  const dir = mkdtempSync(join(tmpdir(), "rla-stdio-"));
  writeFileSync(join(dir, "bot"), "");
  const runtimes = hostRuntimes();
  assert.throws(() => resolveProgram(["cobol", "bot.cob"], runtimes, dir), (e: Error) =>
    /interpreter "cobol" is not available here; available: python3 3\.\d+\.\d+ \(\/usr\/bin\/python3\), node /.test(e.message));
  assert.throws(() => resolveProgram(["bot"], runtimes, dir), (e: Error) => /to run the archive's file bot, write "\.\/bot"/.test(e.message));
});

test("an absolute program that is not an interpreter, or a link out of the archive, escapes it", () => {
  const dir = mkdtempSync(join(tmpdir(), "rla-stdio-"));
  mkdirSync(join(dir, "bin"));
  symlinkSync("/usr/bin/env", join(dir, "bin", "bot"));
  const runtimes = hostRuntimes();
  assert.throws(() => resolveProgram(["/usr/bin/env", "python3"], runtimes, dir), (e: Error) =>
    e instanceof IntakeError && e.code === "path_escape" && /program "\/usr\/bin\/env" escapes the archive: an absolute path must be one of the interpreters \(python3/.test(e.message));
  assert.throws(() => resolveProgram(["./bin/bot"], runtimes, dir), (e: Error) =>
    e instanceof IntakeError && /program \.\/bin\/bot escapes the archive: it leads to \/usr\/bin\/env, outside it/.test(e.message));
});

test.run();
