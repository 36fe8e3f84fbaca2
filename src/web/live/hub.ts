import { randomBytes } from "node:crypto";
import type { Sql } from "postgres";
import type { Logger } from "../../log.ts";
import { sseMessage, type SseMessage } from "./sse_wire.ts";
import { isPrivateTopic, topic } from "./topics.ts";

/** The channel every SQL function notifies on; one JSON payload `{type, …ids}` per change. */
export const EVENTS_CHANNEL = "rla_events";

/** One database event as sent by `pg_notify('rla_events', …)`. */
export interface ArenaEvent {
  type: string;
  submissionId?: string;
  agentId?: string;
  ownerId?: string;
  status?: string;
  matchId?: string;
  environment?: string;
  agentIds?: string[];
  /** matches.created: the matches one matchmaking tick created (at most 50 per event). */
  matchIds?: string[];
  /** version_test.changed: the "is v2 better?" test that advanced. */
  testId?: string;
}

/**
 * Where an event goes: a topic the page subscribed to, and for private topics the only user
 * allowed to receive it (build status goes to the submission's owner alone).
 */
export interface Delivery {
  topic: string;
  ownerId: string | null;
}

/** Renders the HTML (hx-swap-oob fragments) one topic needs after `events` (empty = a fresh snapshot). */
export type TopicRenderer = (topic: string, ownerId: string | null, events: ArenaEvent[]) => Promise<string>;

/** A connected SSE client. `send` must not throw; the hub never waits for it. */
export interface Subscriber {
  topics: ReadonlySet<string>;
  userId: string | null;
  send(message: SseMessage): void;
}

/** The deliveries one event causes; unknown event types cause none. */
export function deliveriesOf(event: ArenaEvent): Delivery[] {
  const out: Delivery[] = [];
  const add = (name: string, ownerId: string | null = null) => out.push({ topic: name, ownerId });
  switch (event.type) {
    case "submission.status":
      if (event.ownerId) add(topic.submissions(), String(event.ownerId));
      if (event.agentId) add(topic.agent(event.agentId));
      break;
    case "match.created":
    case "match.started":
    case "match.finished":
      add(topic.feed());
      if (event.environment) add(topic.environmentFeed(event.environment));
      for (const a of event.agentIds ?? []) add(topic.agent(a));
      if (event.matchId) add(topic.match(event.matchId));
      if (event.type === "match.finished" && event.environment) {
        add(topic.leaderboard(event.environment));
        add(topic.leaders());
      }
      break;
    case "matches.created":
      add(topic.feed());
      if (event.environment) add(topic.environmentFeed(event.environment));
      for (const a of event.agentIds ?? []) add(topic.agent(a));
      for (const m of event.matchIds ?? []) add(topic.match(m));
      break;
    case "version_test.changed":
      if (event.testId) add(topic.versionTest(event.testId));
      break;
    case "leaderboard.changed":
      if (event.environment) add(topic.leaderboard(event.environment));
      add(topic.leaders());
      break;
  }
  return out;
}

interface Buffered {
  seq: number;
  event: ArenaEvent;
}

/**
 * The live hub of one web process: ONE `LISTEN rla_events` connection, fanned out to every
 * SSE subscriber of this process.
 *
 * Events are handled in batches: while one batch renders, new events queue up and are merged
 * into the next batch, so a burst (matchmaking creating 50 matches) renders each affected topic
 * once, not 50 times. Each topic is rendered once per batch, and only if someone subscribed to
 * it; every subscriber then gets one SSE message holding the fragments of all its topics.
 *
 * Event ids are `<process epoch>-<sequence>`. A client that reconnects with `Last-Event-ID`
 * (or a page that passes the id it was rendered at as `since`) gets a fresh render of each
 * topic touched by the events it missed, taken from a ring buffer of recent events; if the
 * id is from another process or too old, it gets a fresh render of all its topics.
 */
export class LiveHub {
  readonly epoch = randomBytes(4).toString("hex");
  private seq = 0;
  private ring: Buffered[] = [];
  private readonly byTopic = new Map<string, Set<Subscriber>>();
  private pending: Buffered[] = [];
  private running: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  /** Counters for /metrics and the benchmark. */
  readonly stats = { events: 0, batches: 0, messages: 0, renderErrors: 0 };

  constructor(
    private readonly render: TopicRenderer,
    private readonly log: Logger,
    private readonly bufferSize = 512,
  ) {}

  /** Starts listening on the database channel; after a reconnect every subscriber gets a fresh render. */
  async listen(sql: Sql): Promise<void> {
    let first = true;
    const sub = await sql.listen(EVENTS_CHANNEL, (payload) => this.receive(payload), () => {
      if (!first) {
        this.log.warn("live hub re-subscribed to the database; refreshing every subscriber");
        void this.refreshAll();
      }
      first = false;
    });
    this.unlisten = () => sub.unlisten();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
    await this.running;
  }

  /** The id of the newest event; pages embed it so the stream resumes from the moment they rendered. */
  lastId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  subscriberCount(): number {
    const all = new Set<Subscriber>();
    for (const set of this.byTopic.values()) for (const s of set) all.add(s);
    return all.size;
  }

  /** Parses one notification payload; malformed ones are logged and dropped. */
  receive(payload: string): void {
    let event: ArenaEvent;
    try {
      event = JSON.parse(payload);
      if (typeof event?.type !== "string") throw new Error("no type");
    } catch (error) {
      this.log.warn("ignoring a malformed rla_events payload", { payload: payload.slice(0, 200), error });
      return;
    }
    this.dispatch(event);
  }

