-- Leaderboards and statistics for the pages. Read-only.
-- Ranked agents: not deleted, not disabled, owner not disabled, and either with an active
-- version or at least one game. Competition ranking: equal ratings share a rank (1, 1, 3).

-- leaderboard_agents is the filter alone; ranked_agents adds the rank with a window over the
-- whole environment, which is right for reports but costs O(agents) per call. The page functions
-- below read leaderboard_agents in index order (agents_leaderboard_idx) and count ranks as
-- 1 + the agents rated strictly higher: a page costs one count over the agents above it.
create or replace view leaderboard_agents as
  select a.id as agent_id, a.environment_id, a.name as agent_name, a.owner_id, u.username as owner_username,
         a.rating, a.wins, a.losses, a.draws, a.games, a.active_submission_id, a.created_at
  from agents a join users u on u.id = a.owner_id
  where a.deleted_at is null and not a.disabled and not u.disabled
    and (a.active_submission_id is not null or a.games > 0);
comment on view leaderboard_agents is 'Every agent that appears on a leaderboard (not deleted or disabled, owner not disabled, built or has played), without its rank.';

create or replace view ranked_agents as
  select l.*, rank() over (partition by l.environment_id order by l.rating desc) as rank
  from leaderboard_agents l;
comment on view ranked_agents is 'Every agent that appears on a leaderboard, with its competition rank in its environment.';

create or replace function leaderboard_rank(p_environment text, p_rating integer) returns bigint
language sql stable as $$
  select 1 + count(*) from leaderboard_agents l where l.environment_id = p_environment and l.rating > p_rating
$$;
comment on function leaderboard_rank(text, integer) is 'The competition rank a rating has on an environment''s leaderboard: 1 + how many ranked agents are rated strictly higher.';

-- The result gained the skill columns (issue 13); the ELO ordering moved to leaderboard_by_elo.
drop function if exists leaderboard(text, integer, integer);
create or replace function leaderboard_by_elo(p_environment text, p_limit integer default 50, p_offset integer default 0)
returns table (rank bigint, agent_id uuid, agent_name text, owner_id uuid, owner_username text,
               rating integer, wins integer, losses integer, draws integer, games integer,
               skill double precision, skill_se double precision, skill_rank_best integer, skill_rank_worst integer)
