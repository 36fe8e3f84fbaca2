-- Step timelines of finished matches (issue 14): the match worker records them right after
-- finish_match; match pages read them beside the logs, through match_logs_for's access check.

create or replace function record_match_timings(p_match uuid, p_timing jsonb) returns integer
language plpgsql as $$
declare
  v_count integer;
begin
  if jsonb_typeof(p_timing -> 'seats') is distinct from 'array' then
    raise exception 'the timing of match % must be {step_timeout_ms, time_bank_ms, seats: [...]}, got %', p_match, left(p_timing::text, 80)
      using errcode = 'RLA01';
  end if;
  update match_logs l
  set timing = jsonb_build_object('step_timeout_ms', p_timing -> 'step_timeout_ms', 'time_bank_ms', p_timing -> 'time_bank_ms') || (p_timing -> 'seats' -> l.seat::integer)
  where l.match_id = p_match and jsonb_typeof(p_timing -> 'seats' -> l.seat::integer) = 'object';
  get diagnostics v_count = row_count;
  return v_count;
end $$;
comment on function record_match_timings(uuid, jsonb) is 'Stores the referee''s per-seat step timeline ({step_timeout_ms, time_bank_ms, seats: [...]}) on the match''s log rows; returns how many seats got one (0 when the match has no logs).';
