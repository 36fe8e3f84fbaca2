-- title: Builds
-- purpose: Builds finished in the last 30 days per environment: how many succeeded or failed, the success rate, and the median and 95th-percentile build time (start of the build to its end). Built-in demo versions are left out.
select a.environment_id as environment,
       count(*) as builds,
       count(*) filter (where s.status in ('active', 'inactive')) as succeeded,
       count(*) filter (where s.status = 'failed') as failed,
       round(100.0 * count(*) filter (where s.status in ('active', 'inactive')) / count(*), 1) as success_rate_pct,
       round(percentile_cont(0.5) within group (order by extract(epoch from s.finished_at - s.started_at))::numeric, 1) as median_build_s,
       round(percentile_cont(0.95) within group (order by extract(epoch from s.finished_at - s.started_at))::numeric, 1) as p95_build_s
from submissions s
join agents a on a.id = s.agent_id
where s.finished_at >= arena_now() - interval '30 days'
  and s.started_at is not null
  and s.language is distinct from 'builtin'
  and s.status in ('active', 'inactive', 'failed')
group by 1
order by 1;
