-- Agents: one per owner, environment and name (case-insensitive). Deleting an agent is a soft
-- delete (deleted_at): its matches, ratings history and replays stay readable, its name is
-- free again, and it leaves matchmaking and the leaderboards.

-- The agent the caller may change (owner or admin), locked when p_lock. Deleted agents do not exist.
create or replace function agent_for_caller(p_caller uuid, p_agent uuid, p_lock boolean default false) returns agents
language plpgsql volatile as $$
declare
  v_row agents;
begin
  if p_lock then
    select * into v_row from agents where id = p_agent and deleted_at is null for update;
  else
    select * into v_row from agents where id = p_agent and deleted_at is null;
  end if;
  if not found then
    raise exception 'agent % does not exist', p_agent using errcode = 'RLA30';
  end if;
  perform require_enabled_user(p_caller); -- a disabled owner may no longer change their agents either
  if not arena_private.sees_private(p_caller, v_row.owner_id) then
    raise exception 'agent "%" belongs to another user', v_row.name using errcode = 'RLA14';
  end if;
  return v_row;
end $$;
comment on function agent_for_caller(uuid, uuid, boolean) is 'The agent if p_caller owns it or is an admin (RLA30 not found, RLA14 not yours, RLA10/RLA13 caller unknown or disabled); locked FOR UPDATE when p_lock.';

create or replace function check_agent_fields(p_name text, p_description text) returns void
language plpgsql immutable as $$
begin
  if p_name is not null and (length(btrim(p_name)) = 0 or length(btrim(p_name)) > 64) then
    raise exception 'agent name "%" must be 1–64 characters', p_name using errcode = 'RLA01';
  end if;
  if p_name is not null and btrim(p_name) ~ '[[:cntrl:]]' then
    raise exception 'agent name must not contain control characters' using errcode = 'RLA01';
  end if;
  if p_description is not null and length(p_description) > 2000 then
    raise exception 'agent description is % characters long; at most 2000 are allowed', length(p_description) using errcode = 'RLA01';
  end if;
end $$;

create or replace function create_agent(p_owner uuid, p_environment text, p_name text, p_description text default '')
returns agents
language plpgsql volatile as $$
declare
  v_owner users;
  v_env environments;
  v_row agents;
begin
  v_owner := user_by_id(p_owner);
  if v_owner.disabled then
    raise exception 'user "%" is disabled and cannot create agents', v_owner.username using errcode = 'RLA13';
  end if;
  v_env := environment_by_id(p_environment);
  if not v_env.enabled then
    raise exception 'environment "%" is closed to new agents', p_environment using errcode = 'RLA21';
  end if;
  perform check_agent_fields(coalesce(p_name, ''), p_description);
  begin
    insert into agents (owner_id, environment_id, name, description, rating)
    values (p_owner, p_environment, btrim(p_name), coalesce(p_description, ''),
            setting_number_for(p_environment, 'initial_rating')::integer)
    returning * into v_row;
  exception when unique_violation then
    raise exception 'you already have an agent named "%" in %', btrim(p_name), p_environment using errcode = 'RLA31';
  end;
  insert into agent_match_stats (agent_id) values (v_row.id);
  return v_row;
end $$;
comment on function create_agent(uuid, text, text, text) is 'Creates an agent at the initial rating; names are unique per owner and environment, case-insensitively (RLA31).';

create or replace function update_agent(p_caller uuid, p_agent uuid, p_name text, p_description text) returns agents
language plpgsql volatile as $$
declare
  v_row agents;
begin
  v_row := agent_for_caller(p_caller, p_agent, true);
  perform check_agent_fields(p_name, p_description);
  begin
    update agents
    set name = coalesce(btrim(p_name), name), description = coalesce(p_description, description)
    where id = p_agent
    returning * into v_row;
  exception when unique_violation then
    raise exception 'you already have an agent named "%" in %', btrim(p_name), v_row.environment_id using errcode = 'RLA31';
  end;
  perform emit_event('leaderboard.changed', jsonb_build_object('environment', v_row.environment_id));
  return v_row;
end $$;
comment on function update_agent(uuid, uuid, text, text) is 'Renames or re-describes an agent (owner or admin); null keeps the current value.';

create or replace function delete_agent(p_caller uuid, p_agent uuid) returns agents
language plpgsql volatile as $$
declare
  v_row agents;
begin
  v_row := agent_for_caller(p_caller, p_agent, true);
  update agents set deleted_at = arena_now() where id = p_agent returning * into v_row;
  perform emit_event('leaderboard.changed', jsonb_build_object('environment', v_row.environment_id));
  return v_row;
end $$;
comment on function delete_agent(uuid, uuid) is 'Soft-deletes an agent (owner or admin): it leaves matchmaking and leaderboards, its matches stay readable, its name becomes free. A match already pending or running still finishes.';

create or replace function set_agent_disabled(p_admin uuid, p_agent uuid, p_disabled boolean) returns agents
language plpgsql volatile as $$
declare
  v_row agents;
begin
  perform require_admin(p_admin);
  update agents set disabled = p_disabled where id = p_agent and deleted_at is null returning * into v_row;
  if not found then
    raise exception 'agent % does not exist', p_agent using errcode = 'RLA30';
  end if;
  perform emit_event('leaderboard.changed', jsonb_build_object('environment', v_row.environment_id));
  return v_row;
end $$;
comment on function set_agent_disabled(uuid, uuid, boolean) is 'Admin: takes an agent out of (or back into) matchmaking and the leaderboards; its owner can no longer submit to it while disabled.';

create or replace function user_agents(p_user uuid, p_environment text default null) returns table (
  agent_id uuid, name text, environment_id text, rating integer, wins integer, losses integer, draws integer, games integer,
  disabled boolean, active_version integer)
language sql stable as $$
  select a.id, a.name, a.environment_id, a.rating, a.wins, a.losses, a.draws, a.games, a.disabled, s.version
  from agents a left join submissions s on s.id = a.active_submission_id
  where a.owner_id = p_user and a.deleted_at is null and (p_environment is null or a.environment_id = p_environment)
  order by a.environment_id, a.rating desc, a.name
$$;
comment on function user_agents(uuid, text) is 'A user''s agents that are not deleted (of one environment, or all when null) with their active version, by environment then rating: the profile and the upload form list these.';

create or replace view agent_summaries as
  select a.id, a.owner_id, u.username, a.environment_id, a.name, a.description, a.rating, a.wins, a.losses, a.draws,
         a.games, a.disabled, a.active_submission_id, a.created_at, a.updated_at
  from agents a join users u on u.id = a.owner_id
  where a.deleted_at is null;
comment on view agent_summaries is 'Agents that are not deleted, with their owner''s username: the API''s agent lists and the admin page''s agent list.';

create or replace function agent_exists(p_agent uuid, p_deleted_too boolean default false) returns boolean
language sql stable as $$
  select exists (select 1 from agents where id = p_agent and (p_deleted_too or deleted_at is null))
$$;
comment on function agent_exists(uuid, boolean) is 'Whether the agent exists and is not deleted (or, with p_deleted_too, was ever created: a deleted agent''s matches stay readable). For 404s before a list.';
