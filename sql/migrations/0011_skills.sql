-- A skill estimate with its uncertainty next to the ELO rating (issue 13). ELO stays the
-- official rating; refit_skills (sql/skills.sql) refits these columns per environment from all
-- its completed matches at once (Bradley–Terry on the Elo scale), so they do not depend on the
-- order the results came in.
alter table agents
  add column skill double precision,          -- μ on the Elo scale; null until the agent's environment was refitted after its first game
  add column skill_se double precision,        -- standard error of μ
  add column skill_rank_best integer,          -- the ranks the agent could hold (see refit_skills)
  add column skill_rank_worst integer;

-- One row per environment: when its skills were last refitted and on which results.
create table skill_fits (
  environment_id text not null,
  fitted_at timestamptz not null,
  -- The newest ended_at among the results used: a refit is skipped while no match ended after it.
  last_result_at timestamptz,
  results integer not null,
  agents integer not null,
  iterations integer not null,
  constraint skill_fits_pkey primary key (environment_id),
  constraint skill_fits_environment_fkey foreign key (environment_id) references environments (id) on delete cascade
);

-- Seat-swapped pairs: the second game of a pair points at the first (same agents and seed,
-- seats swapped); the pair's one rating update is written when the second game finishes.
alter table matches add column pair_of uuid;
alter table matches add constraint matches_pair_of_fkey foreign key (pair_of) references matches (id) on delete set null;
create index matches_pair_of_idx on matches (pair_of) where pair_of is not null;
