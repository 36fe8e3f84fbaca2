-- Matches as pages, the API and reports read them. Read-only: the lifecycle (start, finish,
-- fail, cancel, rerun, expire) and its delete guards are in matches.sql. The web layer reads
-- matches through these and joins no tables itself (tests/one_source_reads.test.ts).
-- Private data (agents' stderr logs and step timings) goes only through match_logs_for, which
-- checks its caller: an agent's owner sees their own seats, an admin every seat.

create or replace view match_summaries as
  select m.id, m.environment_id, m.environment_version, m.status, m.created_at, m.started_at, m.ended_at,
         m.winner_seat, m.end_reason, m.total_steps, m.error, m.seed, m.attempts, m.rerun_of, m.deadline,
         m.player0_agent_id, a0.name as player0_name, a0.owner_id as player0_owner_id, u0.username as player0_owner_username,
         a0.deleted_at is not null as player0_deleted, m.player0_submission_id, s0.version as player0_version,
         m.player0_score, m.player0_rating_before, m.player0_rating_after, m.player0_rating_change,
         m.player1_agent_id, a1.name as player1_name, a1.owner_id as player1_owner_id, u1.username as player1_owner_username,
         a1.deleted_at is not null as player1_deleted, m.player1_submission_id, s1.version as player1_version,
         m.player1_score, m.player1_rating_before, m.player1_rating_after, m.player1_rating_change,
         exists (select 1 from replays r where r.match_id = m.id) as has_replay
  from matches m
  join agents a0 on a0.id = m.player0_agent_id
  join agents a1 on a1.id = m.player1_agent_id
  join users u0 on u0.id = a0.owner_id
  join users u1 on u1.id = a1.owner_id
  join submissions s0 on s0.id = m.player0_submission_id
  join submissions s1 on s1.id = m.player1_submission_id;
comment on view match_summaries is 'A match with both players'' names, owners and versions, for match pages and lists.';

create or replace function recent_matches(p_environment text default null, p_limit integer default 50, p_before timestamptz default null)
returns setof match_summaries
language sql stable as $$
  -- The newest of each environment through matches_environment_created_idx, merged (there is
  -- no index on created_at alone: see migration 0008).
  select * from match_summaries
  where id in (
    select newest.id from environments e
    cross join lateral (
      select m.id from matches m
      where m.environment_id = e.id and (p_before is null or m.created_at < p_before)
      order by m.created_at desc, m.id
      limit least(greatest(coalesce(p_limit, 50), 1), 500)) newest
    where p_environment is null or e.id = p_environment)
  order by created_at desc, id
  limit least(greatest(coalesce(p_limit, 50), 1), 500)
$$;
comment on function recent_matches(text, integer, timestamptz) is 'Newest matches first (of one environment, or all when null); page with p_before = created_at of the last row shown.';

create or replace function agent_matches(p_agent uuid, p_limit integer default 50, p_before timestamptz default null)
returns setof match_summaries
language sql stable as $$
  select * from match_summaries
  where id in (
    (select id from matches where player0_agent_id = p_agent and (p_before is null or created_at < p_before)
     order by created_at desc limit least(greatest(coalesce(p_limit, 50), 1), 500))
    union all
    (select id from matches where player1_agent_id = p_agent and (p_before is null or created_at < p_before)
     order by created_at desc limit least(greatest(coalesce(p_limit, 50), 1), 500)))
  order by created_at desc, id
  limit least(greatest(coalesce(p_limit, 50), 1), 500)
$$;
comment on function agent_matches(uuid, integer, timestamptz) is 'An agent''s matches, newest first; page with p_before = created_at of the last row shown.';

drop function if exists match_logs_for(uuid, uuid); -- its result gained timing (the seat's step timeline)
create or replace function match_logs_for(p_caller uuid, p_match uuid) returns table (
  seat smallint, agent_id uuid, agent_name text, log text, truncated boolean, timing jsonb)
language plpgsql stable as $$
declare
  v_row matches;
  v_caller users;
begin
  select * into v_row from matches where id = p_match;
  if not found then
    raise exception 'match % does not exist', p_match using errcode = 'RLA50';
  end if;
  v_caller := require_enabled_user(p_caller);
  if v_caller.role is distinct from 'admin' and not exists (
      select 1 from agents a where a.id in (v_row.player0_agent_id, v_row.player1_agent_id) and a.owner_id = p_caller) then
    raise exception 'you have no agent in match %; agent logs are shown to their owners only', p_match using errcode = 'RLA14';
  end if;
  return query
  select l.seat, l.agent_id, a.name, l.log, l.truncated, l.timing
  from match_logs l join agents a on a.id = l.agent_id
  where l.match_id = p_match and (a.owner_id = p_caller or v_caller.role = 'admin')
  order by l.seat;
end $$;
comment on function match_logs_for(uuid, uuid) is 'The stderr logs and step timelines (null before migration 0012) of the caller''s own agents in a match (all seats for an admin); RLA14 when the caller has no agent in it, RLA10/RLA13 when the caller does not exist or is disabled.';

create or replace function match_replay(p_match uuid) returns table (status text, data bytea)
language sql stable as $$
  select m.status, r.data from matches m left join replays r on r.match_id = m.id where m.id = p_match
$$;
comment on function match_replay(uuid) is 'A match''s status and its stored replay (gzip of the replay JSON; null when it has none). No row when the match does not exist. Replays are public, like the match.';

create or replace function forfeiting_agents(p_within interval default interval '1 hour', p_limit integer default 10)
returns table (agent_id uuid, agent_name text, environment_id text, forfeits integer, crashes integer, timeouts integer)
language sql stable as $$
  -- An agent forfeits when the referee names it as the one who faulted (details.faulted_player).
  with forfeits as (
    select case (m.details ->> 'faulted_player')::int when 0 then m.player0_agent_id when 1 then m.player1_agent_id end as agent_id,
           m.end_reason
    from matches m
    where m.status = 'completed' and m.ended_at > arena_now() - p_within
      and is_forfeit(m.end_reason)
      and m.details ? 'faulted_player'
  )
  select a.id, a.name, a.environment_id, count(*)::int,
         (count(*) filter (where f.end_reason = 'crash'))::int,
         (count(*) filter (where f.end_reason = 'timeout'))::int
  from forfeits f join agents a on a.id = f.agent_id
  group by a.id, a.name, a.environment_id
  order by count(*) desc, a.name
  limit least(greatest(coalesce(p_limit, 10), 1), 500)
$$;
comment on function forfeiting_agents(interval, integer) is 'The agents that lost most completed matches by their own fault (is_forfeit, named by details.faulted_player) within the last p_within, with their crashes and timeouts: the admin system page''s failing agents.';

create or replace function match_activity(p_within interval default interval '1 hour') returns table (
  pending integer, running integer, completed integer, failed integer, forfeits integer, mean_seconds double precision)
language sql stable as $$
  select (count(*) filter (where m.status = 'pending'))::int,
         (count(*) filter (where m.status = 'running'))::int,
         (count(*) filter (where m.status = 'completed' and m.ended_at > arena_now() - p_within))::int,
         (count(*) filter (where m.status = 'failed' and m.ended_at > arena_now() - p_within))::int,
         (count(*) filter (where m.status = 'completed' and m.ended_at > arena_now() - p_within and is_forfeit(m.end_reason)))::int,
         coalesce(avg(extract(epoch from m.ended_at - m.started_at))
                    filter (where m.status = 'completed' and m.ended_at > arena_now() - p_within), 0)::float8
  from matches m
  where m.status in ('pending', 'running') or m.ended_at > arena_now() - p_within
$$;
comment on function match_activity(interval) is 'Matches now pending and running, and those that ended within the last p_within: completed, failed (platform), forfeits among the completed (is_forfeit), mean duration of the completed in seconds. The admin system page''s match numbers.';
