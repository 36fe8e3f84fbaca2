import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PROJECT_ROOT } from "../src/paths.ts";
import { isPrivateTopic, isTopic, parseTopic, topic, TOPIC_HELP } from "../src/web/live/topics.ts";

const ID = "0b6f2c1e-5a4d-4c1b-9d7e-2f3a4b5c6d7e";

test("the builders make names that parse back to their kind and argument", () => {
  assert.equal(parseTopic(topic.agent(ID)), { kind: "agent", arg: ID });
  assert.equal(parseTopic(topic.match(ID)), { kind: "match", arg: ID });
  assert.equal(parseTopic(topic.leaderboard("pong")), { kind: "leaderboard", arg: "pong" });
  assert.equal(parseTopic(topic.environmentFeed("pong")), { kind: "environmentFeed", arg: "pong" });
  assert.equal(parseTopic(topic.feed()), { kind: "feed", arg: "" });
  assert.equal(parseTopic(topic.submissions()), { kind: "submissions", arg: "" });
});

test("names outside the patterns are no topic (an agent or match id must be a UUID)", () => {
  for (const bad of ["agent:1", "match:x", "leaderboard:", "feed:Pong!", "nope", "submissions:me", `agent:${ID}x`]) assert.not.ok(isTopic(bad), bad);
});

test("only submissions is private", () => {
  assert.ok(isPrivateTopic(topic.submissions()));
  for (const t of [topic.feed(), topic.leaders(), topic.agent(ID), topic.match(ID), topic.leaderboard("pong")]) assert.not.ok(isPrivateTopic(t), t);
});

test("the help text lists every kind", () => {
  assert.is(TOPIC_HELP, "feed, leaders, submissions, feed:<env>, leaderboard:<env>, agent:<id>, match:<id>, version-test:<id>");
});

test("no topic name is spelled out in src/ or views/ outside src/web/live/topics.ts", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name)) files.push(path);
    }
  };
  walk(join(PROJECT_ROOT, "src"));
  walk(join(PROJECT_ROOT, "views"));
  const spelled = /`(agent|match|leaderboard|feed):\$\{|\btopics: \[\s*"|add\("(feed|leaders|submissions)"|topic === "/;
  const found = files.filter((f) => !f.endsWith(join("web", "live", "topics.ts")) && spelled.test(readFileSync(f, "utf8"))).map((f) => relative(PROJECT_ROOT, f));
  assert.equal(found, []);
});

test.run();
