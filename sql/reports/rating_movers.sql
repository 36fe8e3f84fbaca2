-- title: Top rating movers (24 h)
-- purpose: The 20 agents whose rating changed the most (up or down) over their matches of the last 24 hours.
select a.environment_id as environment,
       a.name as agent,
       u.username as owner,
       sum(h.change) as net_change,
       count(*) as matches,
       (array_agg(h.rating_before order by h.id))[1] as rating_24h_ago,
       a.rating as rating_now
from rating_history h
join agents a on a.id = h.agent_id
join users u on u.id = a.owner_id
where h.created_at >= arena_now() - interval '24 hours'
group by a.id, a.environment_id, a.name, u.username, a.rating
order by abs(sum(h.change)) desc, a.name
limit 20;
