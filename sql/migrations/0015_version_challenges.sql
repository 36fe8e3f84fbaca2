-- "Is v2 better than v1?" starts with a challenge between an agent's active version and one of
-- its older versions (issue 13): the same agent in both seats, with two different versions.
-- Only unranked matches may do that; ranked ones still need two agents.
alter table matches drop constraint matches_distinct_agents;
alter table matches add constraint matches_distinct_players check (
  player0_agent_id <> player1_agent_id or (not ranked and player0_submission_id <> player1_submission_id));
