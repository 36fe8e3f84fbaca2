/**
 * The live topics, in one place: each kind's name pattern, whether its fragments belong to one
 * user (private: sent to that user alone and never snapshotted for others), and a typed builder
 * (`topic.agent(id)`). The pages subscribe with the builders, the hub routes events to them
 * (sse.ts deliveriesOf), GET /events accepts only names parseTopic knows, and live.tsx has one
 * renderer per kind (a Record over TopicKind, so a new kind cannot go unrendered). The wire
 * format (SSE frames) and the hub know nothing of the kinds.
 */

// Agent and match ids are UUIDs: anything else can name no row, and querying with it would make
// PostgreSQL refuse the cast on every render of that topic.
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const ENVIRONMENT = "[a-z0-9][a-z0-9_-]{0,63}";

/** Every kind: its prefix, what follows the colon (null: no argument) and whether it is private. */
export const TOPIC_KINDS = {
  feed: { prefix: "feed", arg: null, private: false },
  leaders: { prefix: "leaders", arg: null, private: false },
  submissions: { prefix: "submissions", arg: null, private: true },
  environmentFeed: { prefix: "feed", arg: ENVIRONMENT, private: false },
  leaderboard: { prefix: "leaderboard", arg: ENVIRONMENT, private: false },
  agent: { prefix: "agent", arg: UUID, private: false },
  match: { prefix: "match", arg: UUID, private: false },
  versionTest: { prefix: "version-test", arg: UUID, private: false },
} as const;
export type TopicKind = keyof typeof TOPIC_KINDS;

/** Typed builders of topic names: `topic.agent(id)` → "agent:<id>". */
export const topic = {
  feed: () => "feed",
  leaders: () => "leaders",
  submissions: () => "submissions",
  environmentFeed: (environment: string) => `feed:${environment}`,
  leaderboard: (environment: string) => `leaderboard:${environment}`,
  agent: (agentId: string) => `agent:${agentId}`,
  match: (matchId: string) => `match:${matchId}`,
  versionTest: (testId: string) => `version-test:${testId}`,
} satisfies Record<TopicKind, (...args: string[]) => string>;

const MATCHERS = (Object.entries(TOPIC_KINDS) as Array<[TopicKind, (typeof TOPIC_KINDS)[TopicKind]]>).map(([kind, k]) => ({
  kind,
  re: new RegExp(k.arg === null ? `^${k.prefix}$` : `^${k.prefix}:(${k.arg})$`),
}));

/** The kind and argument of a topic name; null for a name no kind matches. */
export function parseTopic(name: string): { kind: TopicKind; arg: string } | null {
  for (const { kind, re } of MATCHERS) {
    const m = re.exec(name);
    if (m) return { kind, arg: m[1] ?? "" };
  }
  return null;
}

/** Whether a topic name is one the hub knows how to serve. */
export const isTopic = (name: string): boolean => parseTopic(name) !== null;

/** Whether a topic's fragments belong to one user. */
export const isPrivateTopic = (name: string): boolean => {
  const parsed = parseTopic(name);
  return parsed !== null && TOPIC_KINDS[parsed.kind].private;
};

/** The known topic names for messages: "feed, leaders, submissions, feed:<env>, …". */
export const TOPIC_HELP = (Object.values(TOPIC_KINDS) as Array<(typeof TOPIC_KINDS)[TopicKind]>)
  .map((k) => (k.arg === null ? k.prefix : `${k.prefix}:<${k.arg === UUID ? "id" : "env"}>`)).join(", ");
