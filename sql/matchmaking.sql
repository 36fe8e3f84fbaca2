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
-- ratings). Two neighbours in that order "join" when their gap is within both windows; a run is
-- a stretch of agents each joined to the next. Within a run the most pairs are made by pairing
-- neighbours 1+2, 3+4, … — the only way for an even run, and for an odd run the one agent left
-- out is the one (at an odd position) that leaves the smallest total rating gap, so in 1000,
-- 1090, 1100 it is 1000 (1090+1100, gap 10) and not 1100 (1000+1090, gap 90). That is a
-- maximum matching of neighbours with the least total gap (with one window for everybody, the
-- best matching there is), computed with window functions in one pass. The unpaired then go
-- round again without the agents farther from both neighbours than their own window (nobody
-- can reach them this tick): windows differ per agent, so two agents whose newcomer neighbour
-- has a narrow window may still accept each other. Rounds repeat until the pool stops
-- shrinking — two or three in practice.
-- Seats are random. Each pair becomes a pending match with a seed and a deadline, a busy_agents
-- row per agent (its primary key forbids a second open match) and one match.run job. With
-- seat_swapped_pairs = 1 each match is the first game of a pair (pair_of = its own id): when it
-- completes, finish_match creates the seat-swapped second game (sql/matches.sql).
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
           setting_number_for(p_environment, 'matchmaking_window')::double precision as base,
           setting_number_for(p_environment, 'matchmaking_window_step')::double precision as step,
           setting_number_for(p_environment, 'matchmaking_window_max')::double precision as widest,
           utc_day(p_now) as today
  )
  select a.id, a.active_submission_id, a.rating, w.since,
         -- In double precision (date_part, not extract): numeric arithmetic on 100,000 rows costs
         -- ~30 ms; integers would round fractional settings and overflow on huge ones.
         least(r.widest, r.base + r.step * greatest(0, floor(date_part('epoch', p_now - w.since) / 60)))::integer
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
  v_deadline interval;
  v_pairs boolean; -- seat-swapped pairs: each match opens one (pair_of = its own id; sql/matches.sql)
  v_round integer := 0;
  -- The pairs found so far (agent a with its version, agent b with its version) and the pool
  -- still unpaired, kept in arrays rather than temporary tables: no catalog rows to create and
  -- drop, and nothing spilled to disk.
  v_a uuid[] := '{}';
  v_sa uuid[] := '{}';
  v_b uuid[] := '{}';
  v_sb uuid[] := '{}';
  v_round_a uuid[];
  v_round_sa uuid[];
  v_round_b uuid[];
  v_round_sb uuid[];
  v_pool_ids uuid[];
  v_pool_subs uuid[];
  v_pool_ratings integer[];
  v_pool_windows integer[];
  v_pool_tiebreaks double precision[];
  v_left integer;
  v_left_before integer := -1;
  v_ids uuid[];
