-- Matchmaking: pair_agents(environment) pairs every eligible agent it can, in one transaction.
--
-- Eligible (SPEC §3): the agent is not deleted or disabled, its owner is not disabled, it has an
-- active (successfully built) version, it has no pending or running match (busy_agents), its
-- cooldown is over (match_cooldown_s after the END of its last completed match), and it has
-- finished fewer than daily_match_limit matches this UTC day.
--
-- Waiting time: an eligible agent has been waiting since the latest of
--   * when its current version became active (agents.active_since),
--   * when its cooldown ended (last match end + cooldown),
--   * the UTC midnight that lifted its daily cap, when the cap was reached on an earlier day.
-- A failed or cancelled match does not restart the wait. Its window is
--   least(matchmaking_window_max, matchmaking_window + matchmaking_window_step × whole minutes waited)
-- and two agents may be paired when their rating difference is within BOTH windows.
--
-- Pairing (set-based, no per-agent queries): sort the pool by rating (random order among equal
-- ratings); every neighbour pair in that order is a candidate edge when within both windows;
-- an edge whose (gap, key) is smaller than both adjacent edges' is taken — such edges never
-- share an agent (the key is a per-round hash, so equal gaps do not all lose to one edge).
-- Paired agents leave the pool and the round repeats on the rest (each round takes about a
-- third of the edges, so ~log(n) rounds: 12 for 100,000 agents) until a round pairs nobody.
-- Seats are random. Each pair becomes a pending match with a seed and a deadline, a busy_agents
-- row per agent (its primary key forbids a second open match) and one match.run job.
--
-- Concurrency: callers for the same environment are serialised by a transaction-scoped
-- advisory lock (rerun_match takes the same lock), and the pool is read after the lock is held,
-- so a second caller sees the first one's matches.

create or replace function matchmaking_lock(p_environment text) returns void
language sql volatile as $$
  select pg_advisory_xact_lock(hashtext('rla.matchmaking'), hashtext(p_environment))
$$;

create or replace function matchmaking_pool(p_environment text, p_now timestamptz) returns table (
  agent_id uuid, submission_id uuid, rating integer, waiting_since timestamptz, rating_window integer)
language sql stable as $$
  with rules as materialized ( -- settings are looked up once, not once per agent
    select setting_number_for(p_environment, 'match_cooldown_s') * interval '1 second' as cooldown,
           setting_number_for(p_environment, 'daily_match_limit')::integer as cap,
           setting_number_for(p_environment, 'matchmaking_window') as base,
           setting_number_for(p_environment, 'matchmaking_window_step') as step,
           setting_number_for(p_environment, 'matchmaking_window_max') as widest,
           utc_day(p_now) as today
  )
  select a.id, a.active_submission_id, a.rating, w.since,
         least(r.widest, r.base + r.step * greatest(0, floor(extract(epoch from p_now - w.since) / 60)))::integer
  from rules r
  join agents a on a.environment_id = p_environment
  join users u on u.id = a.owner_id
  join agent_match_stats s on s.agent_id = a.id
  cross join lateral (select greatest(
    a.active_since,
    s.last_match_ended_at + r.cooldown,
    case when s.day < r.today and s.matches_today >= r.cap then utc_day_start(s.day + 1) end) as since) w
  where a.deleted_at is null and not a.disabled and a.active_submission_id is not null
    and not u.disabled
    and not exists (select 1 from busy_agents b where b.agent_id = a.id)
    and (s.last_match_ended_at is null or s.last_match_ended_at + r.cooldown <= p_now)
    and (s.day is distinct from r.today or s.matches_today < r.cap)
$$;
comment on function matchmaking_pool(text, timestamptz) is 'The agents of an environment eligible for matchmaking at p_now, with how long they have waited and their rating window.';

create or replace function pair_agents(p_environment text) returns setof matches
language plpgsql volatile
set work_mem = '64MB' -- the pool is sorted in memory
set jit = off         -- compiling costs more than these short statements run
as $$
declare
  v_now timestamptz := arena_now();
  v_env environments;
  v_round integer := 0;
  v_target text;
  v_left bigint;
  v_left_before bigint := -1;
  v_deadline interval;
