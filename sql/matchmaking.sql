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
  v_paired bigint := 0;
  v_deadline interval;
begin
  v_env := environment_by_id(p_environment);
  if not v_env.enabled then
    return;
  end if;
  perform matchmaking_lock(p_environment);
  v_deadline := setting_number_for(p_environment, 'match_deadline_s') * interval '1 second';

  -- Each round reads the previous round's unpaired agents and writes its own to the other table.
  create temp table if not exists pair_pool_a (
    agent_id uuid not null, submission_id uuid not null, rating integer not null,
    rating_window integer not null, tiebreak double precision not null
  ) on commit drop;
  create temp table if not exists pair_pool_b (like pair_pool_a) on commit drop;
  create temp table if not exists pair_pairs (
    seq bigint not null, match_id uuid not null, agent_a uuid not null, submission_a uuid not null,
    agent_b uuid not null, submission_b uuid not null, swap boolean not null default random() < 0.5
  ) on commit drop;
  truncate pair_pool_a, pair_pool_b, pair_pairs;

  loop
    v_round := v_round + 1;
    v_target := case when v_round % 2 = 1 then 'pair_pool_a' else 'pair_pool_b' end;
    execute format($round$
      with pool as materialized (%s),
      ordered as ( -- i: place in rating order; joins_next: the next agent is within both windows
        select agent_id, submission_id, rating, rating_window, tiebreak,
               row_number() over o as i,
               lead(agent_id) over o as next_id, lead(submission_id) over o as next_submission,
               lead(rating) over o - rating as gap, rating - lag(rating) over o as gap_prev,
               coalesce(lead(rating) over o - rating <= least(rating_window, lead(rating_window) over o), false) as joins_next,
               coalesce(rating - lag(rating) over o <= least(rating_window, lag(rating_window) over o), false) as joins_prev
        from pool window o as (order by rating, tiebreak)
      ), runs as ( -- run: a stretch of agents each joined to the next; run_start: its first i
        select *, count(*) filter (where not joins_prev) over upto as run,
                  max(i) filter (where not joins_prev) over upto as run_start
        from ordered window upto as (order by rating, tiebreak rows unbounded preceding)
      ), sums as ( -- p: place in the run (1-based). Running totals of the gaps from odd and from
                   -- even places: in an odd run, leaving out the agent at odd place k costs the
                   -- pairs before it (odd places < k) plus those after it (even places > k), that
                   -- is odd_before(k) - even_before(k) plus a constant of the run
        select *, i - run_start + 1 as p,
               coalesce(sum(gap) filter (where joins_next and (i - run_start) %% 2 = 0) over before, 0)
               - coalesce(sum(gap) filter (where joins_next and (i - run_start) %% 2 = 1) over before, 0) as leave_out_cost
        from runs window before as (order by rating, tiebreak rows between unbounded preceding and 1 preceding)
      ), decided as ( -- out_p: the place left out, the cheapest odd one (the first if tied); none in an even run
        select *, case when count(*) over r %% 2 = 0 then count(*) over r + 1
                       else (min(array[leave_out_cost, p]) filter (where p %% 2 = 1) over r)[2] end as out_p
        from sums window r as (partition by run)
      ), paired as ( -- pair starts: odd places before out_p, even places after it
        select *, joins_next and ((p < out_p and p %% 2 = 1) or (p > out_p and p %% 2 = 0)) as starts_pair,
                  joins_prev and ((p - 1 < out_p and (p - 1) %% 2 = 1) or (p - 1 > out_p and (p - 1) %% 2 = 0)) as ends_pair
        from decided
      ), picked as (
        -- Match ids are time-ordered in pairing order (seq): the matches' primary key grows at its right edge.
        insert into pair_pairs (seq, match_id, agent_a, submission_a, agent_b, submission_b)
        select $3 + n, uuid_v7($2, $3 + n), agent_id, submission_id, next_id, next_submission
        from (select *, row_number() over (order by i) as n from paired where starts_pair) s
      )
      -- The unpaired go round again, except those farther from both neighbours than their own
      -- window: everybody else is farther still, so they cannot be paired in this tick, and
      -- without them the agents on either side become neighbours.
      insert into %I
      select agent_id, submission_id, rating, rating_window, tiebreak from paired
      where not starts_pair and not ends_pair
        and (coalesce(gap_prev <= rating_window, false) or coalesce(gap <= rating_window, false))
    $round$,
      case when v_round = 1
        then 'select agent_id, submission_id, rating, rating_window, random() as tiebreak from matchmaking_pool($1, $2)'
        else format('select * from %I', case when v_round % 2 = 1 then 'pair_pool_b' else 'pair_pool_a' end) end,
      v_target)
    using p_environment, v_now, v_paired;
    get diagnostics v_left = row_count;
    exit when v_left = v_left_before or v_left < 2 or v_round >= 64; -- the pool stopped shrinking, or fewer than two are left
    v_left_before := v_left;
    select count(*) into v_paired from pair_pairs;
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
  order by p.seq
  returning *;

  -- In agent_id order: consecutive inserts land on neighbouring primary-key pages.
  insert into busy_agents (agent_id, match_id, since)
  select agent_id, match_id, v_now
  from (select agent_a as agent_id, match_id from pair_pairs union all select agent_b, match_id from pair_pairs) s
  order by agent_id;

  perform enqueue_jobs('match.run', (select array_agg(jsonb_build_object('matchId', match_id) order by seq) from pair_pairs));
  -- One event per 50 matches, not per match: a NOTIFY payload must stay under 8,000 bytes
  -- (50 match ids + 100 agent ids ≈ 5.9 kB), and 50,000 single events cost ~0.3 s here plus
  -- their share of the commit, and make every web process parse them.
  perform emit_event('matches.created', jsonb_build_object('environment', p_environment,
                                                           'matchIds', jsonb_agg(match_id),
                                                           'agentIds', jsonb_agg(agent_a) || jsonb_agg(agent_b)))
  from (select match_id, agent_a, agent_b, (seq - 1) / 50 as chunk from pair_pairs) c
  group by chunk;
  truncate pair_pool_a, pair_pool_b, pair_pairs;
end $$;
comment on function pair_agents(text) is 'Matchmaking tick for one environment: pairs eligible agents by closest rating within their waiting windows, creates the pending matches with their match.run jobs and returns them. Safe to call from several sessions at once.';
