-- Matchmaking creates tens of thousands of matches in one statement, and PostgreSQL checks a
-- declared foreign key row by row (one lookup and one row lock per key). On 50,000 matches the
-- five keys of matches and the two of busy_agents cost more than everything else pair_agents
-- does (measured: insert of 50,000 matches 9.2 s with the keys, 4.1 s without, on the loaded
-- 2-core test machine). The rows are only written by our functions, which take every id from
-- the referenced rows themselves, so the keys are replaced by guards on the referenced side:
-- agents, submissions and environments that matches refer to cannot be deleted (triggers in
-- sql/matches.sql), and housekeeping removes busy_agents rows whose match is no longer open.
alter table matches
  drop constraint matches_environment_fkey,
  drop constraint matches_player0_agent_fkey,
  drop constraint matches_player1_agent_fkey,
  drop constraint matches_player0_submission_fkey,
  drop constraint matches_player1_submission_fkey;
alter table busy_agents
  drop constraint busy_agents_agent_fkey,
  drop constraint busy_agents_match_fkey;
