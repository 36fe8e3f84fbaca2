-- ELO as SPEC §3 states it: expected score E = 1 / (1 + 10^((R_opp − R)/400)); K by the games the
-- agent played BEFORE the match (40 below 10 games, 32 below 20, else 24 — settings); each side
-- uses its own K, so an update between a new and an established agent is not zero-sum; the new
-- rating is rounded half away from zero (numeric round, not float8's banker's rounding) and
-- never below 0.

create or replace function elo_k(p_environment text, p_games integer) returns integer
language sql stable as $$
  select case
    when p_games < setting_number_for(p_environment, 'k_factor_new_games') then setting_number_for(p_environment, 'k_factor_new')
    when p_games < setting_number_for(p_environment, 'k_factor_mid_games') then setting_number_for(p_environment, 'k_factor_mid')
    else setting_number_for(p_environment, 'k_factor')
  end::integer
$$;
comment on function elo_k(text, integer) is 'The K-factor of an agent that has played p_games games before this match.';

create or replace function elo_rating_after(p_rating integer, p_opponent integer, p_score numeric, p_k numeric) returns integer
language sql immutable parallel safe as $$
  select greatest(0, round(p_rating + p_k * (p_score - 1 / (1 + power(10::numeric, (p_opponent - p_rating)::numeric / 400)))))::integer
$$;
comment on function elo_rating_after(integer, integer, numeric, numeric) is 'New rating after scoring p_score (1 win, 0.5 draw, 0 loss) against p_opponent with factor p_k; rounded half away from zero, floor 0.';
