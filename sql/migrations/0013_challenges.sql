-- Challenges (issue 13): a user asks for an unranked match between their agent and any public
-- agent of the same environment. Unranked matches change no rating, counter, cooldown or daily
-- cap and hold no busy_agents row; challenger_id says who asked (their daily quota counts these).
alter table matches add column ranked boolean not null default true;
alter table matches add column challenger_id uuid;
alter table matches add constraint matches_challenger_fkey foreign key (challenger_id) references users (id) on delete set null;
alter table matches add constraint matches_challenge_unranked check (challenger_id is null or not ranked);
create index matches_challenger_created_idx on matches (challenger_id, created_at) where challenger_id is not null;