  /** Queues an event for delivery (what a notification does; tests call it directly). */
  dispatch(event: ArenaEvent): void {
    const item = { seq: ++this.seq, event };
    this.stats.events++;
    this.ring.push(item);
    if (this.ring.length > this.bufferSize) this.ring.splice(0, this.ring.length - this.bufferSize);
    this.pending.push(item);
    this.pump();
  }

  /** Resolves when every queued event has been delivered. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Adds a subscriber. `since` is the last event id it saw (Last-Event-ID or the page's id);
   * the returned promise resolves once the catch-up message (if any) has been sent.
   */
  async subscribe(sub: Subscriber, since?: string | null): Promise<() => void> {
    for (const t of sub.topics) {
      let set = this.byTopic.get(t);
      if (!set) this.byTopic.set(t, (set = new Set()));
      set.add(sub);
    }
    const unsubscribe = () => {
      for (const t of sub.topics) {
        const set = this.byTopic.get(t);
        set?.delete(sub);
        if (set?.size === 0) this.byTopic.delete(t);
      }
    };
    if (since) await this.catchUp(sub, since);
    return unsubscribe;
  }

  private async catchUp(sub: Subscriber, since: string): Promise<void> {
    const [epoch, seqText] = since.split("-");
    const seq = Number(seqText);
    if (epoch === this.epoch && seq === this.seq) return;
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    const known = epoch === this.epoch && Number.isInteger(seq) && seq <= this.seq && seq >= oldest - 1;
    const groups = new Map<string, { topic: string; ownerId: string | null; events: ArenaEvent[] }>();
    if (known) {
      for (const item of this.ring) {
        if (item.seq <= seq) continue;
        for (const d of deliveriesOf(item.event)) {
          if (!sub.topics.has(d.topic) || (d.ownerId !== null && d.ownerId !== sub.userId)) continue;
          const key = `${d.topic}@${d.ownerId ?? ""}`;
          const g = groups.get(key) ?? { topic: d.topic, ownerId: d.ownerId, events: [] };
          g.events.push(item.event);
          groups.set(key, g);
        }
      }
    } else {
      for (const t of sub.topics) if (!isPrivateTopic(t)) groups.set(t, { topic: t, ownerId: null, events: [] });
    }
    const id = this.lastId();
    const parts = await Promise.all([...groups.values()].map((g) => this.safeRender(g.topic, g.ownerId, g.events)));
    const data = parts.join("");
    if (data) this.stats.messages++;
    sub.send(sseMessage(id, data));
  }

  private pump(): void {
    if (this.running) return;
    this.running = (async () => {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        await this.deliver(batch);
      }
    })().finally(() => {
      this.running = null;
    });
  }

  private async refreshAll(): Promise<void> {
    const topics = [...this.byTopic.keys()].filter((t) => !isPrivateTopic(t));
    const id = this.lastId();
    const html = new Map(await Promise.all(topics.map(async (t) => [t, await this.safeRender(t, null, [])] as const)));
    this.fanOut(id, topics.map((t) => ({ topic: t, ownerId: null, html: html.get(t)! })));
  }

  private async deliver(batch: Buffered[]): Promise<void> {
    this.stats.batches++;
    const groups = new Map<string, { topic: string; ownerId: string | null; events: ArenaEvent[] }>();
    for (const item of batch) {
      for (const d of deliveriesOf(item.event)) {
        if (!this.byTopic.has(d.topic)) continue; // nobody is listening: render nothing
        const key = `${d.topic}@${d.ownerId ?? ""}`;
        const g = groups.get(key) ?? { topic: d.topic, ownerId: d.ownerId, events: [] };
        g.events.push(item.event);
        groups.set(key, g);
      }
    }
    if (groups.size === 0) return;
    const id = `${this.epoch}-${batch[batch.length - 1].seq}`;
    const rendered = await Promise.all(
      [...groups.values()].map(async (g) => ({ topic: g.topic, ownerId: g.ownerId, html: await this.safeRender(g.topic, g.ownerId, g.events) })),
    );
    this.fanOut(id, rendered);
  }

  private fanOut(id: string, rendered: Array<{ topic: string; ownerId: string | null; html: string }>): void {
    // Which rendered parts each subscriber gets, as indexes into `rendered`.
    const perSub = new Map<Subscriber, number[]>();
    rendered.forEach((r, index) => {
      if (!r.html) return;
      for (const sub of this.byTopic.get(r.topic) ?? []) {
        if (r.ownerId !== null && r.ownerId !== sub.userId) continue;
        const parts = perSub.get(sub);
        if (parts) parts.push(index);
        else perSub.set(sub, [index]);
      }
    });
    // Subscribers of the same page get the same parts: build and encode each distinct message
    // once, keyed by its part indexes (not by the tens of kilobytes of HTML it holds).
    const frames = new Map<string, SseMessage>();
    for (const [sub, parts] of perSub) {
      this.stats.messages++;
      const key = parts.join(",");
      let message = frames.get(key);
      if (!message) frames.set(key, (message = sseMessage(id, parts.map((i) => rendered[i]!.html).join(""))));
      sub.send(message);
    }
  }

  private async safeRender(topic: string, ownerId: string | null, events: ArenaEvent[]): Promise<string> {
    try {
      return await this.render(topic, ownerId, events);
    } catch (error) {
      this.stats.renderErrors++;
      this.log.error("rendering a live fragment failed", { topic, error });
      return "";
    }
  }
}
