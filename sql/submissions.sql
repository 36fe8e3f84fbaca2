-- Submissions: an uploaded version of an agent and its build.
--
--   pending ──start_build──▶ building ──finish_build(ok)──▶ active ──(another becomes active)──▶ inactive
--      ▲                        │  ▲                          ▲                                   │
--      │                        │  └─ start_build again       └────────activate_submission────────┘
--      │                        └──finish_build(not ok)──▶ failed
--      └──────────rebuild_submission (from failed or inactive)─────┘
--
-- An agent's active_submission_id always names its one 'active' submission (or null).
-- Every status change notifies `submission.status` to the owner's pages.

drop function if exists public.submission_status_event(submissions); -- moved to arena_private (issue 12)
create or replace function arena_private.submission_status_event(p_row submissions) returns void
language sql volatile as $$
  select emit_event('submission.status', jsonb_build_object(
    'submissionId', p_row.id, 'agentId', p_row.agent_id,
    'ownerId', (select owner_id from agents where id = p_row.agent_id), 'status', p_row.status))
$$;

-- The submission for a state change, with its agent locked first (agent, then submission: the
-- one lock order every submission function uses).
drop function if exists public.lock_submission(uuid); -- moved to arena_private (issue 12)
create or replace function arena_private.lock_submission(p_submission uuid) returns submissions
language plpgsql volatile as $$
declare
  v_agent_id uuid;
  v_row submissions;
begin
  select agent_id into v_agent_id from submissions where id = p_submission;
  if not found then
    raise exception 'submission % does not exist', p_submission using errcode = 'RLA40';
  end if;
  perform 1 from agents where id = v_agent_id for update;
  select * into v_row from submissions where id = p_submission for update;
  return v_row;
end $$;

drop function if exists public.illegal_submission_transition(submissions, text); -- moved to arena_private (issue 12)
create or replace function arena_private.illegal_submission_transition(p_row submissions, p_action text) returns void
language plpgsql immutable as $$
begin
  raise exception 'cannot % submission % (version %): it is %', p_action, p_row.id, p_row.version, p_row.status
    using errcode = 'RLA42';
end $$;

-- Makes p_row the agent's active version; the previous active one becomes inactive.
drop function if exists public.make_active(submissions); -- moved to arena_private (issue 12)
create or replace function arena_private.make_active(p_row submissions) returns submissions
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_prev submissions;
  v_row submissions;
begin
  for v_prev in
    update submissions set status = 'inactive' where agent_id = p_row.agent_id and status = 'active' and id <> p_row.id returning *
  loop
    perform arena_private.submission_status_event(v_prev);
  end loop;
  update submissions set status = 'active' where id = p_row.id returning * into v_row;
  update agents set active_submission_id = p_row.id, active_since = v_now where id = p_row.agent_id;
  return v_row;
end $$;

create or replace function create_submission(p_caller uuid, p_agent uuid, p_language text, p_entry text,
  p_archive bytea, p_archive_name text)
returns submissions
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_agent agents;
  v_owner users;
  v_quota integer;
  v_used integer;
  v_max_bytes bigint;
  v_row submissions;
  v_tomorrow timestamptz;
