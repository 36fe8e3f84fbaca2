-- Matches: running them and recording their results (the writes and their delete guards).
-- Reads (match_summaries, recent_matches, agent_matches, match_logs_for, …) are in match_reads.sql.
--
--   pending ──start_match──▶ running ──finish_match──▶ completed   (ratings, counters, history)
--      │                       │  ▲
--      │                       │  └─ start_match again (a retried job after a worker died)
--      └──────fail_match / cancel_match / expire_matches────▶ failed (no rating change)
--
-- finish_match happens exactly once: a second call returns the stored result and changes
-- nothing. Locks are always taken match first, then both agents in id order, so concurrent
-- results for overlapping agents serialise instead of deadlocking or losing an update.
-- Ending a match (either way) deletes its busy_agents rows, which frees both agents for
-- matchmaking. A failed match applies no cooldown and counts toward no daily cap.
--
-- Seat-swapped pairs (setting seat_swapped_pairs = 1, issue 13): matchmaking marks each match it
-- creates as the first game of a pair (pair_of = its own id). When such a match completes,
-- finish_match records its result and counters but leaves both ratings as they are, and
-- creates the pair's second game in the same transaction: the same agents,
-- versions and seed with the seats swapped, `pair_of` pointing back; the agents stay busy
-- (their busy_agents rows move to it). When the second game completes, ONE rating update is
-- made from the pair: each side's score over both games against twice its expected score, with
-- the K of the games it had played before the pair (elo_rating_after(r, opp, S/2, 2K)). Seat
-- and seed luck cancel out of that update. If the second game fails, the pair changes no
-- rating (the first game's W/L/D stands).

drop function if exists public.match_for_update(uuid); -- moved to arena_private (issue 12)
create or replace function arena_private.match_for_update(p_match uuid) returns matches
language plpgsql volatile as $$
declare
  v_row matches;
begin
  select * into v_row from matches where id = p_match for update;
  if not found then
    raise exception 'match % does not exist', p_match using errcode = 'RLA50';
  end if;
  return v_row;
end $$;

drop function if exists public.match_event(text, matches); -- moved to arena_private (issue 12)
create or replace function arena_private.match_event(p_type text, p_row matches) returns void
language sql volatile as $$
  select emit_event(p_type, jsonb_build_object('matchId', p_row.id, 'environment', p_row.environment_id,
    'agentIds', jsonb_build_array(p_row.player0_agent_id, p_row.player1_agent_id), 'status', p_row.status))
$$;

-- The limits an agent process runs under, as one object: start_match returns it, and the build
-- worker (which has no match row) reads it directly, so the key list lives here alone.
create or replace function match_limits(p_environment text) returns jsonb
language sql stable as $$
  select jsonb_object_agg(k, setting_number_for(p_environment, k))
  from unnest(array['init_timeout_s', 'step_timeout_s', 'time_bank_s', 'memory_mb', 'cpus', 'max_processes',
                    'log_cap_bytes', 'match_deadline_s']) k
$$;
comment on function match_limits(text) is 'The settings an agent process runs under in an environment (timeouts, time bank, memory, CPUs, processes, log cap, deadline) as {key: number}.';

drop function if exists start_match(uuid); -- its result gained player0_image/player1_image
create or replace function start_match(p_match uuid) returns table (
  match_id uuid, environment_id text, environment_version text, config jsonb, limits jsonb, seed bigint,
  attempt integer, deadline timestamptz,
  player0_agent_id uuid, player0_name text, player0_owner_id uuid, player0_submission_id uuid,
  player0_version integer, player0_language text, player0_entry text,
  player1_agent_id uuid, player1_name text, player1_owner_id uuid, player1_submission_id uuid,
  player1_version integer, player1_language text, player1_entry text,
  player0_image text, player1_image text)
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_row matches;
  v_env text;
begin
  v_row := arena_private.match_for_update(p_match);
  v_env := v_row.environment_id;
  if v_row.status in ('completed', 'failed') then
    raise exception 'match % is already %: nothing to run', p_match, v_row.status using errcode = 'RLA51';
  end if;
  update matches m
  set status = 'running', started_at = v_now, attempts = m.attempts + 1,
      deadline = v_now + setting_number_for(v_env, 'match_deadline_s') * interval '1 second'
  where m.id = p_match returning * into v_row;
  perform arena_private.match_event('match.started', v_row);
  return query
  select v_row.id, v_env, e.version, e.config,
         match_limits(v_env),
         v_row.seed, v_row.attempts, v_row.deadline,
         a0.id, a0.name, a0.owner_id, s0.id, s0.version, s0.language, s0.entry,
         a1.id, a1.name, a1.owner_id, s1.id, s1.version, s1.language, s1.entry,
         s0.image, s1.image
  from environments e, agents a0, agents a1, submissions s0, submissions s1
  where e.id = v_env and a0.id = v_row.player0_agent_id and a1.id = v_row.player1_agent_id
    and s0.id = v_row.player0_submission_id and s1.id = v_row.player1_submission_id;
end $$;
comment on function start_match(uuid) is 'pending → running (attempt + 1); running again when a job is retried. Returns what the executor needs (player*_image: the Kubernetes agent image, null for local builds and built-ins). completed/failed: RLA51, which the worker reads as "nothing to do".';

create or replace function check_outcome(p_outcome jsonb) returns void
language plpgsql immutable as $$
begin
  if p_outcome is null or jsonb_typeof(p_outcome) <> 'object' then
    raise exception 'a match outcome must be a JSON object {winner, scores, end_reason, total_steps}' using errcode = 'RLA54';
  end if;
  if coalesce(jsonb_typeof(p_outcome -> 'winner'), 'null') <> 'null'
     and (p_outcome ->> 'winner') not in ('0', '1') then
    raise exception 'outcome winner must be 0, 1 or null (a draw), got %', p_outcome -> 'winner' using errcode = 'RLA54';
  end if;
  if jsonb_typeof(p_outcome -> 'scores') is distinct from 'array' or jsonb_array_length(p_outcome -> 'scores') <> 2
     or jsonb_typeof(p_outcome -> 'scores' -> 0) <> 'number' or jsonb_typeof(p_outcome -> 'scores' -> 1) <> 'number' then
    raise exception 'outcome scores must be an array of two numbers, got %', coalesce(p_outcome -> 'scores', 'null') using errcode = 'RLA54';
  end if;
  if coalesce(p_outcome ->> 'end_reason', '') !~ '^[a-z][a-z_]{0,39}$' then
    raise exception 'outcome end_reason must be a lowercase word (completed, truncated, timeout, crash, invalid_action, protocol_error…), got %',
      coalesce(p_outcome -> 'end_reason', 'null') using errcode = 'RLA54';
  end if;
  if p_outcome ? 'total_steps' and (jsonb_typeof(p_outcome -> 'total_steps') <> 'number'
     or (p_outcome ->> 'total_steps')::numeric < 0 or (p_outcome ->> 'total_steps')::numeric <> floor((p_outcome ->> 'total_steps')::numeric)) then
    raise exception 'outcome total_steps must be a whole number ≥ 0, got %', p_outcome -> 'total_steps' using errcode = 'RLA54';
  end if;
end $$;

-- The one list of end reasons that mean an agent lost by a fault of its own (the referee names it
-- in details.faulted_player): the admin system page and the matches_per_day report count these.
create or replace function is_forfeit(p_end_reason text) returns boolean
language sql immutable as $$
  select coalesce(p_end_reason in ('timeout', 'crash', 'invalid_action', 'protocol_error'), false)
$$;
comment on function is_forfeit(text) is 'Whether a completed match''s end_reason is a forfeit (timeout, crash, invalid_action, protocol_error): an agent lost by its own fault.';

create or replace function finish_match(p_match uuid, p_outcome jsonb, p_replay bytea default null, p_logs text[] default null)
returns matches
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_today date := utc_day(arena_now());
  v_row matches;
  v_a0 agents;
  v_a1 agents;
  v_winner smallint;
  v_score0 numeric;
  v_new0 integer;
  v_new1 integer;
  v_cap integer;
  v_count integer;
  v_first matches;    -- the pair's first game, when this match is a second game
  v_opens_pair boolean;
  v_pair_score0 numeric;
  v_second matches;
begin
  -- completed is final, so a repeat is answered without a row lock (a lock would write WAL).
  select * into v_row from matches where id = p_match;
  if found and v_row.status = 'completed' then
    return v_row; -- exactly once: the repeat is a no-op
  end if;
  v_row := arena_private.match_for_update(p_match);
  if v_row.status = 'completed' then
    return v_row;
  end if;
  if v_row.status = 'failed' then
    raise exception 'match % already failed (%): its result is not recorded', p_match, v_row.error using errcode = 'RLA51';
  end if;
  if v_row.status <> 'running' then
    raise exception 'match % is %: start_match must run before finish_match', p_match, v_row.status using errcode = 'RLA52';
  end if;
  perform check_outcome(p_outcome);
  if p_replay is not null and substring(p_replay from 1 for 2) <> '\x1f8b'::bytea then
    raise exception 'the replay of match % must be gzip-compressed JSON', p_match using errcode = 'RLA55';
  end if;
  if p_logs is not null and (array_ndims(p_logs) <> 1 or cardinality(p_logs) <> 2) then
    raise exception 'match logs must be an array of two texts (seat 0, seat 1)' using errcode = 'RLA54';
  end if;

  perform 1 from agents where id in (v_row.player0_agent_id, v_row.player1_agent_id) order by id for update;
  select * into v_a0 from agents where id = v_row.player0_agent_id;
  select * into v_a1 from agents where id = v_row.player1_agent_id;

  v_winner := (p_outcome ->> 'winner')::smallint;
  v_score0 := case v_winner when 0 then 1 when 1 then 0 else 0.5 end;
  if v_row.pair_of <> v_row.id then
    select * into v_first from matches where id = v_row.pair_of and status = 'completed';
  end if;
  v_opens_pair := v_row.ranked and coalesce(v_row.pair_of = v_row.id, false);
  if not v_row.ranked then
    v_new0 := v_a0.rating; -- a challenge (sql/challenges.sql) changes no rating and no counter
    v_new1 := v_a1.rating;
  elsif v_opens_pair then
    v_new0 := v_a0.rating; -- rated when the second game ends
    v_new1 := v_a1.rating;
  elsif v_first.id is not null then
    -- this match's player0 was the first game's player1; K from the games before the pair
    v_pair_score0 := v_score0 + case v_first.winner_seat when 1 then 1 when 0 then 0 else 0.5 end;
    v_new0 := elo_rating_after(v_a0.rating, v_a1.rating, v_pair_score0 / 2, 2 * elo_k(v_row.environment_id, v_a0.games - 1));
    v_new1 := elo_rating_after(v_a1.rating, v_a0.rating, 1 - v_pair_score0 / 2, 2 * elo_k(v_row.environment_id, v_a1.games - 1));
  else
    v_new0 := elo_rating_after(v_a0.rating, v_a1.rating, v_score0, elo_k(v_row.environment_id, v_a0.games));
    v_new1 := elo_rating_after(v_a1.rating, v_a0.rating, 1 - v_score0, elo_k(v_row.environment_id, v_a1.games));
  end if;

  if v_row.ranked then
  update agents a
  set rating = v.rating, games = a.games + 1, wins = a.wins + v.won, losses = a.losses + v.lost, draws = a.draws + v.drew
  from (values (v_a0.id, v_new0, (v_winner is not distinct from 0)::integer, (v_winner is not distinct from 1)::integer, (v_winner is null)::integer),
               (v_a1.id, v_new1, (v_winner is not distinct from 1)::integer, (v_winner is not distinct from 0)::integer, (v_winner is null)::integer))
       as v(id, rating, won, lost, drew)
  where a.id = v.id;

  insert into rating_history (agent_id, match_id, environment_id, rating_before, rating_after, change, created_at)
  select * from (values (v_a0.id, p_match, v_row.environment_id, v_a0.rating, v_new0, v_new0 - v_a0.rating, v_now),
                        (v_a1.id, p_match, v_row.environment_id, v_a1.rating, v_new1, v_new1 - v_a1.rating, v_now)) h
  where not v_opens_pair;

  -- every agent has its stats row (create_agent makes it), so update first; insert only if it is missing
  update agent_match_stats s
  set last_match_ended_at = greatest(s.last_match_ended_at, v_now),
      matches_today = case when s.day = v_today then s.matches_today + 1 else 1 end,
      day = v_today, updated_at = v_now
  where s.agent_id in (v_a0.id, v_a1.id);
  get diagnostics v_count = row_count;
  if v_count < 2 then
    insert into agent_match_stats (agent_id, last_match_ended_at, day, matches_today, updated_at)
    select x, v_now, v_today, 1, v_now from unnest(array[v_a0.id, v_a1.id]) as x
    on conflict (agent_id) do nothing;
  end if;
  end if; -- ranked

  update matches
  set status = 'completed', winner_seat = v_winner,
      player0_score = (p_outcome -> 'scores' ->> 0)::double precision,
      player1_score = (p_outcome -> 'scores' ->> 1)::double precision,
      end_reason = p_outcome ->> 'end_reason', total_steps = (p_outcome ->> 'total_steps')::integer,
      details = nullif(p_outcome - array['winner', 'scores', 'end_reason', 'total_steps'], '{}'::jsonb),
      player0_rating_before = v_a0.rating, player1_rating_before = v_a1.rating,
      player0_rating_after = v_new0, player1_rating_after = v_new1,
      player0_rating_change = v_new0 - v_a0.rating, player1_rating_change = v_new1 - v_a1.rating,
      ended_at = v_now, error = null
  where id = p_match returning * into v_row;

  if p_replay is not null then
    insert into replays (match_id, data, size_bytes, created_at) values (p_match, p_replay, octet_length(p_replay), v_now);
  end if;
  if p_logs is not null then
    v_cap := setting_number_for(v_row.environment_id, 'log_cap_bytes');
    -- The referee fits each log to the cap itself (its note on a fault stays at the end) and
    -- marks the cut; cap_text is the backstop for a log that comes in longer.
    insert into match_logs (match_id, seat, agent_id, log, truncated, created_at)
    select p_match, l.seat - 1, case l.seat when 1 then v_a0.id else v_a1.id end,
           cap_text(l.log, v_cap), octet_length(l.log) > v_cap or strpos(l.log, E'\n[rl-arena: stderr truncated here, the log is capped at ') > 0, v_now
    from unnest(p_logs) with ordinality as l(log, seat)
    where l.log is not null;
  end if;

  if v_opens_pair then
    insert into matches (environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                         player0_submission_id, player1_submission_id, seed, created_at, deadline, pair_of)
    values (v_row.environment_id, v_row.environment_version, 'pending', v_row.player1_agent_id, v_row.player0_agent_id,
            v_row.player1_submission_id, v_row.player0_submission_id, v_row.seed, v_now,
            v_now + setting_number_for(v_row.environment_id, 'match_deadline_s') * interval '1 second', v_row.id)
    returning * into v_second;
    update busy_agents set match_id = v_second.id, since = v_now
    where agent_id in (v_row.player0_agent_id, v_row.player1_agent_id) and match_id = p_match;
    perform enqueue_job('match.run', jsonb_build_object('matchId', v_second.id));
    perform arena_private.match_event('match.created', v_second);
  else
    delete from busy_agents where agent_id in (v_row.player0_agent_id, v_row.player1_agent_id) and match_id = p_match;
  end if;
  perform arena_private.match_event('match.finished', v_row);
  if v_row.ranked then
    perform emit_event('leaderboard.changed', jsonb_build_object('environment', v_row.environment_id));
  end if;
  return v_row;
end $$;
comment on function finish_match(uuid, jsonb, bytea, text[]) is 'Records a running match''s result exactly once: ELO for both sides, W/L/D counters, rating history, cooldown and UTC-day counters, replay (gzip) and per-seat logs; frees both agents. With seat_swapped_pairs = 1 the first game of a pair creates the seat-swapped second game instead (agents stay busy) and the second game makes the pair''s one rating update. A repeat returns the stored row unchanged.';

-- What the match worker calls: finish_match committed on its own, then its events sent in a
-- second transaction (see sql/events.sql for why). Call it at top level, not inside a transaction
-- block (it commits). If the connection drops between the two, the result stands and only the
-- live-page events are lost; pages show the result on their next render.
create or replace procedure finish_match_then_notify(p_match uuid, p_outcome jsonb, p_replay bytea default null,
                                                     p_logs text[] default null, inout status text default null)
language plpgsql as $$
begin
  perform begin_deferred_events();
  status := (finish_match(p_match, p_outcome, p_replay, p_logs)).status;
  perform end_deferred_events();
  commit;
  -- The result is committed: a failure to notify must not turn into an error, or the worker
  -- would retry a match that is already recorded. Pages catch up on their next event.
  begin
    perform send_deferred_events();
  exception when others then
    raise warning 'match % is recorded but its events were not sent: %', p_match, sqlerrm;
  end;
end $$;
comment on procedure finish_match_then_notify(uuid, jsonb, bytea, text[], text) is 'finish_match, committed before its events are sent, so concurrent results group-commit instead of queueing on the NOTIFY lock. Returns the match status.';

-- Ends a pending or running match as failed without touching ratings, and frees its agents.
drop function if exists public.end_match_failed(matches, text); -- moved to arena_private (issue 12)
create or replace function arena_private.end_match_failed(p_row matches, p_error text) returns matches
language plpgsql volatile as $$
declare
  v_row matches;
begin
  update matches set status = 'failed', error = coalesce(nullif(btrim(p_error), ''), 'the match failed'), ended_at = arena_now()
  where id = p_row.id returning * into v_row;
  delete from busy_agents where agent_id in (p_row.player0_agent_id, p_row.player1_agent_id) and match_id = p_row.id;
  perform arena_private.match_event('match.finished', v_row);
  return v_row;
end $$;

create or replace function fail_match(p_match uuid, p_error text) returns matches
language plpgsql volatile as $$
declare
  v_row matches;
begin
  v_row := arena_private.match_for_update(p_match);
  if v_row.status in ('completed', 'failed') then
    return v_row; -- already ended: nothing to do
  end if;
  return arena_private.end_match_failed(v_row, p_error);
end $$;
comment on function fail_match(uuid, text) is 'A platform failure: the match becomes failed with p_error, no rating changes, both agents are free at once (no cooldown). A match that already ended is returned unchanged.';

create or replace function cancel_match(p_admin uuid, p_match uuid) returns matches
language plpgsql volatile as $$
declare
  v_admin users;
  v_row matches;
begin
  v_admin := require_admin(p_admin);
  v_row := arena_private.match_for_update(p_match);
  if v_row.status in ('completed', 'failed') then
    raise exception 'match % is already %; only pending or running matches can be cancelled', p_match, v_row.status using errcode = 'RLA51';
  end if;
  return arena_private.end_match_failed(v_row, 'cancelled by administrator ' || v_admin.username);
end $$;
comment on function cancel_match(uuid, uuid) is 'Admin: ends a pending or running match as failed (no rating change). A worker still running it gets RLA51 from finish_match.';

create or replace function rerun_match(p_admin uuid, p_match uuid) returns matches
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_old matches;
  v_row matches;
  v_busy text;
  v_id uuid;
begin
  perform require_admin(p_admin);
  select * into v_old from matches where id = p_match;
  if not found then
    raise exception 'match % does not exist', p_match using errcode = 'RLA50';
  end if;
  if v_old.status <> 'failed' then
    raise exception 'match % is %; only a failed match can be re-run', p_match, v_old.status using errcode = 'RLA52';
  end if;
  perform matchmaking_lock(v_old.environment_id);
  select string_agg(a.name, ' and ') into v_busy
  from busy_agents b join agents a on a.id = b.agent_id
  where b.agent_id in (v_old.player0_agent_id, v_old.player1_agent_id);
  if v_busy is not null and v_old.ranked then -- a challenge holds no busy rows and needs none
    raise exception 'cannot re-run match %: % already in a pending or running match', p_match, v_busy using errcode = 'RLA53';
  end if;
  v_id := uuid_v7(v_now, 1);
  insert into matches (id, environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                       player0_submission_id, player1_submission_id, seed, created_at, deadline, rerun_of, pair_of,
                       ranked, challenger_id)
  select v_id, v_old.environment_id, e.version, 'pending', v_old.player0_agent_id, v_old.player1_agent_id,
         v_old.player0_submission_id, v_old.player1_submission_id, v_old.seed, v_now,
         v_now + setting_number_for(v_old.environment_id, 'match_deadline_s') * interval '1 second', v_old.id,
         -- a re-run first game opens a pair of its own; a re-run second game completes its pair
         case when v_old.pair_of = v_old.id then v_id else v_old.pair_of end,
         v_old.ranked, v_old.challenger_id -- a re-run challenge stays unranked
  from environments e where e.id = v_old.environment_id
  returning * into v_row;
  if v_row.ranked then
    insert into busy_agents (agent_id, match_id, since)
    values (v_row.player0_agent_id, v_row.id, v_now), (v_row.player1_agent_id, v_row.id, v_now);
  end if;
  perform enqueue_job('match.run', jsonb_build_object('matchId', v_row.id), case when v_row.ranked then 0 else -10 end);
  perform arena_private.match_event('match.created', v_row);
  return v_row;
end $$;
comment on function rerun_match(uuid, uuid) is 'Admin: a new pending match with the same agents, versions, seats and seed as a failed one (rerun_of points back), plus its match.run job. RLA53 when either agent is busy.';

create or replace function expire_matches() returns setof matches
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_id uuid;
  v_row matches;
begin
  for v_id in
    select id from matches where status in ('pending', 'running') and deadline < v_now order by deadline for update skip locked
  loop
    select * into v_row from matches where id = v_id;
    return next arena_private.end_match_failed(v_row, case v_row.status when 'pending' then 'not started before its deadline'
                                                           else 'did not finish before its deadline' end);
  end loop;
end $$;
comment on function expire_matches() is 'Housekeeping: fails every pending or running match past its deadline (platform failure: no rating change) and returns them.';

-- Matches keep no declared foreign keys to agents, submissions and environments (migration 0003
-- explains why); these guards keep the same promise from the other side: nothing a match
-- refers to can be deleted. Agents are soft-deleted (delete_agent) and never need this.
create or replace function keep_agent_match_history() returns trigger
language plpgsql as $$
begin
  if exists (select 1 from matches where player0_agent_id = old.id) or exists (select 1 from matches where player1_agent_id = old.id) then
    raise foreign_key_violation using message = format('agent %s has played matches and cannot be deleted; delete_agent() soft-deletes it', old.id);
  end if;
  return old;
end $$;

create or replace function keep_submission_match_history() returns trigger
language plpgsql as $$
begin
  if exists (select 1 from matches where player0_agent_id = old.agent_id and player0_submission_id = old.id)
     or exists (select 1 from matches where player1_agent_id = old.agent_id and player1_submission_id = old.id) then
    raise foreign_key_violation using message = format('submission %s has played matches and cannot be deleted', old.id);
  end if;
  return old;
end $$;

create or replace function keep_environment_match_history() returns trigger
language plpgsql as $$
begin
  if exists (select 1 from matches where environment_id = old.id) then
    raise foreign_key_violation using message = format('environment %s has matches and cannot be deleted; disable it instead', old.id);
  end if;
  return old;
end $$;

create or replace trigger agents_keep_match_history before delete on agents
  for each row execute function keep_agent_match_history();
create or replace trigger submissions_keep_match_history before delete on submissions
  for each row execute function keep_submission_match_history();
create or replace trigger environments_keep_match_history before delete on environments
  for each row execute function keep_environment_match_history();
