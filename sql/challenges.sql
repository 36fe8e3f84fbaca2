-- Challenges (issue 13): a user asks for an unranked match between one of their agents and any
-- public agent of the same environment (another user's, or another of their own), or between
-- their agent's active version and one of its older versions (create_version_challenge). It runs
-- like any match (the same match.run job, replay and logs) but after ranked matches (pg-boss
-- priority -10 against 0), counts against the user's own daily quota (challenge_daily_quota per
-- UTC day), holds no busy_agents row (it never keeps an agent from ranked play), and
-- finish_match changes no rating, W/L/D counter, cooldown or daily cap for it (matches.ranked
-- = false). Skill refits and head-to-head records read ranked matches only.

create or replace function arena_private.agent_to_play(p_caller uuid, p_agent uuid, p_old_submission uuid default null,
  out caller users, out agent agents, out old_version submissions, out env environments)
language plpgsql stable as $$
begin
  caller := require_enabled_user(p_caller);
  select * into agent from agents where id = p_agent and deleted_at is null;
  if not found then
    raise exception 'agent % does not exist', p_agent using errcode = 'RLA30';
  end if;
  if agent.owner_id <> p_caller then
    raise exception 'agent "%" belongs to another user; only its owner can challenge with it or test its versions', agent.name using errcode = 'RLA14';
  end if;
  if agent.disabled then
    raise exception 'agent "%" is disabled by an administrator', agent.name using errcode = 'RLA32';
  end if;
  if agent.active_submission_id is null then
    raise exception 'agent "%" has no active version yet: it plays once a version has built', agent.name using errcode = 'RLA44';
  end if;
  if p_old_submission is not null then
    select * into old_version from submissions where id = p_old_submission and agent_id = p_agent;
    if not found then
      raise exception 'submission % is not a version of agent "%"', p_old_submission, agent.name using errcode = 'RLA40';
    end if;
    if old_version.id = agent.active_submission_id then
      raise exception 'version % is agent "%"''s active version: choose an older one to play against', old_version.version, agent.name using errcode = 'RLA01';
    end if;
    if old_version.status <> 'inactive' then
      raise exception 'version % of agent "%" is %: only a version that built successfully can play', old_version.version, agent.name, old_version.status using errcode = 'RLA44';
    end if;
  end if;
  env := environment_by_id(agent.environment_id);
  if not env.enabled then
    raise exception 'environment "%" is closed: it plays no new matches', env.id using errcode = 'RLA21';
  end if;
end $$;
comment on function arena_private.agent_to_play(uuid, uuid, uuid) is 'The checks create_challenge, create_version_challenge and start_version_test share: an enabled caller (RLA10/RLA13) owning agent p_agent (RLA30 unknown, RLA14 another user''s), not disabled (RLA32), with an active version (RLA44), in an open environment (RLA21); with p_old_submission also an older built version of it (RLA40 not its version, RLA01 the active one, RLA44 not built). Returns the caller, the agent, that old version (null without one) and the environment.';

create or replace function insert_challenge(p_challenger uuid, p_username text, p_env environments,
  p_agent uuid, p_submission uuid, p_opponent uuid, p_opponent_submission uuid) returns matches
-- p_challenger, not p_caller: its callers (create_challenge, create_version_challenge) checked the caller.
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_quota integer;
  v_used integer;
  v_swap boolean := random() < 0.5;
  v_row matches;