begin
  v_env := environment_by_id(p_environment);
  if not v_env.enabled then
    return;
  end if;
  perform matchmaking_lock(p_environment);
  v_deadline := setting_number_for(p_environment, 'match_deadline_s') * interval '1 second';
  v_pairs := setting_number_for(p_environment, 'seat_swapped_pairs') = 1;

  loop
    v_round := v_round + 1;
    execute format($round$
      with pool as materialized (%s),
      ordered as ( -- i: place in rating order; joins_next: the next agent is within both windows
        select agent_id, submission_id, rating, rating_window, tiebreak,
               row_number() over o as i,
               lead(agent_id) over o as next_id, lead(submission_id) over o as next_submission,
               lead(rating) over o - rating as gap, rating - lag(rating) over o as gap_prev,
               coalesce(lead(rating) over o - rating <= least(rating_window, lead(rating_window) over o), false) as joins_next,
               coalesce(rating - lag(rating) over o <= least(rating_window, lag(rating_window) over o), false) as joins_prev
        from pool window o as (order by rating, tiebreak, agent_id) -- agent_id: one order even if random() repeats
      ), runs as ( -- run: a stretch of agents each joined to the next; run_start: its first i.
                   -- Running totals of the gaps to the next agent at even and at odd i, up to
                   -- (not including) this agent. (One window: "before" is "up to" minus this row.)
        select *, count(*) filter (where not joins_prev) over upto as run,
                  max(i) filter (where not joins_prev) over upto as run_start,
                  coalesce(sum(gap) filter (where joins_next and i %% 2 = 0) over upto, 0)
                    - case when joins_next and i %% 2 = 0 then gap else 0 end as even_gaps_before,
                  coalesce(sum(gap) filter (where joins_next and i %% 2 = 1) over upto, 0)
                    - case when joins_next and i %% 2 = 1 then gap else 0 end as odd_gaps_before
        from ordered window upto as (order by rating, tiebreak, agent_id rows unbounded preceding)
      ), placed as ( -- p: place in the run (1-based). In an odd run, leaving out the agent at odd
                     -- place k costs the pairs before it (odd places < k) plus those after it (even
                     -- places > k): gaps at odd places before k - gaps at even places before k, plus
                     -- a constant of the run. Odd places are the i of run_start's parity.
        select *, i - run_start + 1 as p,
               case when run_start %% 2 = 0 then even_gaps_before - odd_gaps_before
                    else odd_gaps_before - even_gaps_before end as leave_out_cost
        from runs
      ), decided as ( -- out_p: the place left out, the cheapest odd one (the first if tied); none in an even run
        select *, case when count(*) over r %% 2 = 0 then count(*) over r + 1
                       else (min(array[leave_out_cost, p]) filter (where p %% 2 = 1) over r)[2] end as out_p
        from placed window r as (partition by run)
      ), paired as ( -- pair starts: odd places before out_p, even places after it
        select *, joins_next and ((p < out_p and p %% 2 = 1) or (p > out_p and p %% 2 = 0)) as starts_pair,
                  joins_prev and ((p - 1 < out_p and (p - 1) %% 2 = 1) or (p - 1 > out_p and (p - 1) %% 2 = 0)) as ends_pair,
                  -- farther from both neighbours than its own window: everybody else is farther
                  -- still, so it cannot be paired in this tick and does not go round again (without
                  -- it, the agents on either side become neighbours)
                  not (coalesce(gap_prev <= rating_window, false) or coalesce(gap <= rating_window, false)) as unreachable
        from decided
      )
      select coalesce(array_agg(agent_id) filter (where starts_pair), '{}'),
             coalesce(array_agg(submission_id) filter (where starts_pair), '{}'),
             coalesce(array_agg(next_id) filter (where starts_pair), '{}'),
             coalesce(array_agg(next_submission) filter (where starts_pair), '{}'),
             coalesce(array_agg(agent_id) filter (where not starts_pair and not ends_pair and not unreachable), '{}'),
             coalesce(array_agg(submission_id) filter (where not starts_pair and not ends_pair and not unreachable), '{}'),
             coalesce(array_agg(rating) filter (where not starts_pair and not ends_pair and not unreachable), '{}'),
             coalesce(array_agg(rating_window) filter (where not starts_pair and not ends_pair and not unreachable), '{}'),
             coalesce(array_agg(tiebreak) filter (where not starts_pair and not ends_pair and not unreachable), '{}')
      from paired
    $round$,
      case when v_round = 1
        then 'select agent_id, submission_id, rating, rating_window, random() as tiebreak from matchmaking_pool($1, $2)'
        else 'select * from unnest($3, $4, $5, $6, $7) as p(agent_id, submission_id, rating, rating_window, tiebreak)' end)
    into v_round_a, v_round_sa, v_round_b, v_round_sb, v_pool_ids, v_pool_subs, v_pool_ratings, v_pool_windows, v_pool_tiebreaks
    using p_environment, v_now, v_pool_ids, v_pool_subs, v_pool_ratings, v_pool_windows, v_pool_tiebreaks;
    v_a := v_a || v_round_a;
    v_sa := v_sa || v_round_sa;
    v_b := v_b || v_round_b;
    v_sb := v_sb || v_round_sb;
    v_left := cardinality(v_pool_ids);
    -- The pool stopped shrinking, or fewer than two are left. Every round with two or more
    -- agents shrinks it (the agent with the narrowest window joins a neighbour or is dropped),
    -- so this ends; the cap bounds a contrived chain that loses one agent a round: whoever is
    -- left waits for the next tick.
    exit when v_left = v_left_before or v_left < 2 or v_round >= 64;
    v_left_before := v_left;
  end loop;

  -- Time-ordered match ids, inserted in that order (unnest keeps array order): the matches'
  -- primary key grows at its right edge.
  v_ids := array(select uuid_v7(v_now, n) from generate_series(1, cardinality(v_a)) n);

  return query
  insert into matches (id, environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                       player0_submission_id, player1_submission_id, seed, created_at, deadline, pair_of)
  select p.id, p_environment, v_env.version, 'pending',
         case when p.swap then p.b else p.a end, case when p.swap then p.a else p.b end,
         case when p.swap then p.sb else p.sa end, case when p.swap then p.sa else p.sb end,
         floor(random() * 4294967296)::bigint, v_now, v_now + v_deadline, case when v_pairs then p.id end
  from (select u.*, random() < 0.5 as swap from unnest(v_ids, v_a, v_sa, v_b, v_sb) as u(id, a, sa, b, sb)) p
  returning *;

  -- In agent_id order: consecutive inserts land on neighbouring primary-key pages.
  insert into busy_agents (agent_id, match_id, since)
  select agent_id, match_id, v_now from unnest(v_a || v_b, v_ids || v_ids) as u(agent_id, match_id)
  order by agent_id;

  perform enqueue_jobs('match.run', array(select jsonb_build_object('matchId', id) from unnest(v_ids) as u(id)));
  -- One event per 50 matches, not per match: a NOTIFY payload must stay under 8,000 bytes
  -- (50 match ids + 100 agent ids ≈ 5.9 kB), and 50,000 single events cost ~0.3 s here plus
  -- their share of the commit, and make every web process parse them. Built as json, not jsonb
  -- (half the cost for 1,000 payloads of 150 ids).
  perform arena_private.emit_event_json(json_build_object('type', 'matches.created', 'environment', p_environment,
                                            'matchIds', array_agg(id), 'agentIds', array_agg(a) || array_agg(b))::text)
  from unnest(v_ids, v_a, v_b) with ordinality as u(id, a, b, n)
  group by (n - 1) / 50;