begin
  v_env := environment_by_id(p_environment);
  if not v_env.enabled then
    return;
  end if;
  perform matchmaking_lock(p_environment);
  v_deadline := setting_number_for(p_environment, 'match_deadline_s') * interval '1 second';

  -- The pool shrinks by about two thirds a round; each round reads the previous remainder and
  -- writes the new one to the other table, so no round touches rows already paired.
  create temp table if not exists pair_pool_a (
    agent_id uuid not null, submission_id uuid not null, rating integer not null,
    rating_window integer not null, tiebreak double precision not null
  ) on commit drop;
  create temp table if not exists pair_pool_b (like pair_pool_a) on commit drop;
  create temp table if not exists pair_pairs (
    match_id uuid not null default gen_random_uuid(), agent_a uuid not null, submission_a uuid not null,
    agent_b uuid not null, submission_b uuid not null, swap boolean not null default random() < 0.5
  ) on commit drop;
  truncate pair_pool_a, pair_pool_b, pair_pairs;

  loop
    v_round := v_round + 1;
    v_target := case when v_round % 2 = 1 then 'pair_pool_a' else 'pair_pool_b' end;
    -- One pass over the pool in rating order. Edge i joins agent i and i+1; it is taken when it
    -- is within both windows and its (gap, key) is below both neighbouring edges' (invalid
    -- edges count as infinite). Edge keys are a per-round hash of the lower agent's id.
    execute format($round$
      with pool as materialized (%s),
      w as (
        select agent_id, submission_id, rating, rating_window, k,
               lag(rating) over o as r_prev, lag(rating_window) over o as w_prev, lag(k) over o as k_prev,
               lead(agent_id) over o as id_next, lead(submission_id) over o as sub_next,
               lead(rating) over o as r_next, lead(rating_window) over o as w_next, lead(k) over o as k_next,
               lead(rating, 2) over o as r_next2, lead(rating_window, 2) over o as w_next2
        from (select p.*, hashtext(p.agent_id::text || %s) as k from pool p) s
        window o as (order by rating, tiebreak)
      ), edges as (
        select agent_id, submission_id, id_next, sub_next, k, k_prev, k_next,
               case when r_next - rating <= least(rating_window, w_next) then r_next - rating end as gap,
               case when rating - r_prev <= least(rating_window, w_prev) then rating - r_prev end as gap_prev,
               case when r_next2 - r_next <= least(w_next, w_next2) then r_next2 - r_next end as gap_next
        from w
      ), picked as (
        insert into pair_pairs (agent_a, submission_a, agent_b, submission_b)
        select agent_id, submission_id, id_next, sub_next from edges
        where gap is not null
          and (gap_prev is null or (gap, k) < (gap_prev, k_prev))
          and (gap_next is null or (gap, k) < (gap_next, k_next))
        returning agent_a, agent_b
      )
      insert into %I
      select * from pool where agent_id not in (select agent_a from picked union all select agent_b from picked)
    $round$,
      case when v_round = 1
        then 'select agent_id, submission_id, rating, rating_window, random() as tiebreak from matchmaking_pool($1, $2)'
        else format('select * from %I', case when v_round % 2 = 1 then 'pair_pool_b' else 'pair_pool_a' end) end,
      v_round, v_target)
    using p_environment, v_now;
    get diagnostics v_left = row_count;
    exit when v_left = v_left_before or v_left < 2 or v_round >= 64; -- a round paired nobody, or nobody is left
    v_left_before := v_left;
    execute format('truncate %I', case when v_round % 2 = 1 then 'pair_pool_b' else 'pair_pool_a' end);
  end loop;

  return query
  insert into matches (id, environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                       player0_submission_id, player1_submission_id, seed, created_at, deadline)
  select p.match_id, p_environment, v_env.version, 'pending',
         case when p.swap then p.agent_b else p.agent_a end, case when p.swap then p.agent_a else p.agent_b end,
         case when p.swap then p.submission_b else p.submission_a end, case when p.swap then p.submission_a else p.submission_b end,
         floor(random() * 4294967296)::bigint, v_now, v_now + v_deadline
  from pair_pairs p
  returning *;

  insert into busy_agents (agent_id, match_id, since)
  select agent_a, match_id, v_now from pair_pairs
  union all
  select agent_b, match_id, v_now from pair_pairs;

  perform enqueue_jobs('match.run', (select array_agg(jsonb_build_object('matchId', match_id)) from pair_pairs));
  -- One event per 50 matches, not per match: a NOTIFY payload must stay under 8,000 bytes
  -- (50 match ids + 100 agent ids ≈ 5.9 kB), and 50,000 single events cost ~0.3 s here plus
  -- their share of the commit, and make every web process parse them.
  perform emit_event('matches.created', jsonb_build_object('environment', p_environment,
                                                           'matchIds', jsonb_agg(match_id),
                                                           'agentIds', jsonb_agg(agent_a) || jsonb_agg(agent_b)))
  from (select match_id, agent_a, agent_b, (row_number() over () - 1) / 50 as chunk from pair_pairs) c
  group by chunk;
  truncate pair_pool_a, pair_pool_b, pair_pairs;
end $$;
comment on function pair_agents(text) is 'Matchmaking tick for one environment: pairs eligible agents by closest rating within their waiting windows, creates the pending matches with their match.run jobs and returns them. Safe to call from several sessions at once.';
