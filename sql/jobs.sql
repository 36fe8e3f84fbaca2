-- Enqueueing pg-boss jobs from SQL, in the caller's transaction. pg-boss 12 documents a plain
-- insert into its job table as a way to create jobs; this does what its send() does
-- (plans.insertJobs): the row goes into the queue's own table (pgboss.queue.table_name) and
-- takes the queue's retry, expiry, retention, heartbeat and dead-letter settings; queues with
-- `notify` get the same wake-up pg_notify. The schema is pg-boss's default, `pgboss`.
-- Two differences, both for speed when pair_agents enqueues 50,000 jobs at once:
--   * ids are time-ordered (uuid_v7, in payload order), so the primary key grows at its right edge;
--   * `on conflict do nothing` (how send() drops a job a singleton-style policy refuses) is used
--     only on queues whose policy has such a unique index. On a `standard` queue only the
--     primary key is unique and a fresh id cannot collide; the speculative insert that ON
--     CONFLICT does costs an extra WAL record per row.
-- plpgsql on purpose: its body is only checked when it runs, because on a fresh database our
-- concept files are applied before pg-boss creates its schema.

drop function if exists enqueue_jobs(text, jsonb[]); -- gained p_priority (issue 13: challenges run after ranked matches)
create or replace function enqueue_jobs(p_queue text, p_payloads jsonb[], p_priority integer default 0) returns integer
language plpgsql volatile as $$
declare
  v_queue record;
  v_count integer;
begin
  if coalesce(cardinality(p_payloads), 0) = 0 then
    return 0;
  end if;
  if to_regclass('pgboss.queue') is null then
    raise exception 'cannot enqueue % job(s) on "%": pg-boss has not created its schema in this database yet', cardinality(p_payloads), p_queue
      using errcode = 'RLA03', hint = 'start the application once (prepareDatabase) so pg-boss installs itself';
  end if;
  select * into v_queue from pgboss.queue where name = p_queue;
  if not found then
    raise exception 'cannot enqueue on "%": no such pg-boss queue', p_queue
      using errcode = 'RLA03', hint = 'queues are created by ensureQueues() in src/jobs/queues.ts';
  end if;
  execute format($sql$
    insert into pgboss.%I (
      id, name, data, priority, start_after, created_on, expire_seconds, deletion_seconds, keep_until,
      retry_limit, retry_delay, retry_backoff, retry_delay_max, policy, dead_letter, heartbeat_seconds,
      blocked, blocking, pending_dependencies)
    select uuid_v7(t.now, d.n), $1, d.payload, $13, t.now, t.now, $2, $3, t.now + $4 * interval '1 second',
      $5, $6, $7, $8, $9, $10, $11, false, false, 0
    from unnest($12::jsonb[]) with ordinality as d(payload, n), (select pgboss.job_now() as now) as t
    order by d.n
    %s
  $sql$, v_queue.table_name,
    case when v_queue.policy = 'standard' then '' else 'on conflict do nothing' end)
  using p_queue, v_queue.expire_seconds, v_queue.deletion_seconds, v_queue.retention_seconds,
    v_queue.retry_limit, v_queue.retry_delay, v_queue.retry_backoff, v_queue.retry_delay_max,
    v_queue.policy, v_queue.dead_letter, v_queue.heartbeat_seconds, p_payloads, coalesce(p_priority, 0);
  get diagnostics v_count = row_count;
  if v_queue.notify and v_count > 0 then
    perform pg_notify('pgboss_' || left(encode(sha224('pgboss'::bytea), 'hex'), 24), p_queue);
  end if;
  return v_count;
end $$;
comment on function enqueue_jobs(text, jsonb[], integer) is 'Creates one pg-boss job per payload on queue p_queue, in the current transaction, with pg-boss priority p_priority (higher first; 0 by default); returns how many were created.';

drop function if exists enqueue_job(text, jsonb); -- gained p_priority
create or replace function enqueue_job(p_queue text, p_payload jsonb, p_priority integer default 0) returns void
language plpgsql volatile as $$
begin
  perform enqueue_jobs(p_queue, array[p_payload], p_priority);
end $$;
comment on function enqueue_job(text, jsonb, integer) is 'Creates one pg-boss job on queue p_queue in the current transaction (pg-boss priority p_priority, 0 by default).';

create or replace function job_queue_stats() returns table (
  queue text, waiting integer, active integer, failed_hour integer, oldest_waiting_s double precision)
language plpgsql stable as $$
begin
  -- now(), not arena_now(): pg-boss stamps its rows with the real clock; no rule reads this.
  return query
  select q.name::text,
         (count(j.id) filter (where j.state in ('created', 'retry')))::int,
         (count(j.id) filter (where j.state = 'active'))::int,
         (count(j.id) filter (where j.state = 'failed' and j.completed_on > now() - interval '1 hour'))::int,
         coalesce(extract(epoch from now() - min(j.created_on) filter (where j.state in ('created', 'retry'))), 0)::float8
  from pgboss.queue q left join pgboss.job j on j.name = q.name
  group by q.name order by q.name;
end $$;
comment on function job_queue_stats() is 'Per pg-boss queue: jobs waiting (created or retry), active, failed in the last hour, and the age in seconds of the oldest waiting one: the admin system page''s queues.';

create or replace function newest_jobs(p_queue text, p_limit integer default 50) returns table (id uuid, created_on timestamptz, data text)
language plpgsql stable as $$
begin
  return query
  select j.id, j.created_on, j.data::text from pgboss.job j
  where j.name = p_queue order by j.created_on desc limit least(greatest(coalesce(p_limit, 50), 1), 500);
end $$;
comment on function newest_jobs(text, integer) is 'A pg-boss queue''s newest jobs with their data as text: the admin page lists the dead-letter queue''s (match and build jobs whose retries ran out).';