end $$;
comment on function pair_agents(text) is 'Matchmaking tick for one environment: pairs eligible agents by closest rating within their waiting windows, creates the pending matches with their match.run jobs and returns them. Safe to call from several sessions at once.';

-- Placement (issue 13): a newly activated version gets its first game at once instead of at the
-- next tick. place_agent pairs that one agent, if it is eligible, with the eligible agent of its
-- environment whose rating is nearest to its own (the most even game, so the most informative
-- one), whatever the windows say; the daily cap, cooldown and busy rules still hold for both
-- (matchmaking_pool). Same lock, rows, job and event as pair_agents.
create or replace function place_agent(p_agent uuid) returns matches
language plpgsql volatile
set jit = off
as $$
declare
  v_now timestamptz := arena_now();
  v_env environments;
  v_me record;
  v_opponent record;
  v_swap boolean := random() < 0.5;
  v_id uuid;
  v_row matches;
begin
  select e.* into v_env from environments e join agents a on a.environment_id = e.id where a.id = p_agent;
  if not found or not v_env.enabled or setting_number_for(v_env.id, 'placement_on_activation') <> 1
     or exists (select 1 from busy_agents b where b.agent_id = p_agent) then
    return null; -- (busy: checked before the pool is read, which costs a pass over the environment)
  end if;
  perform matchmaking_lock(v_env.id);
  select p.* into v_me from matchmaking_pool(v_env.id, v_now) p where p.agent_id = p_agent;
  if not found then
    return null; -- not eligible (busy, cooling down, capped, disabled…): the ticks take it from here
  end if;
  select p.* into v_opponent from matchmaking_pool(v_env.id, v_now) p
  where p.agent_id <> p_agent
  order by abs(p.rating - v_me.rating), random() limit 1;
  if not found then
    return null;
  end if;
  v_id := uuid_v7(v_now, 1);
  insert into matches (id, environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                       player0_submission_id, player1_submission_id, seed, created_at, deadline, pair_of)
  values (v_id, v_env.id, v_env.version, 'pending',
          case when v_swap then v_opponent.agent_id else p_agent end, case when v_swap then p_agent else v_opponent.agent_id end,
          case when v_swap then v_opponent.submission_id else v_me.submission_id end,
          case when v_swap then v_me.submission_id else v_opponent.submission_id end,
          floor(random() * 4294967296)::bigint, v_now,
          v_now + setting_number_for(v_env.id, 'match_deadline_s') * interval '1 second',
          case when setting_number_for(v_env.id, 'seat_swapped_pairs') = 1 then v_id end)
  returning * into v_row;
  insert into busy_agents (agent_id, match_id, since) values (p_agent, v_row.id, v_now), (v_opponent.agent_id, v_row.id, v_now);
  perform enqueue_job('match.run', jsonb_build_object('matchId', v_row.id));
  perform arena_private.match_event('match.created', v_row);
  return v_row;
