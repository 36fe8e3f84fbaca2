-- pair_agents writes tens of thousands of matches in one statement, and PostgreSQL queues a
-- foreign-key check per row and per key even when the key is null (migration 0003 explains
-- the cost). The two keys added by 0011 (pair_of) and 0013 (challenger_id) go, as 0003 did for
-- the others: pair_of is only written by finish_match and rerun_match from a match row they
-- just read, and matches are never deleted; a challenger always owns one of the match's agents,
-- which the delete guards of sql/matches.sql keep (so their user cannot be deleted either).
alter table matches
  drop constraint matches_pair_of_fkey,
  drop constraint matches_challenger_fkey;
