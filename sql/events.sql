-- Live updates start here. Every function that changes what a page shows calls emit_event; the
-- web's SSE hub LISTENs on the one channel `rla_events`. Payloads are small JSON objects:
--   {"type": "submission.status",  "submissionId", "agentId", "ownerId", "status"}
--   {"type": "match.created",      "matchId", "environment", "agentIds"}      (rerun_match)
--   {"type": "matches.created",    "environment", "matchIds", "agentIds"}     (pair_agents, ≤ 50 matches each)
--   {"type": "match.started",      "matchId", "environment", "agentIds"}
--   {"type": "match.finished",     "matchId", "environment", "agentIds", "status"}
--   {"type": "leaderboard.changed","environment"}
--   {"type": "version_test.changed", "testId", "agentId", "ownerId", "status"}   (sql/version_tests.sql)
-- pg_notify is transactional: listeners hear nothing from a transaction that rolls back.

-- Why events can be deferred: a transaction that NOTIFYs holds one cluster-wide lock from just
-- before its commit until the commit is flushed to disk, so notifying transactions commit one
-- at a time (no group commit): with fsync on, that capped finish_match at ~435 results/s here.
-- A procedure that turns `rla.defer_events` on collects the payloads in the session setting
-- `rla.deferred_events` instead, commits its work, then sends them in a second, tiny transaction
-- that writes no WAL of its own and so does not wait for a flush (see finish_match_then_notify).
-- Settings are transactional: a rollback forgets the collected payloads with everything else.

drop function if exists public.emit_event_json(text); -- moved to arena_private (issue 12)
create or replace function arena_private.emit_event_json(p_event text) returns void
language plpgsql volatile as $$
begin
  if current_setting('rla.defer_events', true) = 'on' then
    perform set_config('rla.deferred_events', coalesce(nullif(current_setting('rla.deferred_events', true), '') || E'\n', '') || p_event, false);
  else
    perform pg_notify('rla_events', p_event);
  end if;
end $$;
comment on function arena_private.emit_event_json(text) is 'Sends one event, already a JSON object text with its "type" and no raw newline, on the rla_events channel (delivered at commit), or collects it while rla.defer_events is on.';

create or replace function emit_event(p_type text, p_payload jsonb) returns void
language sql volatile as $$
  select arena_private.emit_event_json((jsonb_build_object('type', p_type) || p_payload)::text) -- jsonb text has no raw newline
$$;
comment on function emit_event(text, jsonb) is 'Sends one event on the rla_events channel (delivered at commit), or collects it while rla.defer_events is on.';

create or replace function begin_deferred_events() returns void
language sql volatile as $$
  select set_config('rla.defer_events', 'on', false), set_config('rla.deferred_events', '', false)
$$;
comment on function begin_deferred_events() is 'From here until send_deferred_events, emit_event collects payloads instead of notifying (for procedures that commit first).';

create or replace function end_deferred_events() returns void
language sql volatile as $$
  select set_config('rla.defer_events', 'off', false)
$$;
comment on function end_deferred_events() is 'Stops collecting: emit_event notifies again. Call it before the commit, so no failure later can leave a session collecting.';

create or replace function send_deferred_events() returns integer
language plpgsql volatile as $$
declare
  v_payload text;
  v_count integer := 0;
begin
  foreach v_payload in array coalesce(string_to_array(nullif(current_setting('rla.deferred_events', true), ''), E'\n'), '{}') loop
    perform pg_notify('rla_events', v_payload);
    v_count := v_count + 1;
  end loop;
  perform set_config('rla.deferred_events', '', false);
  return v_count;
end $$;
comment on function send_deferred_events() is 'Notifies every payload collected between begin_deferred_events and end_deferred_events, in order, and forgets them.';