begin
  -- Serialise one user's challenges so that two at once cannot both take the last one.
  perform pg_advisory_xact_lock(hashtext('rla.challenges'), hashtext(p_challenger::text));
  v_quota := setting_number_for(p_env.id, 'challenge_daily_quota')::integer;
  select count(*) into v_used from matches
  where challenger_id = p_challenger and created_at >= utc_day_start(utc_day(v_now)) and created_at <= v_now;
  if v_used >= v_quota then
    raise exception 'user "%" has asked for % challenges on % (UTC), the daily quota; it resets at 00:00 UTC', p_username, v_quota, utc_day(v_now)
      using errcode = 'RLA56', hint = 'retry_after_s=' || ceil(extract(epoch from utc_day_start(utc_day(v_now) + 1) - v_now))::bigint;
  end if;
  insert into matches (environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                       player0_submission_id, player1_submission_id, seed, created_at, deadline, ranked, challenger_id)
  values (p_env.id, p_env.version, 'pending',
          case when v_swap then p_opponent else p_agent end, case when v_swap then p_agent else p_opponent end,
          case when v_swap then p_opponent_submission else p_submission end,
          case when v_swap then p_submission else p_opponent_submission end,
          floor(random() * 4294967296)::bigint, v_now,
          v_now + setting_number_for(p_env.id, 'match_deadline_s') * interval '1 second', false, p_challenger)
  returning * into v_row;
  perform enqueue_job('match.run', jsonb_build_object('matchId', v_row.id), -10);
  perform arena_private.match_event('match.created', v_row);
  return v_row;
end $$;
comment on function insert_challenge(uuid, text, environments, uuid, uuid, uuid, uuid) is 'The shared end of create_challenge and create_version_challenge (their checks done): the challenger''s daily quota (RLA56), the unranked match with random seats, its low-priority match.run job and match.created.';

create or replace function create_challenge(p_caller uuid, p_agent uuid, p_opponent uuid) returns matches
language plpgsql volatile as $$
declare
  v_mine record := arena_private.agent_to_play(p_caller, p_agent);
  v_agent agents := v_mine.agent;
  v_opponent agents;
begin
  select o.* into v_opponent from agents o join users u on u.id = o.owner_id
  where o.id = p_opponent and o.deleted_at is null and not o.disabled and not u.disabled;
  if not found then
    raise exception 'agent % is not a public agent (it does not exist, is deleted or disabled)', p_opponent using errcode = 'RLA30';
  end if;
  if v_opponent.id = v_agent.id then
    raise exception 'agent "%" cannot challenge itself', v_agent.name using errcode = 'RLA01';
  end if;
  if v_opponent.environment_id <> v_agent.environment_id then
    raise exception 'agent "%" plays % and "%" plays %: a challenge needs two agents of one environment',
      v_agent.name, v_agent.environment_id, v_opponent.name, v_opponent.environment_id using errcode = 'RLA01';
  end if;
  if v_opponent.active_submission_id is null then
    raise exception 'agent "%" has no active version yet: a challenge needs both agents built', v_opponent.name using errcode = 'RLA44';
  end if;
  return insert_challenge(p_caller, (v_mine.caller).username, v_mine.env,
    v_agent.id, v_agent.active_submission_id, v_opponent.id, v_opponent.active_submission_id);
end $$;
comment on function create_challenge(uuid, uuid, uuid) is 'A user''s unranked match between their agent p_agent and any public agent p_opponent of the same environment (random seats): runs after ranked matches, never changes ratings or ranked counters; challenge_daily_quota per user per UTC day (RLA56). RLA14 when p_agent is not the caller''s, RLA30 unknown/hidden agent, RLA01 itself or another environment, RLA44 not built, RLA21 closed environment.';

create or replace function create_version_challenge(p_caller uuid, p_agent uuid, p_submission uuid) returns matches
language plpgsql volatile as $$
declare
  v_play record := arena_private.agent_to_play(p_caller, p_agent, p_submission);
begin
  return insert_challenge(p_caller, (v_play.caller).username, v_play.env,
    (v_play.agent).id, (v_play.agent).active_submission_id, (v_play.agent).id, (v_play.old_version).id);
end $$;
comment on function create_version_challenge(uuid, uuid, uuid) is 'The owner''s unranked match between their agent''s active version and one of its older built versions (the same agent in both seats): "is v2 better than v1?". Same quota, priority and no-rating rule as create_challenge. RLA14 not the owner, RLA40 not its version, RLA01 the active one, RLA44 not built.';

insert into settings (key, value, description) values
  ('challenge_daily_quota', '20', 'Challenges (unranked matches) a user may ask for per UTC day.')
on conflict (key) do update set description = excluded.description;
