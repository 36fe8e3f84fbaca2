-- Settings: read with setting_number(key), change with set_setting(key, value).
-- apply_setting_overrides is called at boot with the operator's environment overrides.

create or replace function setting_number(p_key text) returns numeric
language sql stable as $$
  select (value #>> '{}')::numeric from settings where key = p_key
$$;
comment on function setting_number(text) is 'The numeric value of a setting, null when unset.';

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

create or replace function apply_setting_overrides(p_overrides jsonb) returns void
language plpgsql as $$
declare
  v_key text;
begin
  for v_key in select jsonb_object_keys(p_overrides) loop
    perform set_setting(v_key, p_overrides -> v_key);
  end loop;
end $$;
comment on function apply_setting_overrides(jsonb) is 'Boot-time overrides from environment variables (MATCH_COOLDOWN_S…).';
