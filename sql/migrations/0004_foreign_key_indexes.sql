-- Indexes on referencing columns that 0002 left without one, so that deleting the referenced
-- row does not scan the whole referencing table once per deleted row (deleting 50,000 matches
-- scanned matches 50,000 times for rerun_of).
create index matches_rerun_of_idx on matches (rerun_of) where rerun_of is not null;
create index rating_history_match_idx on rating_history (match_id);
create index agents_active_submission_idx on agents (active_submission_id) where active_submission_id is not null;
create index match_logs_agent_idx on match_logs (agent_id);