begin
  v_agent := agent_for_caller(p_caller, p_agent, true); -- the lock serialises version numbers and the quota count
  select * into v_owner from users where id = v_agent.owner_id;
  if v_owner.disabled then
    raise exception 'user "%" is disabled and cannot submit', v_owner.username using errcode = 'RLA13';
  end if;
  if v_agent.disabled then
    raise exception 'agent "%" is disabled by an administrator and takes no submissions', v_agent.name using errcode = 'RLA32';
  end if;
  if p_language is not null and p_language not in ('python', 'node', 'stdio') then
    raise exception 'language "%" is not supported (python, node or stdio)', p_language using errcode = 'RLA01';
  end if;
  if p_entry is not null and (length(p_entry) = 0 or length(p_entry) > 255) then
    raise exception 'entry "%" must be a relative path of 1–255 characters', p_entry using errcode = 'RLA01';
  end if;
  if p_archive is null or octet_length(p_archive) = 0 then
    raise exception 'the upload is empty' using errcode = 'RLA01';
  end if;
  if length(coalesce(p_archive_name, '')) > 255 then
    raise exception 'archive name is longer than 255 characters' using errcode = 'RLA01';
  end if;
  v_max_bytes := setting_number_for(v_agent.environment_id, 'archive_max_bytes');
  if octet_length(p_archive) > v_max_bytes then
    raise exception 'the upload is % bytes; at most % bytes are accepted', octet_length(p_archive), v_max_bytes
      using errcode = 'RLA43';
  end if;
  v_quota := setting_number_for(v_agent.environment_id, 'submission_daily_quota');
  select count(*) into v_used from submissions
  where agent_id = p_agent and created_at >= utc_day_start(utc_day(v_now)) and created_at < utc_day_start(utc_day(v_now) + 1);
  if v_used >= v_quota then
    v_tomorrow := utc_day_start(utc_day(v_now) + 1);
    raise exception 'agent "%" has used its % submissions for % (UTC); the quota resets at 00:00 UTC', v_agent.name, v_quota, utc_day(v_now)
      using errcode = 'RLA41', hint = 'retry_after_s=' || ceil(extract(epoch from v_tomorrow - v_now))::bigint;
  end if;
  insert into submissions (agent_id, version, status, language, entry, archive, archive_name, archive_sha256, archive_size, created_at)
  values (p_agent, coalesce((select max(version) from submissions where agent_id = p_agent), 0) + 1, 'pending',
          p_language, p_entry, p_archive, p_archive_name, encode(sha256(p_archive), 'hex'), octet_length(p_archive), v_now)
  returning * into v_row;
  perform enqueue_job('submission.build', jsonb_build_object('submissionId', v_row.id));
  perform arena_private.submission_status_event(v_row);
  return v_row;
end $$;
comment on function create_submission(uuid, uuid, text, text, bytea, text) is 'Stores an upload as the agent''s next version (pending) and enqueues its submission.build job in the same transaction. Quota per agent per UTC day (RLA41), size limit (RLA43).';

create or replace function start_build(p_submission uuid) returns submissions
language plpgsql volatile as $$
declare
  v_row submissions;
  v_agent agents;
begin
  v_row := arena_private.lock_submission(p_submission);
  select * into v_agent from agents where id = v_row.agent_id;
  if v_row.status not in ('pending', 'building') then
    perform arena_private.illegal_submission_transition(v_row, 'start building');
  end if;
  -- 'building' again: the job is retried after a worker died mid-build
  update submissions set status = 'building', started_at = arena_now(), finished_at = null
  where id = p_submission returning * into v_row;
  perform arena_private.submission_status_event(v_row);
  return v_row;
end $$;
comment on function start_build(uuid) is 'pending → building (also building → building when a build job is retried). Any other status: RLA42, which the worker reads as "nothing to do".';

drop function if exists finish_build(uuid, boolean, text, text, text, text); -- p_image was added after it
create or replace function finish_build(p_submission uuid, p_ok boolean, p_language text, p_entry text,
  p_build_log text, p_error text, p_image text default null)
returns submissions
language plpgsql volatile as $$
declare
  v_row submissions;
  v_agent agents;
  v_cap integer;
