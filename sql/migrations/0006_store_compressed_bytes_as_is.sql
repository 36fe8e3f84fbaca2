-- Replays are gzip and uploaded archives are zip/gzip already: PostgreSQL's TOAST would try to
-- compress them again with pglz on every insert, spend CPU and gain nothing. EXTERNAL storage
-- keeps large values out of line without that second compression (measured: finish_match
-- with a 23 kB replay, see bench/README.md).
alter table replays alter column data set storage external;
alter table submissions alter column archive set storage external;