language sql stable as $$
  -- One count for the whole page instead of one per row. With top = the page's highest rating,
  -- higher/tied = ranked agents rated above/at top (some of the tied may sit on earlier pages)
  -- and page_rank = the rank within the page: a row at top ranks higher + 1; a row below it has
  -- above it everyone at top (tied) and the page rows between, so it ranks
  -- higher + page_rank + tied - (the page's rows at top).
  with page as (
    select l.*, rank() over (order by l.rating desc) as page_rank
    from (select * from leaderboard_agents l
          where l.environment_id = p_environment
          order by l.rating desc, l.games desc, lower(l.agent_name), l.agent_id
          limit least(greatest(coalesce(p_limit, 50), 1), 1000) offset greatest(coalesce(p_offset, 0), 0)) l
  ), top as (
    select max(rating) as rating from page
  ), counts as (
    select count(*) filter (where l.rating > t.rating) as higher, count(*) filter (where l.rating = t.rating) as tied,
           (select count(*) from page p where p.rating = t.rating) as tied_on_page
    from top t left join leaderboard_agents l on l.environment_id = p_environment and l.rating >= t.rating
    group by t.rating
  )
  select c.higher + p.page_rank + case when p.rating < t.rating then c.tied - c.tied_on_page else 0 end,
         p.agent_id, p.agent_name, p.owner_id, p.owner_username, p.rating, p.wins, p.losses, p.draws, p.games,
         a.skill, a.skill_se, a.skill_rank_best, a.skill_rank_worst
  from page p cross join top t cross join counts c join agents a on a.id = p.agent_id
  order by p.rating desc, p.games desc, lower(p.agent_name), p.agent_id
$$;
comment on function leaderboard_by_elo(text, integer, integer) is 'One page of an environment''s leaderboard by ELO, best first, with competition ranks (1, 1, 3), and each agent''s skill estimate.';

create or replace function leaderboard_by_skill(p_environment text, p_limit integer default 50, p_offset integer default 0)
returns table (rank bigint, agent_id uuid, agent_name text, owner_id uuid, owner_username text,
               rating integer, wins integer, losses integer, draws integer, games integer,
               skill double precision, skill_se double precision, skill_rank_best integer, skill_rank_worst integer)
language sql stable as $$
  -- Ranked by the refitted skill (agents not yet fitted last, by ELO). The rank is a window over
  -- the whole environment: O(agents) per page, unlike the ELO order's index walk; an operator
  -- who picks this order for a huge environment pays for it here.
  select r.rank, r.agent_id, r.agent_name, r.owner_id, r.owner_username, r.rating, r.wins, r.losses, r.draws, r.games,
         r.skill, r.skill_se, r.skill_rank_best, r.skill_rank_worst
  from (select l.*, a.skill, a.skill_se, a.skill_rank_best, a.skill_rank_worst,
               rank() over (order by a.skill desc nulls last, l.rating desc) as rank
        from leaderboard_agents l join agents a on a.id = l.agent_id
        where l.environment_id = p_environment) r
  order by r.skill desc nulls last, r.rating desc, r.games desc, lower(r.agent_name), r.agent_id
  limit least(greatest(coalesce(p_limit, 50), 1), 1000) offset greatest(coalesce(p_offset, 0), 0)
$$;
comment on function leaderboard_by_skill(text, integer, integer) is 'One page of an environment''s leaderboard by skill (agents without one last, by ELO), with competition ranks.';

create or replace function leaderboard(p_environment text, p_limit integer default 50, p_offset integer default 0)
returns table (rank bigint, agent_id uuid, agent_name text, owner_id uuid, owner_username text,
               rating integer, wins integer, losses integer, draws integer, games integer,
               skill double precision, skill_se double precision, skill_rank_best integer, skill_rank_worst integer)
language sql stable as $$
  -- Only one branch runs: each is behind a one-time filter on the setting.
  select * from leaderboard_by_elo(p_environment, p_limit, p_offset) where not skill_sort(p_environment)
  union all
  select * from leaderboard_by_skill(p_environment, p_limit, p_offset) where skill_sort(p_environment)
$$;
comment on function leaderboard(text, integer, integer) is 'One page of an environment''s leaderboard, best first, with competition ranks (1, 1, 3): by ELO, or by skill when its leaderboard_sort setting is "skill". Each row carries the agent''s skill estimate (μ, standard error, rank range).';

create or replace function leaderboard_size(p_environment text) returns bigint
language sql stable as $$
  select count(*) from leaderboard_agents where environment_id = p_environment
$$;
comment on function leaderboard_size(text) is 'How many agents an environment''s leaderboard has (for paging).';

create or replace function all_leaderboards(p_limit integer default 50, p_offset integer default 0)
returns table (rank bigint, agent_id uuid, agent_name text, environment_id text, owner_id uuid, owner_username text,
               rating integer, wins integer, losses integer, draws integer, games integer,
               skill double precision, skill_se double precision, skill_rank_best integer, skill_rank_worst integer)
language sql stable as $$
  -- Every environment's agents in one list, each with its rank in its own environment (the
  -- window of ranked_agents: O(agents), as this list spans them all anyway).
  select r.rank, r.agent_id, r.agent_name, r.environment_id, r.owner_id, r.owner_username,
         r.rating, r.wins, r.losses, r.draws, r.games, a.skill, a.skill_se, a.skill_rank_best, a.skill_rank_worst
  from ranked_agents r join agents a on a.id = r.agent_id
  order by r.rating desc, r.games desc, lower(r.agent_name), r.agent_id
  limit least(greatest(coalesce(p_limit, 50), 1), 1000) offset greatest(coalesce(p_offset, 0), 0)