begin
  v_row := arena_private.lock_submission(p_submission);
  select * into v_agent from agents where id = v_row.agent_id;
  if v_row.status <> 'building' then
    perform arena_private.illegal_submission_transition(v_row, 'finish the build of');
  end if;
  if p_ok is null then
    raise exception 'finish_build needs p_ok true or false' using errcode = 'RLA01';
  end if;
  v_cap := setting_number_for(v_agent.environment_id, 'log_cap_bytes');
  if p_ok then
    if coalesce(p_language, v_row.language) is null or coalesce(p_language, v_row.language) not in ('python', 'node', 'stdio') then
      raise exception 'a successful build must name its language (python, node or stdio), got "%"', coalesce(p_language, v_row.language)
        using errcode = 'RLA01';
    end if;
    if coalesce(p_entry, v_row.entry, '') = '' then
      raise exception 'a successful build must name its entry file' using errcode = 'RLA01';
    end if;
    update submissions
    set language = coalesce(p_language, language), entry = coalesce(p_entry, entry), image = p_image,
        build_log = cap_text(p_build_log, v_cap), error = null, finished_at = arena_now()
    where id = p_submission returning * into v_row;
    v_row := arena_private.make_active(v_row);
    perform emit_event('leaderboard.changed', jsonb_build_object('environment', v_agent.environment_id));
  else
    update submissions
    set status = 'failed', build_log = cap_text(p_build_log, v_cap),
        error = coalesce(nullif(btrim(p_error), ''), 'the build failed'), finished_at = arena_now()
    where id = p_submission returning * into v_row;
  end if;
  perform arena_private.submission_status_event(v_row);
  return v_row;
end $$;
comment on function finish_build(uuid, boolean, text, text, text, text, text) is 'building → active (and the agent''s active version; the previous active one becomes inactive) or building → failed with p_error. p_image: the agent image a Kubernetes build pushed (null for local builds). Other statuses: RLA42.';

create or replace function activate_submission(p_caller uuid, p_submission uuid) returns submissions
language plpgsql volatile as $$
declare
  v_row submissions;
  v_agent agents;
begin
  v_row := arena_private.lock_submission(p_submission);
  v_agent := agent_for_caller(p_caller, v_row.agent_id);
  if v_row.status = 'active' then
    return v_row;
  end if;
  if v_row.status <> 'inactive' then
    raise exception 'submission % (version %) is %: only a version that built successfully can be activated', v_row.id, v_row.version, v_row.status
      using errcode = 'RLA44';
  end if;
  v_row := arena_private.make_active(v_row);
  perform arena_private.submission_status_event(v_row);
  perform emit_event('leaderboard.changed', jsonb_build_object('environment', v_agent.environment_id));
  return v_row;
end $$;
comment on function activate_submission(uuid, uuid) is 'Owner (or admin) makes an earlier, successfully built version active again (RLA44 for any other).';

create or replace function rebuild_submission(p_caller uuid, p_submission uuid) returns submissions
language plpgsql volatile as $$
declare
  v_row submissions;
begin
  v_row := arena_private.lock_submission(p_submission);
  perform agent_for_caller(p_caller, v_row.agent_id);
  if v_row.language = 'builtin' or v_row.status not in ('failed', 'inactive') then
    raise exception 'cannot rebuild submission % (version %): it is %; only failed or inactive versions are rebuilt%', v_row.id, v_row.version,
      case when v_row.language = 'builtin' then 'built in' else v_row.status end,
      case when v_row.status = 'active' then ' (activate another version first)' else '' end
      using errcode = 'RLA42';
  end if;
  update submissions
  set status = 'pending', build_log = null, error = null, started_at = null, finished_at = null
  where id = p_submission returning * into v_row;
  perform enqueue_job('submission.build', jsonb_build_object('submissionId', v_row.id));
  perform arena_private.submission_status_event(v_row);
  return v_row;
end $$;
comment on function rebuild_submission(uuid, uuid) is 'Owner (or admin) sends a failed or inactive version back to pending with a new build job. Does not count against the daily quota.';

