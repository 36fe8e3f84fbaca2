-- arena_private holds the helpers the concept files share but no caller should use (row locks,
-- event emitters, state steps); public is the API. Made here because this file is applied first.
create schema if not exists arena_private;
comment on schema arena_private is 'Internal helpers of the SQL functions; not an API (issue 12).';

-- Settings: read with setting_number(key), change with set_setting(key, value).
-- A process started with MATCH_COOLDOWN_S… overrides a value for its own connections only: it
-- sets the rla.setting_overrides parameter ({key: value}) when it connects (src/db/client.ts),
-- and nothing is written, so the override ends with the process (issue 12).

create or replace function process_setting(p_key text) returns jsonb
language sql stable as $$
  select nullif(current_setting('rla.setting_overrides', true), '')::jsonb -> p_key
$$;
comment on function process_setting(text) is 'This connection''s override of a setting, from the environment variables of the process that opened it (MATCH_COOLDOWN_S…); null when it has none. Never stored.';

create or replace function setting_number(p_key text) returns numeric
language sql stable as $$
  select (coalesce(process_setting(p_key), value) #>> '{}')::numeric from settings where key = p_key
$$;
comment on function setting_number(text) is 'The numeric value of a setting (this process''s environment override first), null when unset.';

create or replace view settings_in_effect as
  select s.key, s.value, s.description, process_setting(s.key) as process_value
  from settings s;
comment on view settings_in_effect is 'Every setting with its stored value and, when the reading process was started with an environment override of it, that value (which wins in this process only).';

create or replace function set_setting(p_key text, p_value jsonb) returns settings
language plpgsql as $$
declare
  v_row settings;
begin
  update settings set value = p_value, updated_at = now() where key = p_key returning * into v_row;
  if not found then
    raise exception 'unknown setting "%"', p_key using errcode = 'RLA02', hint = 'see select key from settings';
  end if;
  return v_row;
end $$;
comment on function set_setting(text, jsonb) is 'Operator (psql, boot overrides; no caller check, like grant_admin): changes a setting (RLA02 unknown key). The web calls set_setting(admin, key, value).';

create or replace function set_setting(p_admin uuid, p_key text, p_value jsonb) returns settings
language plpgsql as $$
begin
  -- require_admin lives in users.sql, applied after this file: plpgsql resolves it when it runs.
  perform require_admin(p_admin);
  return set_setting(p_key, p_value);
end $$;
comment on function set_setting(uuid, text, jsonb) is 'Admin: changes a setting (RLA15 unless p_admin is an enabled administrator, RLA02 unknown key).';

create or replace function upload_limits() returns table (
  max_packed_bytes bigint, max_unpacked_bytes bigint, max_files integer, max_file_bytes bigint)
language sql stable as $$
  -- The global values: the web checks an upload (body limit, archive inspection) before it knows
  -- the agent's environment; create_submission then applies the environment's archive_max_bytes.
  select setting_number('archive_max_bytes')::bigint, setting_number('archive_max_unpacked_bytes')::bigint,
         setting_number('archive_max_files')::integer, setting_number('archive_max_file_bytes')::bigint
$$;
comment on function upload_limits() is 'The limits an upload is checked against (archive_max_bytes packed, archive_max_unpacked_bytes, archive_max_files, archive_max_file_bytes), for the web''s body limit, forms, messages and docs, and the build''s re-check.';

-- Boot overrides used to be written into the table and outlived the process (issue 12).
drop function if exists apply_setting_overrides(jsonb);

-- The rules' default values. A new key appears on the next boot; a value an operator changed
-- is kept (only the description is refreshed). Per-environment overrides live in
-- environments.settings and are read with setting_for (sql/environments.sql).
insert into settings (key, value, description) values
  ('initial_rating', '1500', 'Rating of a new agent.'),
  ('k_factor_new', '40', 'ELO K while the agent has played fewer than k_factor_new_games games.'),
  ('k_factor_new_games', '10', 'Games below which k_factor_new applies.'),
  ('k_factor_mid', '32', 'ELO K while the agent has played fewer than k_factor_mid_games games.'),
  ('k_factor_mid_games', '20', 'Games below which k_factor_mid applies.'),
  ('k_factor', '24', 'ELO K of an established agent.'),
  ('match_cooldown_s', '300', 'Seconds an agent waits after the end of its last match before it can be paired again.'),
  ('daily_match_limit', '100', 'Matches an agent may finish per UTC day.'),
  ('submission_daily_quota', '5', 'Submissions per agent per UTC day (rebuilds do not count).'),
  ('archive_max_bytes', '10485760', 'Largest accepted upload, packed (bytes).'),
  ('archive_max_unpacked_bytes', '52428800', 'Largest total size of an upload''s files once unpacked (bytes).'),
  ('archive_max_files', '1000', 'Most files an uploaded archive may hold.'),
  ('archive_max_file_bytes', '20971520', 'Largest single file in an uploaded archive, unpacked (bytes).'),
  ('matchmaking_interval_s', '30', 'Seconds between matchmaking ticks.'),
  ('matchmaking_window', '100', 'Rating difference an agent accepts when it starts waiting.'),
  ('matchmaking_window_step', '100', 'Added to the window for every full minute of waiting.'),
  ('matchmaking_window_max', '500', 'Largest rating window.'),
  ('init_timeout_s', '10', 'Seconds an agent has to start and answer its first step.'),
  ('step_timeout_s', '1', 'Seconds per step before the time bank is drawn on.'),
  ('time_bank_s', '60', 'Extra seconds an agent may spend over a whole match.'),
  ('memory_mb', '512', 'Memory limit per agent process (MB).'),
  ('cpus', '1', 'CPU limit per agent process.'),
  ('max_processes', '64', 'Process limit per agent.'),
  ('log_cap_bytes', '1048576', 'Bytes of stderr kept per agent per match, and of build log per submission.'),
  ('match_deadline_s', '3600', 'A pending match must start, and a running match must finish, within this many seconds; after that housekeeping fails it.'),
  ('log_retention_days', '30', 'Days match logs are kept (0 = forever).'),
  ('rate_limit_idle_s', '3600', 'Rate-limit buckets idle this long are deleted by housekeeping.'),
  ('rate_limit_auth_per_min', '5', 'Login and sign-up attempts per client IP per minute.'),
  ('rate_limit_upload_per_min', '5', 'Uploads and rebuilds per user per minute.'),
  ('rate_limit_replay_per_min', '20', 'Replay downloads per client IP per minute.')
on conflict (key) do update set description = excluded.description;
