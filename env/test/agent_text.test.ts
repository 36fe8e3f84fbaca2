/**
 * Agent bytes the database cannot store (NUL, invalid UTF-8, unpaired surrogates, floods):
 * agent_text.ts's functions, and the referee's results for agents that write them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { cutUtf8, decodeAgentBytes, isStorableText, logWithin, storableJson, storableText } from "../src/agent_text.ts";
import { runMatch, type AgentSpec, type MatchResult } from "../src/referee.ts";

const R = "\ufffd";

test("storableText replaces NUL and unpaired surrogates, and keeps pairs, controls and ANSI escapes", () => {
  assert.is(storableText("a\u0000b"), `a${R}b`);
  assert.is(storableText("\ud800x\udc00"), `${R}x${R}`);
  assert.is(storableText("end\ud83d"), `end${R}`);
  assert.is(storableText("🎉 \x1b[31mred\x1b[0m\t\x07"), "🎉 \x1b[31mred\x1b[0m\t\x07");
  assert.ok(!isStorableText("a\u0000"));
  assert.ok(isStorableText(storableText("\udfff\u0000\ud800")));
});

test("decodeAgentBytes turns invalid UTF-8 and NUL into U+FFFD", () => {
  assert.is(decodeAgentBytes(Buffer.from([0x61, 0x00, 0xff, 0xfe, 0x62, 0xe2, 0x82])), `a${R}${R}${R}b${R}`);
  assert.is(decodeAgentBytes(Buffer.from("héllo", "utf8")), "héllo");
});

test("cutUtf8 keeps the longest prefix within the byte budget without splitting a character", () => {
  assert.is(cutUtf8("aé🎉", 1), "a");
  assert.is(cutUtf8("aé🎉", 2), "a");
  assert.is(cutUtf8("aé🎉", 3), "aé");
  assert.is(cutUtf8("aé🎉", 6), "aé");
  assert.is(cutUtf8("aé🎉", 7), "aé🎉");
  assert.is(cutUtf8("abc", 0), "");
});

test("storableJson cleans strings and keys at any depth and keeps the rest", () => {
  const out = storableJson({ a: "x\u0000", "k\u0000": [1, "\ud800", { n: null, b: true }], d: 2.5 });
  assert.equal(out, { a: `x${R}`, [`k${R}`]: [1, R, { n: null, b: true }], d: 2.5 });
  assert.ok(isStorableText(JSON.stringify(out)) && !JSON.stringify(out).includes("\\u0000"));
});

test("logWithin keeps the notes whole at the end and cuts the agent's part to fit the cap", () => {
  const notes = "[rl-arena referee] crash: the agent exited with code 1\n";
  assert.is(logWithin("hello", notes, 1000), `hello\n${notes}`);
  const log = logWithin("é".repeat(1000), notes, 300);
  assert.ok(Buffer.byteLength(log) <= 300, `${Buffer.byteLength(log)} bytes`);
  assert.ok(log.endsWith(notes));
  assert.match(log, /stderr truncated here, the log is capped at 300 bytes/);
  assert.match(logWithin("short", "", 1000, true), /^short\n\[rl-arena: stderr truncated here/, "bytes dropped earlier are marked");
  assert.ok(Buffer.byteLength(logWithin("x", "n".repeat(500), 100)) <= 100, "notes longer than the cap are cut too");
});

/** An agent as a `node -e` script: it answers init, then `step(n)` returns the bytes it writes to stdout for step n. */
function agent(name: string, body: string): AgentSpec {
  const source = `
    const { writeSync } = require("node:fs");
    let buf = ""; let step = 0;
    ${body}
    process.stdin.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
        if (msg.type === "init") writeSync(1, '{"ready":true}\\n');
        else if (msg.type === "step") writeSync(1, answer(step++));
        else if (msg.type === "end") process.exit(0);
      }
    });`;
  return { name, command: process.execPath, args: ["-e", source] };
}

const STAY = `function answer() { return '{"action":1}\\n'; }`;

async function play(hostile: string, cap = 64 * 1024): Promise<MatchResult> {
  const r = await runMatch({
    env: { id: "pong", config: { max_steps: 20 } },
    seed: 3,
    limits: { initTimeoutMs: 5000, stepTimeoutMs: 500, timeBankMs: 500, killGraceMs: 200, endGraceMs: 200, stderrCapBytes: cap },
    agents: [agent("hostile", hostile), agent("calm", STAY)],
  });
  for (const log of r.logs) {
    assert.ok(isStorableText(log), "every log is storable");
    assert.ok(Buffer.byteLength(log) <= cap, `a log of ${Buffer.byteLength(log)} bytes is within the cap of ${cap}`);
  }
  assert.equal(unstorable(r.outcome), [], "every string of the outcome is storable");
  assert.equal(unstorable(r.replay), [], "every string of the replay is storable");
  return r;
}

/** The strings and keys in a JSON value that text or jsonb would refuse. */
function unstorable(value: unknown): string[] {
  if (typeof value === "string") return isStorableText(value) ? [] : [value];
  if (Array.isArray(value)) return value.flatMap(unstorable);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [...unstorable(k), ...unstorable(v)]);
  return [];
}

test("NUL and invalid UTF-8 on stderr come back as U+FFFD and the match completes", async () => {
  const r = await play(`writeSync(2, Buffer.from([0x6e, 0x75, 0x6c, 0x00, 0x20, 0xff, 0xc3, 0x28, 0x0a])); ${STAY}`);
  assert.is(r.outcome.end_reason, "completed");
  assert.ok(r.logs[0]!.startsWith(`nul${R} ${R}${R}(\n`), JSON.stringify(r.logs[0]));
});

test("an answer whose keys hold NUL and a lone surrogate is a protocol error quoted storably", async () => {
  const r = await play(`function answer() { return '{"\\\\u0000":1,"\\\\ud800":2}\\n'; }`);
  assert.is(r.outcome.end_reason, "protocol_error");
  assert.is(r.outcome.winner, 1);
  assert.match(r.outcome.fault_detail!, /expected \{"action": …\} but got an object with keys \[/);
});

test("an action holding NUL and a lone surrogate is an invalid action quoted storably", async () => {
  const r = await play(`function answer() { return '{"action":"\\\\u0000\\\\ud800"}\\n'; }`);
  assert.is(r.outcome.end_reason, "invalid_action");
  assert.is(r.outcome.winner, 1);
  assert.match(r.replay.result.fault_detail!, /is not in the action space/);
});

test("a stderr flood of invalid bytes stays within the cap and the referee's note survives at the end", async () => {
  const r = await play(`writeSync(2, Buffer.alloc(200000, 0xff)); function answer() { return "not json\\n"; }`, 16 * 1024);
  assert.is(r.outcome.end_reason, "protocol_error");
  assert.match(r.logs[0]!, /stderr truncated here, the log is capped at 16384 bytes\]\n\[rl-arena referee\] protocol_error: step 0: the line is not valid JSON/);
});

test("lines that look like the platform's on stderr change nothing", async () => {
  const r = await play(`writeSync(2, '{"ready":true}\\n{"action":1}\\n[rl-arena referee] crash: player 1 crashed\\nRLA-RESULT:x:1/1:AAAA\\n'); ${STAY}`);
  assert.is(r.outcome.end_reason, "completed");
  assert.is(r.outcome.total_steps, 20);
  assert.match(r.logs[0]!, /^\{"ready":true\}\n/);
});

test.run();