create or replace function create_builtin_submission(p_agent uuid, p_entry text) returns submissions
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_row submissions;
begin
  perform 1 from agents where id = p_agent and deleted_at is null for update;
  if not found then
    raise exception 'agent % does not exist', p_agent using errcode = 'RLA30';
  end if;
  if coalesce(p_entry, '') = '' then
    raise exception 'a built-in submission needs the name of the built-in agent as its entry' using errcode = 'RLA01';
  end if;
  insert into submissions (agent_id, version, status, language, entry, build_log, created_at, started_at, finished_at)
  values (p_agent, coalesce((select max(version) from submissions where agent_id = p_agent), 0) + 1, 'building',
          'builtin', p_entry, 'built-in agent: nothing to build', v_now, v_now, v_now)
  returning * into v_row;
  v_row := arena_private.make_active(v_row);
  perform arena_private.submission_status_event(v_row);
  perform emit_event('leaderboard.changed', jsonb_build_object('environment', (select environment_id from agents where id = p_agent)));
  return v_row;
end $$;
comment on function create_builtin_submission(uuid, text) is 'System (demo agents): an already active submission that runs the built-in agent p_entry. No caller check, no quota.';

create or replace function submission_build_log(p_caller uuid, p_submission uuid) returns table (
  submission_id uuid, status text, build_log text, error text, started_at timestamptz, finished_at timestamptz)
language plpgsql stable as $$
declare
  v_agent_id uuid;
begin
  select s.agent_id into v_agent_id from submissions s where s.id = p_submission;
  if not found then
    raise exception 'submission % does not exist', p_submission using errcode = 'RLA40';
  end if;
  perform agent_for_caller(p_caller, v_agent_id);
  return query select s.id, s.status, s.build_log, s.error, s.started_at, s.finished_at from submissions s where s.id = p_submission;
end $$;
comment on function submission_build_log(uuid, uuid) is 'The build log of a submission, for its owner or an admin only (RLA14 otherwise).';

create or replace view submission_list as
  select s.id, s.agent_id, a.owner_id, a.environment_id, s.version, s.status, s.language, s.entry,
         s.archive_name, s.archive_sha256, s.archive_size, s.error,
         s.created_at, s.started_at, s.finished_at, s.updated_at,
         (a.active_submission_id = s.id) as is_active,
         a.name as agent_name, a.deleted_at is not null as agent_deleted
  from submissions s join agents a on a.id = s.agent_id;
comment on view submission_list is 'Submissions with their agent''s name, without their archive and build log (for lists; the owner reads a log with submission_build_log): order by created_at desc, filter by agent_id or owner_id.';

create or replace function submission_list_with_logs(p_viewer uuid) returns table (
  id uuid, agent_id uuid, owner_id uuid, environment_id text, version integer, status text, language text, entry text,
  archive_name text, archive_sha256 text, archive_size integer, error text,
  created_at timestamptz, started_at timestamptz, finished_at timestamptz, updated_at timestamptz,
  is_active boolean, agent_name text, agent_deleted boolean, build_log text)
language sql stable as $$
  -- A plain single select, so the planner inlines it and the caller's where/order/limit apply to
  -- the view's rows (an agent's or an owner's index), not to every submission.
  select l.*, s.build_log
  from submission_list l join submissions s on s.id = l.id
  where arena_private.sees_private(p_viewer, l.owner_id)
$$;
comment on function submission_list_with_logs(uuid) is 'submission_list with each build log, limited to the rows p_viewer may read: its own submissions, or all of them for an enabled admin (the rule of submission_build_log); a disabled or unknown viewer sees none. Filter and order like submission_list.';

create or replace function build_activity(p_within interval default interval '1 hour') returns table (
  built integer, failed integer, waiting integer)
language sql stable as $$
  select (count(*) filter (where s.status in ('active', 'inactive') and s.finished_at > arena_now() - p_within))::int,
         (count(*) filter (where s.status = 'failed' and s.finished_at > arena_now() - p_within))::int,
         (count(*) filter (where s.status in ('pending', 'building')))::int
  from submissions s
  where s.status in ('pending', 'building') or s.finished_at > arena_now() - p_within
$$;
comment on function build_activity(interval) is 'Builds that succeeded and failed within the last p_within, and submissions waiting for (or in) a build now: the admin system page''s build numbers.';
