-- title: Queue health
-- purpose: Per environment right now: agents eligible and waiting for a match, the longest wait, matches pending and running, the age of the oldest pending match, and submissions waiting for or in a build.
select e.id as environment,
       e.enabled,
       coalesce(pool.waiting, 0) as eligible_waiting,
       pool.longest_wait as longest_wait,
       coalesce(open.pending, 0) as pending_matches,
       coalesce(open.running, 0) as running_matches,
       open.oldest_pending as oldest_pending_match_age,
       coalesce(builds.pending, 0) as pending_builds,
       coalesce(builds.building, 0) as running_builds
from environments e
left join lateral (
  select count(*) as waiting, date_trunc('second', arena_now() - min(p.waiting_since)) as longest_wait
  from matchmaking_pool(e.id, arena_now()) p) pool on true
left join lateral (
  select count(*) filter (where m.status = 'pending') as pending,
         count(*) filter (where m.status = 'running') as running,
         date_trunc('second', arena_now() - min(m.created_at) filter (where m.status = 'pending')) as oldest_pending
  from matches m where m.environment_id = e.id and m.status in ('pending', 'running')) open on true
left join lateral (
  select count(*) filter (where s.status = 'pending') as pending, count(*) filter (where s.status = 'building') as building
  from submissions s join agents a on a.id = s.agent_id
  where a.environment_id = e.id and s.status in ('pending', 'building')) builds on true
order by e.id;