$$;
comment on function all_leaderboards(integer, integer) is 'One page of every environment''s leaderboard agents together, by ELO, each with its competition rank in its own environment and its skill estimate (GET /api/v1/leaderboard).';

create or replace function all_leaderboards_size() returns bigint
language sql stable as $$
  select count(*) from leaderboard_agents
$$;
comment on function all_leaderboards_size() is 'How many agents all leaderboards have together (for paging all_leaderboards).';

create or replace view environment_overview as
  select e.id, e.name, e.version, e.description, e.enabled,
         leaderboard_size(e.id) as ranked_agents,
         (select count(*) from matches m where m.environment_id = e.id and m.status = 'completed') as completed_matches,
         l.agent_id as leader_agent_id, l.agent_name as leader_name, l.owner_username as leader_owner_username, l.rating as leader_rating,
         l.owner_id as leader_owner_id, l.wins as leader_wins, l.losses as leader_losses, l.draws as leader_draws, l.games as leader_games,
         e.config, e.created_at, e.updated_at,
         (select count(*) from agents a where a.environment_id = e.id and a.deleted_at is null and a.active_submission_id is not null) as active_agents
  from environments e
  left join lateral (
    select r.agent_id, r.agent_name, r.owner_username, r.rating, r.owner_id, r.wins, r.losses, r.draws, r.games from leaderboard_agents r
    where r.environment_id = e.id order by r.rating desc, r.games desc, lower(r.agent_name) limit 1) l on true;
comment on view environment_overview is 'Environments with their leader (by ELO, with its record), counts (ranked agents, agents with an active version, completed matches) and settings, for the home page and GET /environments.';

create or replace function head_to_head(p_agent uuid) returns table (
  opponent_id uuid, opponent_name text, opponent_owner_username text, opponent_rating integer, opponent_deleted boolean,
  games bigint, wins bigint, losses bigint, draws bigint, rating_change bigint, last_played_at timestamptz)
language sql stable as $$
  with mine as (
    select case when m.player0_agent_id = p_agent then m.player1_agent_id else m.player0_agent_id end as opponent,
           case when m.winner_seat is null then 'draw'
                when (m.winner_seat = 0) = (m.player0_agent_id = p_agent) then 'win' else 'loss' end as result,
           case when m.player0_agent_id = p_agent then m.player0_rating_change else m.player1_rating_change end as change,
           m.ended_at
    from matches m
    where (m.player0_agent_id = p_agent or m.player1_agent_id = p_agent) and m.status = 'completed'
      and m.ranked -- challenges change no record (sql/challenges.sql)
  )
  select o.id, o.name, u.username, o.rating, o.deleted_at is not null,
         count(*), count(*) filter (where result = 'win'), count(*) filter (where result = 'loss'),
         count(*) filter (where result = 'draw'), coalesce(sum(change), 0), max(ended_at)
  from mine join agents o on o.id = mine.opponent join users u on u.id = o.owner_id
  group by o.id, o.name, u.username, o.rating, o.deleted_at
  order by count(*) desc, max(ended_at) desc
$$;
comment on function head_to_head(uuid) is 'An agent''s record against each opponent it has played (completed ranked matches): games, W/L/D from its side, its net rating change.';

drop function if exists agent_stats(uuid); -- its result gained the skill columns (issue 13)
create or replace function agent_stats(p_agent uuid) returns table (
  agent_id uuid, agent_name text, description text, environment_id text, owner_id uuid, owner_username text,
  rating integer, rank bigint, wins integer, losses integer, draws integer, games integer, win_rate numeric,
  peak_rating integer, active_submission_id uuid, active_version integer, disabled boolean, deleted boolean,
  current_match_id uuid, last_match_ended_at timestamptz, matches_today integer, cooldown_until timestamptz,
  matchmaking_status text, created_at timestamptz,
  skill double precision, skill_se double precision, skill_rank_best integer, skill_rank_worst integer)
