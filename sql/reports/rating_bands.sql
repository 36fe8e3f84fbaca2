-- title: Agents per rating band
-- purpose: How the ranked agents of each environment spread over 100-point rating bands (and how many of them are still provisional, under 10 games).
select r.environment_id as environment,
       (r.rating / 100) * 100 as band_from,
       (r.rating / 100) * 100 + 99 as band_to,
       count(*) as agents,
       count(*) filter (where r.games < 10) as provisional
from ranked_agents r
group by 1, 2, 3
order by 1, 2 desc;
