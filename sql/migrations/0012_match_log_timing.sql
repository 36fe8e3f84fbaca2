-- Each seat's step timeline of a match (issue 14): answer times, time bank left and stderr line
-- counts per request, recorded by the referee. Kept beside the seat's log (private to the
-- agent's owner and admins, deleted with it by housekeeping), never in the public replay.
alter table match_logs add column timing jsonb;
comment on column match_logs.timing is 'The referee''s timeline for this seat: {step_timeout_ms, time_bank_ms, init_ms, init_lines, ms[], bank_ms[], lines[]}; index r is request r (its answer led to frame r + 1). Null for matches from before it was recorded.';
