-- Live updates start here. Every function that changes what a page shows calls emit_event; the
-- web's SSE hub LISTENs on the one channel `rla_events`. Payloads are small JSON objects:
--   {"type": "submission.status",  "submissionId", "agentId", "ownerId", "status"}
--   {"type": "match.created",      "matchId", "environment", "agentIds"}
--   {"type": "match.started",      "matchId", "environment", "agentIds"}
--   {"type": "match.finished",     "matchId", "environment", "agentIds", "status"}
--   {"type": "leaderboard.changed","environment"}
-- pg_notify is transactional: listeners hear nothing from a transaction that rolls back.

create or replace function emit_event(p_type text, p_payload jsonb) returns void
language sql volatile as $$
  select pg_notify('rla_events', (jsonb_build_object('type', p_type) || p_payload)::text)
$$;
comment on function emit_event(text, jsonb) is 'Sends one event on the rla_events channel (delivered at commit).';
