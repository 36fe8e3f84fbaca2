-- title: Most active users
-- purpose: The 20 users whose agents finished the most matches in the last 7 days, with their uploads in the same period.
with played as (
  select a.owner_id, count(*) as matches
  from matches m
  join agents a on a.id in (m.player0_agent_id, m.player1_agent_id)
  where m.status = 'completed' and m.ended_at >= arena_now() - interval '7 days'
  group by a.owner_id
), uploaded as (
  select a.owner_id, count(*) as submissions
  from submissions s join agents a on a.id = s.agent_id
  where s.created_at >= arena_now() - interval '7 days' and s.language is distinct from 'builtin'
  group by a.owner_id
)
select u.username,
       u.disabled,
       coalesce(p.matches, 0) as matches_7d,
       coalesce(s.submissions, 0) as submissions_7d,
       (select count(*) from agents a where a.owner_id = u.id and a.deleted_at is null) as agents
from users u
left join played p on p.owner_id = u.id
left join uploaded s on s.owner_id = u.id
where p.matches is not null or s.submissions is not null
order by matches_7d desc, submissions_7d desc, u.username
limit 20;
