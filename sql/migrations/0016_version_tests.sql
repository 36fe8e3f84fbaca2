-- "Is v2 better than v1?" (issue 13): a sequential test (SPRT) of an agent's active version
-- (the candidate) against one of its older versions (the baseline), played as seat-swapped pairs
-- of unranked matches until sql/version_tests.sql decides it. Each test match names its test and
-- its pair number; a pair is two games on one seed with the seats swapped.
create table version_tests (
  id uuid not null,
  agent_id uuid not null references agents (id),
  owner_id uuid not null references users (id),
  environment_id text not null references environments (id),
  candidate_submission_id uuid not null references submissions (id),
  baseline_submission_id uuid not null references submissions (id),
  -- The hypotheses and error rates the test was started with (settings may change later).
  elo0 double precision not null,
  elo1 double precision not null,
  alpha double precision not null,
  beta double precision not null,
  max_pairs integer not null,
  status text not null default 'running',
  note text,
  created_at timestamptz not null,
  decided_at timestamptz,
  constraint version_tests_pkey primary key (id),
  constraint version_tests_status check (status in ('running', 'better', 'not_better', 'inconclusive')),
  constraint version_tests_two_versions check (candidate_submission_id <> baseline_submission_id),
  constraint version_tests_hypotheses check (elo1 > elo0 and alpha > 0 and alpha < 0.5 and beta > 0 and beta < 0.5 and max_pairs > 0)
);
create index version_tests_agent_idx on version_tests (agent_id, created_at);
create index version_tests_owner_created_idx on version_tests (owner_id, created_at);
create index version_tests_running_idx on version_tests (id) where status = 'running';

-- No foreign key on matches.version_test_id, as 0014 explains for pair_of and challenger_id.
alter table matches add column version_test_id uuid;
alter table matches add column version_test_pair integer;
alter table matches add constraint matches_version_test_unranked check (version_test_id is null or not ranked);
create index matches_version_test_idx on matches (version_test_id, version_test_pair) where version_test_id is not null;