end $$;
comment on function place_agent(uuid) is 'Placement: pairs one eligible agent at once with the eligible agent of its environment nearest in rating (any window), creating the pending match and its match.run job; null when it is not eligible, nobody else is, or placement_on_activation is off. The build worker calls it when a version becomes active.';

create or replace function matchmaking_wait(p_agent uuid) returns table (
  eligible_opponents bigint, rating_window integer, nearest_gap integer, next_tick_s integer, reason text)
language plpgsql stable as $$
declare
  v_env text;
  v_me record;
  v_others bigint;
  v_gap integer;
  v_interval integer;
begin
  select environment_id into v_env from agents where id = p_agent;
  -- one pass over the environment's pool: called for the agent page of a waiting agent only
  select p.* into v_me from matchmaking_pool(v_env, arena_now()) p where p.agent_id = p_agent;
  if not found then
    return;
  end if;
  select count(*), min(abs(p.rating - v_me.rating)) into v_others, v_gap
  from matchmaking_pool(v_env, arena_now()) p where p.agent_id <> p_agent;
  v_interval := setting_number_for(v_env, 'matchmaking_interval_s')::integer;
  return query select v_others, v_me.rating_window, v_gap, v_interval,
    case
      when v_others = 0 then 'no other agent of this environment is free to play now (all busy, cooling down, at their daily cap, or none yet)'
      when v_gap > v_me.rating_window then format('the nearest free opponent is %s points away, outside its rating window of ±%s, which widens by %s every minute of waiting',
                                                  v_gap, v_me.rating_window, setting_number_for(v_env, 'matchmaking_window_step'))
      else format('%s free opponent(s) within reach: it should be paired at the next matchmaking tick (every %s s)', v_others, v_interval)
    end;
end $$;
comment on function matchmaking_wait(uuid) is 'Why an eligible agent is still waiting for an opponent: how many others are free, its rating window, the nearest free opponent''s rating gap, the tick interval, and a sentence. No row when the agent is not waiting (busy, cooling down, capped…).';
