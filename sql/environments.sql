-- Environments (games) and per-environment settings.
-- The rows are seeded here; the application refreshes version/name/description at boot from
-- the rl-arena-env package with upsert_environment. Operators change `settings` (overrides of
-- the settings table), `config` (the game configuration of every match) and `enabled`.

insert into environments (id, version, name) values
  ('pong', '1.0.0', 'Pong'),
  ('tic-tac-toe', '1.0.0', 'Tic-Tac-Toe'),
  ('connect-four', '1.0.0', 'Connect Four')
on conflict (id) do nothing;

create or replace function upsert_environment(p_id text, p_version text, p_name text, p_description jsonb)
returns environments
language plpgsql volatile as $$
declare
  v_row environments;
begin
  if p_id is null or p_id !~ '^[a-z0-9][a-z0-9-]{0,49}$' then
    raise exception 'environment id "%" must be 1–50 lowercase letters, digits or dashes', p_id using errcode = 'RLA01';
  end if;
  if coalesce(btrim(p_version), '') = '' or coalesce(btrim(p_name), '') = '' then
    raise exception 'environment "%" needs a version and a name', p_id using errcode = 'RLA01';
  end if;
  if jsonb_typeof(coalesce(p_description, '{}')) <> 'object' then
    raise exception 'the description of environment "%" must be a JSON object', p_id using errcode = 'RLA01';
  end if;
  insert into environments (id, version, name, description)
  values (p_id, p_version, p_name, coalesce(p_description, '{}'))
  on conflict (id) do update
    set version = excluded.version, name = excluded.name, description = excluded.description
    where (environments.version, environments.name, environments.description)
      is distinct from (excluded.version, excluded.name, excluded.description)
  returning * into v_row;
  if v_row.id is null then -- unchanged
    select * into v_row from environments where id = p_id;
  end if;
  return v_row;
end $$;
comment on function upsert_environment(text, text, text, jsonb) is 'Creates or refreshes an environment''s version, name and description (settings, config and enabled are kept).';

create or replace function environment_by_id(p_environment text) returns environments
language plpgsql stable as $$
declare
  v_row environments;
begin
  select * into v_row from environments where id = p_environment;
  if not found then
    raise exception 'environment "%" does not exist', p_environment using errcode = 'RLA20',
      hint = 'known: ' || coalesce((select string_agg(id, ', ' order by id) from environments), 'none');
  end if;
  return v_row;
end $$;
comment on function environment_by_id(text) is 'The environment row, or error RLA20 naming the known ones.';

create or replace function setting_for(p_environment text, p_key text) returns jsonb
language plpgsql stable as $$
declare
  v_value jsonb;
begin
  select value into v_value from settings where key = p_key;
  if not found then
    raise exception 'unknown setting "%"', p_key using errcode = 'RLA02', hint = 'see select key from settings';
  end if;
  return coalesce((select e.settings -> p_key from environments e where e.id = p_environment), process_setting(p_key), v_value);
end $$;
comment on function setting_for(text, text) is 'A setting for one environment: its override in environments.settings, else this process''s environment override (process_setting), else the global value.';

create or replace function setting_number_for(p_environment text, p_key text) returns numeric
language sql stable as $$
  select (setting_for(p_environment, p_key) #>> '{}')::numeric
$$;
comment on function setting_number_for(text, text) is 'setting_for as a number.';

create or replace function set_environment_settings(p_admin uuid, p_environment text, p_settings jsonb)
returns environments
language plpgsql volatile as $$
declare
  v_unknown text;
  v_row environments;
begin
  perform require_admin(p_admin);
  perform environment_by_id(p_environment);
  if jsonb_typeof(coalesce(p_settings, '{}')) <> 'object' then
    raise exception 'environment settings must be a JSON object of setting keys' using errcode = 'RLA01';
  end if;
  select string_agg(k, ', ') into v_unknown
  from jsonb_object_keys(coalesce(p_settings, '{}')) as k where not exists (select 1 from settings s where s.key = k);
  if v_unknown is not null then
    raise exception 'unknown setting(s) for environment "%": %', p_environment, v_unknown using errcode = 'RLA02',
      hint = 'see select key from settings';
  end if;
  update environments set settings = coalesce(p_settings, '{}') where id = p_environment returning * into v_row;
  return v_row;
end $$;
comment on function set_environment_settings(uuid, text, jsonb) is 'Admin: replaces an environment''s setting overrides (every key must be a known setting).';

create or replace function set_environment_enabled(p_admin uuid, p_environment text, p_enabled boolean)
returns environments
language plpgsql volatile as $$
declare
  v_row environments;
begin
  perform require_admin(p_admin);
  perform environment_by_id(p_environment);
  update environments set enabled = p_enabled where id = p_environment returning * into v_row;
  return v_row;
end $$;
comment on function set_environment_enabled(uuid, text, boolean) is 'Admin: opens or closes an environment (a closed one takes no new agents and no new matches).';
