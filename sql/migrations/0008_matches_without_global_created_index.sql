-- Every index of matches costs pair_agents 80–100 ms per 50,000 matches (bench/README.md).
-- matches_created_idx (created_at) served one query only: the newest matches of all
-- environments. That feed now takes the newest of each environment from
-- matches_environment_created_idx and merges them (recent_matches, src/web/queries.ts); there
-- are few environments, so that reads a few index pages more per page of the feed.
drop index matches_created_idx;