language sql stable as $$
  select a.id, a.name, a.description, a.environment_id, a.owner_id, u.username, a.rating,
         (select leaderboard_rank(l.environment_id, l.rating) from leaderboard_agents l where l.agent_id = a.id),
         a.wins, a.losses, a.draws, a.games,
         case when a.games > 0 then round(a.wins::numeric / a.games, 4) end,
         greatest(a.rating, (select greatest(max(h.rating_after), max(h.rating_before)) from rating_history h where h.agent_id = a.id)),
         a.active_submission_id, sub.version, a.disabled, a.deleted_at is not null,
         b.match_id, s.last_match_ended_at,
         case when s.day = utc_day(arena_now()) then s.matches_today else 0 end,
         s.last_match_ended_at + setting_number_for(a.environment_id, 'match_cooldown_s') * interval '1 second',
         case
           when a.deleted_at is not null then 'deleted'
           when a.disabled then 'disabled'
           when u.disabled then 'owner_disabled'
           when a.active_submission_id is null then 'no_active_version'
           when b.match_id is not null then 'in_match'
           when s.last_match_ended_at + setting_number_for(a.environment_id, 'match_cooldown_s') * interval '1 second' > arena_now() then 'cooling_down'
           when s.day = utc_day(arena_now()) and s.matches_today >= setting_number_for(a.environment_id, 'daily_match_limit') then 'daily_limit'
           else 'waiting'
         end,
         a.created_at, a.skill, a.skill_se, a.skill_rank_best, a.skill_rank_worst
  from agents a
  join users u on u.id = a.owner_id
  left join agent_match_stats s on s.agent_id = a.id
  left join busy_agents b on b.agent_id = a.id
  left join submissions sub on sub.id = a.active_submission_id
  where a.id = p_agent
$$;
comment on function agent_stats(uuid) is 'One agent''s numbers for its page and GET /agents/:id/stats, including where it stands in matchmaking (waiting, in_match, cooling_down, daily_limit, …) and its skill estimate (null before its environment''s first refit after its first game). No row when the agent does not exist.';

create or replace function agent_rating_history(p_agent uuid, p_limit integer default 500) returns table (
  match_id uuid, rating_before integer, rating_after integer, change integer, created_at timestamptz)
language sql stable as $$
  select h.match_id, h.rating_before, h.rating_after, h.change, h.created_at from (
    select * from rating_history where agent_id = p_agent order by id desc limit least(greatest(coalesce(p_limit, 500), 1), 5000)
  ) h order by h.id
$$;
comment on function agent_rating_history(uuid, integer) is 'The agent''s last p_limit rating changes, oldest first (for the rating chart).';

create or replace function user_stats(p_user uuid) returns table (
  user_id uuid, username text, full_name text, created_at timestamptz, agents bigint, games bigint,
  wins bigint, losses bigint, draws bigint, best_rating integer, best_agent_id uuid, best_agent_name text,
  best_agent_environment_id text, submissions bigint)
language sql stable as $$
  select u.id, u.username, u.full_name, u.created_at,
         (select count(*) from agents a where a.owner_id = u.id and a.deleted_at is null),
         (select coalesce(sum(a.games), 0) from agents a where a.owner_id = u.id),
         (select coalesce(sum(a.wins), 0) from agents a where a.owner_id = u.id),
         (select coalesce(sum(a.losses), 0) from agents a where a.owner_id = u.id),
         (select coalesce(sum(a.draws), 0) from agents a where a.owner_id = u.id),
         best.rating, best.id, best.name, best.environment_id,
         (select count(*) from submissions s join agents a on a.id = s.agent_id where a.owner_id = u.id)
  from users u
  left join lateral (select a.id, a.name, a.rating, a.environment_id from agents a
                     where a.owner_id = u.id and a.deleted_at is null and (a.games > 0 or a.active_submission_id is not null)
                     order by a.rating desc, a.games desc limit 1) best on true
  where u.id = p_user
$$;
comment on function user_stats(uuid) is 'A user''s totals over all their agents (deleted ones included in games and W/L/D) and their best current agent. No row when the user does not exist.';
