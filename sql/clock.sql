-- The one clock every rule reads. Production: now() (the transaction's start time). Tests move
-- time without sleeping by setting the `rla.now` setting for a transaction:
--   select set_config('rla.now', '2026-03-01T23:59:59Z', true);
-- Days are always UTC days: utc_day() and utc_day_start() say which and when.

create or replace function arena_now() returns timestamptz
language sql stable parallel safe as $$
  select coalesce(nullif(current_setting('rla.now', true), '')::timestamptz, now())
$$;
comment on function arena_now() is 'Current time for every rule: now(), or the rla.now setting when a test injects a time.';

create or replace function utc_day(p_at timestamptz) returns date
language sql immutable parallel safe as $$
  select (p_at at time zone 'UTC')::date
$$;
comment on function utc_day(timestamptz) is 'The UTC calendar day of a moment (daily caps and quotas count per UTC day).';

create or replace function utc_day_start(p_day date) returns timestamptz
language sql immutable parallel safe as $$
  select p_day::timestamp at time zone 'UTC'
$$;
comment on function utc_day_start(date) is 'Midnight UTC at the start of a day.';

-- Logs and build output are capped in bytes; cutting by characters keeps the UTF-8 valid.
create or replace function cap_text(p_text text, p_max_bytes integer) returns text
language plpgsql immutable parallel safe as $$
declare
  v_marker constant text := E'\n[… truncated]';
  v_keep integer;
  v_out text;
begin
  if p_text is null or octet_length(p_text) <= p_max_bytes then
    return p_text;
  end if;
  v_keep := greatest(p_max_bytes - octet_length(v_marker), 0);
  v_out := left(p_text, v_keep);
  while octet_length(v_out) > v_keep loop
    -- each dropped character frees 1–4 bytes, so this converges in a few rounds
    v_out := left(v_out, length(v_out) - greatest((octet_length(v_out) - v_keep) / 4, 1));
  end loop;
  return v_out || v_marker;
end $$;
comment on function cap_text(text, integer) is 'p_text cut to at most p_max_bytes bytes (UTF-8), with a truncation marker when cut.';
