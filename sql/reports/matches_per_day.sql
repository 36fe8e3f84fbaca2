-- title: Matches per day
-- purpose: Matches ended per UTC day and environment over the last 30 days, with the share that failed (platform problems) and the share of completed matches decided by a forfeit (is_forfeit: timeout, crash, invalid action, protocol error).
select utc_day(m.ended_at) as day,
       m.environment_id as environment,
       count(*) as ended,
       count(*) filter (where m.status = 'completed') as completed,
       count(*) filter (where m.status = 'failed') as failed,
       round(100.0 * count(*) filter (where m.status = 'failed') / count(*), 1) as failure_rate_pct,
       count(*) filter (where is_forfeit(m.end_reason)) as forfeits,
       round(100.0 * count(*) filter (where is_forfeit(m.end_reason))
             / nullif(count(*) filter (where m.status = 'completed'), 0), 1) as forfeit_rate_pct
from matches m
where m.ended_at >= utc_day_start(utc_day(arena_now()) - 29)
group by 1, 2
order by 1 desc, 2;
