-- Skill: an estimate with its uncertainty next to the ELO rating (issue 13). ELO stays the
-- official rating and the leaderboard's sort key unless an environment's `leaderboard_sort`
-- setting is "skill".
--
-- refit_skills(environment) refits every agent of an environment from ALL its completed
-- matches at once: the Bradley–Terry model on the Elo scale, P(i beats j) = 1 / (1 + 10^((μj − μi)/400)),
-- a draw counting as half a win, with a weak normal prior N(initial_rating, skill_prior_sd²) on
-- each μ (it keeps an agent that won or lost every game finite, and pulls an agent with few
-- games towards the start). The estimate is the posterior mode, found by damped Newton steps per
-- agent (each agent's step uses its own second derivative; all agents move at once). Being a
-- fit of all results, it does not depend on the order they came in, unlike ELO, which weights
-- recent games more and forgets older ones; that is why it settles faster (bench/README.md,
-- "ranking quality").
--
-- skill_se is 1/√(the agent's own information): it leaves out the uncertainty of its opponents'
-- estimates, so it is somewhat too small for agents that played few distinct opponents.
-- The rank range: with z = skill_rank_z, agent i "could be" any rank from
--   best  = 1 + #{j : μj − μi >  z·√(se_i² + se_j²)}   (the agents clearly above it)
--   worst = 1 + #{j ≠ i : μj − μi > −z·√(se_i² + se_j²)} (everyone not clearly below it)
-- among the environment's ranked agents that have a skill (compared with the 100 agents on
-- either side in μ order; see below).
--
-- Cost: each Newton pass is one join over the environment's (agent, opponent) result pairs;
-- 100 agents × 100 games refit in ~0.1–0.8 s. The matchmaking tick calls refit_skills_when_due,
-- which refits at most every skill_refit_interval_s and only when a match ended since; raise
-- that interval for environments with tens of thousands of agents.

create or replace function refit_skills(p_environment text, p_force boolean default false) returns skill_fits
language plpgsql volatile
set jit = off
as $$
declare
  v_now timestamptz := arena_now();
  v_fit skill_fits;
  v_c constant double precision := ln(10::double precision) / 400; -- 10^(d/400) = exp(c·d)
  v_mean double precision := setting_number_for(p_environment, 'initial_rating');
  v_var double precision := setting_number_for(p_environment, 'skill_prior_sd') ^ 2;
  v_z double precision := setting_number_for(p_environment, 'skill_rank_z');
  v_last timestamptz;
  v_results integer;
  v_agents integer;
  v_iter integer := 0;
  v_moved double precision;
begin
  perform environment_by_id(p_environment);
  perform pg_advisory_xact_lock(hashtext('rla.skills'), hashtext(p_environment));
  select * into v_fit from skill_fits where environment_id = p_environment;
  -- Nothing ended since the last fit: the same results give the same fit (through matches_ended_idx).
  if found and not p_force and not exists (
      select 1 from matches m where m.ended_at > coalesce(v_fit.last_result_at, '-infinity')
        and m.environment_id = p_environment and m.status = 'completed' and m.ranked) then
    return v_fit;
  end if;

  -- Results per ordered pair of agents: games and the score of i against j (both directions).
  create temp table skill_pairs on commit drop as
    select x.i, x.j, count(*)::double precision as n, sum(x.s) as s
    from matches m
    cross join lateral (values
      (m.player0_agent_id, m.player1_agent_id, case m.winner_seat when 0 then 1.0 when 1 then 0.0 else 0.5 end::double precision),
      (m.player1_agent_id, m.player0_agent_id, case m.winner_seat when 1 then 1.0 when 0 then 0.0 else 0.5 end::double precision)) as x(i, j, s)
    where m.environment_id = p_environment and m.status = 'completed' and m.ranked -- challenges do not count
    group by x.i, x.j;
  select coalesce(sum(n), 0)::integer / 2 into v_results from skill_pairs;
  select max(m.ended_at) into v_last from matches m where m.environment_id = p_environment and m.status = 'completed' and m.ranked;

  -- Start from the last fit (or the ELO rating): a refit after a few new results moves little.
  create temp table skill_estimates on commit drop as
    select a.id as agent_id, coalesce(a.skill, a.rating::double precision) as mu, 1 / v_var as h
    from agents a where a.id in (select i from skill_pairs);
  alter table skill_estimates add primary key (agent_id);
  analyze skill_pairs;
  analyze skill_estimates;
  select count(*) into v_agents from skill_estimates;

  loop
    v_iter := v_iter + 1;
    -- One Newton step per agent (gradient / its own second derivative of the log-posterior),
    -- damped by 0.8: all agents move at once, and a full step can overshoot back and forth.
    with step as (
      select p.i, (v_mean - x.mu) / v_var + v_c * sum(p.s - p.n * q.p) as grad,
             1 / v_var + v_c * v_c * sum(p.n * q.p * (1 - q.p)) as hess
      from skill_pairs p
      join skill_estimates x on x.agent_id = p.i
      join skill_estimates y on y.agent_id = p.j
      cross join lateral (select 1 / (1 + exp(v_c * (y.mu - x.mu))) as p) q
      group by p.i, x.mu
    ), moved as (
      update skill_estimates e set mu = e.mu + 0.8 * s.grad / s.hess, h = s.hess
      from step s where e.agent_id = s.i
      returning abs(0.8 * s.grad / s.hess) as d
    )
    select coalesce(max(d), 0) into v_moved from moved;
    exit when v_moved < 0.01 or v_iter >= 500;
  end loop;

  -- Agents without a completed match lose any old estimate (a refit of a reset environment).
  update agents a set skill = null, skill_se = null, skill_rank_best = null, skill_rank_worst = null
  where a.environment_id = p_environment and a.skill is not null
    and not exists (select 1 from skill_estimates e where e.agent_id = a.id);
  update agents a set skill = e.mu, skill_se = 1 / sqrt(e.h), skill_rank_best = null, skill_rank_worst = null
  from skill_estimates e where a.id = e.agent_id
    and (a.skill, a.skill_se) is distinct from (e.mu, 1 / sqrt(e.h));
  -- Rank ranges over the ranked agents in μ order (pos 1 = highest). Only agents above can be
  -- clearly above, only those below clearly below; each agent is compared with the 100 on
  -- either side, and agents farther away count by their side alone (a range is at most 100
  -- places wider than that), so this costs O(agents × 200), not O(agents²).
  create temp table skill_ranked on commit drop as
    select a.id as agent_id, a.skill as mu, a.skill_se as se, row_number() over (order by a.skill desc, a.id) as pos
    from leaderboard_agents l join agents a on a.id = l.agent_id
    where l.environment_id = p_environment and a.skill is not null;
  create index on skill_ranked (pos);
  analyze skill_ranked;
  with ranges as (
    select i.agent_id,
           1 + greatest(i.pos - 1 - 100, 0)
             + count(j.agent_id) filter (where j.pos < i.pos and j.mu - i.mu > v_z * sqrt(i.se ^ 2 + j.se ^ 2)) as best,
           i.pos + count(j.agent_id) filter (where j.pos > i.pos and j.mu - i.mu > -v_z * sqrt(i.se ^ 2 + j.se ^ 2)) as worst
    from skill_ranked i left join skill_ranked j on j.pos between i.pos - 100 and i.pos + 100 and j.pos <> i.pos
    group by i.agent_id, i.pos
  )
  update agents a set skill_rank_best = r.best, skill_rank_worst = r.worst
  from ranges r where a.id = r.agent_id;

  insert into skill_fits (environment_id, fitted_at, last_result_at, results, agents, iterations)
  values (p_environment, v_now, v_last, v_results, v_agents, v_iter)
  on conflict (environment_id) do update
    set fitted_at = excluded.fitted_at, last_result_at = excluded.last_result_at, results = excluded.results,
        agents = excluded.agents, iterations = excluded.iterations
  returning * into v_fit;
  drop table skill_pairs;
  drop table skill_estimates;
  drop table skill_ranked;
  return v_fit;
end $$;
comment on function refit_skills(text, boolean) is 'Refits skill, skill_se and the rank range of every agent of an environment from all its completed matches (Bradley–Terry on the Elo scale with a normal prior; order-independent). Skipped (the last fit returned) while no match ended since the last fit, unless p_force.';

create or replace function refit_skills_when_due(p_environment text) returns skill_fits
language plpgsql volatile as $$
declare
  v_fit skill_fits;
begin
  select * into v_fit from skill_fits where environment_id = p_environment;
  if found and v_fit.fitted_at + setting_number_for(p_environment, 'skill_refit_interval_s') * interval '1 second' > arena_now() then
    return null;
  end if;
  return refit_skills(p_environment);
end $$;
comment on function refit_skills_when_due(text) is 'refit_skills when the last fit is at least skill_refit_interval_s old (and a match ended since); null when not due. Called by every matchmaking tick.';

create or replace function skill_sort(p_environment text) returns boolean
language sql stable as $$
  select coalesce(setting_for(p_environment, 'leaderboard_sort') #>> '{}', 'elo') = 'skill'
$$;
comment on function skill_sort(text) is 'True when the environment''s leaderboard is sorted by skill (setting leaderboard_sort = "skill") instead of ELO.';

-- The settings of issue 13's ranking features (skill, its order, seat-swapped pairs, placement).
insert into settings (key, value, description) values
  ('skill_prior_sd', '350', 'Spread (Elo points) of the prior the skill estimate starts from: smaller pulls agents with few games harder towards initial_rating.'),
  ('skill_refit_interval_s', '60', 'Seconds at least between two skill refits of an environment (the matchmaking tick refits when due).'),
  ('skill_rank_z', '1.645', 'How sure "clearly above/below" must be for the skill rank range (1.645: 95 % one-sided per comparison).'),
  ('leaderboard_sort', '"elo"', 'Leaderboard order: "elo" (the official rating) or "skill" (the refitted estimate, uncertain agents by their μ).'),
  ('placement_on_activation', '1', 'When 1, an agent whose version becomes active is paired at once (place_agent) instead of at the next matchmaking tick.'),
  ('seat_swapped_pairs', '0', 'When 1, a ranked pairing plays two games on the same seed with seats swapped and counts them as one rating update.')
on conflict (key) do update set description = excluded.description;
