-- Periodic clean-up, run by the housekeeping job: overdue matches fail (freeing their agents),
-- busy_agents rows left by a match that is no longer open (a match row deleted by hand) go,
-- old match logs and idle rate-limit buckets are deleted.

create or replace function housekeeping() returns jsonb
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_expired integer;
  v_logs integer := 0;
  v_buckets integer;
  v_stale integer;
  v_days numeric := setting_number('log_retention_days');
begin
  select count(*) into v_expired from expire_matches();
  delete from busy_agents b
  where not exists (select 1 from matches m where m.id = b.match_id and m.status in ('pending', 'running'));
  get diagnostics v_stale = row_count;
  if v_days > 0 then
    delete from match_logs where created_at < v_now - v_days * interval '1 day';
    get diagnostics v_logs = row_count;
  end if;
  delete from rate_limit_buckets where updated_at < v_now - setting_number('rate_limit_idle_s') * interval '1 second';
  get diagnostics v_buckets = row_count;
  return jsonb_build_object('expiredMatches', v_expired, 'deletedLogs', v_logs, 'deletedRateLimitBuckets', v_buckets,
                            'freedStaleBusyAgents', v_stale);
end $$;
comment on function housekeeping() is 'Fails matches past their deadline, frees agents whose match is gone, deletes match logs older than log_retention_days and idle rate-limit buckets; returns the counts.';
