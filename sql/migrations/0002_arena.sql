-- The arena's tables: users, environments, agents, submissions, matches and what hangs off them.
-- Rules live in the concept files (sql/*.sql); the tables only hold data and the invariants that
-- can be stated as constraints. All times are timestamptz; "day" always means the UTC day.

create extension if not exists pgcrypto; -- gen_random_uuid() on PostgreSQL < 13

-- Keeps updated_at honest whoever writes the row.
create function touch_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at = now();
  return new;
end $$;

create table users (
  id uuid not null default gen_random_uuid(),
  username text not null,
  email text not null,
  password_hash text not null,
  full_name text not null default '',
  role text not null default 'user',
  disabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint users_pkey primary key (id),
  constraint users_username_format check (username ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$'),
  constraint users_email_format check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  constraint users_password_hash_present check (length(password_hash) > 0),
  constraint users_full_name_length check (length(full_name) <= 100),
  constraint users_role_valid check (role in ('user', 'admin'))
);
create unique index users_username_key on users (lower(username));
create unique index users_email_key on users (lower(email));
create trigger users_touch before update on users for each row execute function touch_updated_at();

create table environments (
  id text not null,
  version text not null,
  name text not null,
  description jsonb not null default '{}',
  -- Game configuration passed to make(id, { config }) for every match of this environment.
  config jsonb not null default '{}',
  -- Overrides of rows of the settings table for this environment ({"step_timeout_s": 2}).
  settings jsonb not null default '{}',
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint environments_pkey primary key (id),
  constraint environments_id_format check (id ~ '^[a-z0-9][a-z0-9-]{0,49}$'),
  constraint environments_description_object check (jsonb_typeof(description) = 'object'),
  constraint environments_config_object check (jsonb_typeof(config) = 'object'),
  constraint environments_settings_object check (jsonb_typeof(settings) = 'object')
);
create trigger environments_touch before update on environments for each row execute function touch_updated_at();

create table agents (
  id uuid not null default gen_random_uuid(),
  owner_id uuid not null,
  environment_id text not null,
  name text not null,
  description text not null default '',
  rating integer not null default 1500,
  wins integer not null default 0,
  losses integer not null default 0,
  draws integer not null default 0,
  games integer not null default 0,
  disabled boolean not null default false,
  -- Always a submission of this agent whose status is 'active' (kept so by sql/submissions.sql).
  active_submission_id uuid,
  -- When the current active version became active: the start of its wait for matchmaking.
  active_since timestamptz,
  -- Soft delete: the row stays so that matches against this agent stay readable.
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint agents_pkey primary key (id),
  constraint agents_owner_fkey foreign key (owner_id) references users (id) on delete cascade,
  constraint agents_environment_fkey foreign key (environment_id) references environments (id) on delete restrict,
  constraint agents_name_length check (length(btrim(name)) between 1 and 64 and name = btrim(name)),
  constraint agents_description_length check (length(description) <= 2000),
  constraint agents_rating_nonnegative check (rating >= 0),
  constraint agents_counters_nonnegative check (wins >= 0 and losses >= 0 and draws >= 0 and games >= 0),
  constraint agents_games_total check (games = wins + losses + draws)
);
create unique index agents_owner_environment_name_key on agents (owner_id, environment_id, lower(name)) where deleted_at is null;
create index agents_owner_idx on agents (owner_id);
create index agents_leaderboard_idx on agents (environment_id, rating desc) where deleted_at is null;
create trigger agents_touch before update on agents for each row execute function touch_updated_at();

create table submissions (
  id uuid not null default gen_random_uuid(),
  agent_id uuid not null,
  version integer not null,
  status text not null default 'pending',
  language text,
  entry text,
  archive bytea,
  archive_name text,
  archive_sha256 text,
  archive_size integer,
  build_log text,
  error text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint submissions_pkey primary key (id),
  constraint submissions_agent_fkey foreign key (agent_id) references agents (id) on delete cascade,
  constraint submissions_agent_version_key unique (agent_id, version),
  constraint submissions_version_positive check (version >= 1),
  constraint submissions_status_valid check (status in ('pending', 'building', 'active', 'failed', 'inactive')),
  constraint submissions_language_valid check (language in ('python', 'node', 'builtin')),
  constraint submissions_built_has_entry check (status not in ('active', 'inactive') or (language is not null and entry is not null)),
  constraint submissions_archive_present check (archive is not null or language is not distinct from 'builtin'),
  constraint submissions_entry_length check (length(entry) <= 255),
  constraint submissions_archive_name_length check (length(archive_name) <= 255)
);
alter table submissions alter column archive set storage external; -- already gzip/zip compressed
create index submissions_agent_created_idx on submissions (agent_id, created_at desc);
create index submissions_open_idx on submissions (status, created_at) where status in ('pending', 'building');
create index submissions_finished_idx on submissions (finished_at) where finished_at is not null;
create trigger submissions_touch before update on submissions for each row execute function touch_updated_at();

alter table agents add constraint agents_active_submission_fkey
  foreign key (active_submission_id) references submissions (id) on delete set null;

create table matches (
  id uuid not null default gen_random_uuid(),
  environment_id text not null,
  environment_version text not null,
  status text not null default 'pending',
  player0_agent_id uuid not null,
  player1_agent_id uuid not null,
  player0_submission_id uuid not null,
  player1_submission_id uuid not null,
  seed bigint not null,
  winner_seat smallint,
  player0_score double precision,
  player1_score double precision,
  end_reason text,
  total_steps integer,
  -- Everything else the referee reported (who faulted, messages…).
  details jsonb,
  player0_rating_before integer,
  player1_rating_before integer,
  player0_rating_after integer,
  player1_rating_after integer,
  player0_rating_change integer,
  player1_rating_change integer,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  ended_at timestamptz,
  deadline timestamptz not null,
  error text,
  attempts integer not null default 0,
  rerun_of uuid,
  constraint matches_pkey primary key (id),
  constraint matches_environment_fkey foreign key (environment_id) references environments (id) on delete restrict,
  constraint matches_player0_agent_fkey foreign key (player0_agent_id) references agents (id) on delete restrict,
  constraint matches_player1_agent_fkey foreign key (player1_agent_id) references agents (id) on delete restrict,
  constraint matches_player0_submission_fkey foreign key (player0_submission_id) references submissions (id) on delete restrict,
  constraint matches_player1_submission_fkey foreign key (player1_submission_id) references submissions (id) on delete restrict,
  constraint matches_rerun_of_fkey foreign key (rerun_of) references matches (id) on delete set null,
  constraint matches_status_valid check (status in ('pending', 'running', 'completed', 'failed')),
  constraint matches_distinct_agents check (player0_agent_id <> player1_agent_id),
  constraint matches_winner_seat_valid check (winner_seat in (0, 1)),
  constraint matches_end_reason_format check (end_reason ~ '^[a-z][a-z_]{0,39}$'),
  constraint matches_total_steps_nonnegative check (total_steps >= 0),
  constraint matches_attempts_nonnegative check (attempts >= 0),
  constraint matches_completed_has_result check (status <> 'completed' or (ended_at is not null and end_reason is not null
    and player0_rating_after is not null and player1_rating_after is not null)),
  constraint matches_failed_has_error check (status <> 'failed' or (ended_at is not null and error is not null))
);
create index matches_environment_created_idx on matches (environment_id, created_at desc);
create index matches_player0_created_idx on matches (player0_agent_id, created_at desc);
create index matches_player1_created_idx on matches (player1_agent_id, created_at desc);
create index matches_created_idx on matches (created_at desc);
create index matches_open_idx on matches (status, deadline) where status in ('pending', 'running');
create index matches_ended_idx on matches (ended_at) where ended_at is not null;

-- One row per agent that has a pending or running match. The primary key is the guarantee that
-- an agent is never in two matches at once, whatever the code around it does.
create table busy_agents (
  agent_id uuid not null,
  match_id uuid not null,
  since timestamptz not null default now(),
  constraint busy_agents_pkey primary key (agent_id),
  constraint busy_agents_agent_fkey foreign key (agent_id) references agents (id) on delete cascade,
  constraint busy_agents_match_fkey foreign key (match_id) references matches (id) on delete cascade
);
create index busy_agents_match_idx on busy_agents (match_id);

create table replays (
  match_id uuid not null,
  data bytea not null, -- gzip of the replay JSON
  size_bytes integer not null,
  created_at timestamptz not null default now(),
  constraint replays_pkey primary key (match_id),
  constraint replays_match_fkey foreign key (match_id) references matches (id) on delete cascade,
  constraint replays_gzip check (substring(data from 1 for 2) = '\x1f8b'::bytea)
);
alter table replays alter column data set storage external; -- already compressed

-- An agent's stderr during one match. Only the agent's owner may read it.
create table match_logs (
  match_id uuid not null,
  seat smallint not null,
  agent_id uuid not null,
  log text not null,
  truncated boolean not null default false,
  created_at timestamptz not null default now(),
  constraint match_logs_pkey primary key (match_id, seat),
  constraint match_logs_match_fkey foreign key (match_id) references matches (id) on delete cascade,
  constraint match_logs_agent_fkey foreign key (agent_id) references agents (id) on delete cascade,
  constraint match_logs_seat_valid check (seat in (0, 1))
);
create index match_logs_created_idx on match_logs (created_at);

create table rating_history (
  id bigint generated always as identity,
  agent_id uuid not null,
  match_id uuid,
  environment_id text not null,
  rating_before integer not null,
  rating_after integer not null,
  change integer not null,
  created_at timestamptz not null default now(),
  constraint rating_history_pkey primary key (id),
  constraint rating_history_agent_fkey foreign key (agent_id) references agents (id) on delete cascade,
  constraint rating_history_match_fkey foreign key (match_id) references matches (id) on delete set null,
  constraint rating_history_environment_fkey foreign key (environment_id) references environments (id) on delete cascade,
  constraint rating_history_change_consistent check (change = rating_after - rating_before)
);
create index rating_history_agent_idx on rating_history (agent_id, id);
create index rating_history_created_idx on rating_history (created_at);

-- Cooldown and daily cap bookkeeping, one row per agent (created with the agent).
create table agent_match_stats (
  agent_id uuid not null,
  last_match_ended_at timestamptz,
  -- The UTC day that matches_today counts.
  day date,
  matches_today integer not null default 0,
  updated_at timestamptz not null default now(),
  constraint agent_match_stats_pkey primary key (agent_id),
  constraint agent_match_stats_agent_fkey foreign key (agent_id) references agents (id) on delete cascade,
  constraint agent_match_stats_matches_today_nonnegative check (matches_today >= 0)
);

-- Token buckets of the API's rate limits (take_token). Unlogged: losing them in a crash is harmless.
create unlogged table rate_limit_buckets (
  key text not null,
  tokens double precision not null,
  capacity integer not null,
  per_seconds numeric not null,
  updated_at timestamptz not null,
  constraint rate_limit_buckets_pkey primary key (key),
  constraint rate_limit_buckets_key_length check (length(key) between 1 and 200)
);
create index rate_limit_buckets_updated_idx on rate_limit_buckets (updated_at);
