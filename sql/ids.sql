-- Time-ordered ids for rows written in bulk (pair_agents' matches, enqueue_jobs' jobs).
--
-- A random uuid lands on a random leaf of every btree it is a key of, so 50,000 of them in one
-- statement dirty (and split) pages all over the index. A version 7 uuid (RFC 9562) starts with
-- the Unix time in milliseconds, so ids made together sort together and inserts append at the
-- right edge of the primary key: 50,000 jobs insert about 20 % faster (bench/README.md).
-- PostgreSQL 18 has uuidv7(), 15 does not; this one also takes a sequence number so the ids of
-- one statement sort in the caller's order (RFC 9562 §6.2 method 1, a counter after the time).

create or replace function uuid_v7(p_time timestamptz, p_seq bigint) returns uuid
language sql volatile parallel restricted as $$ -- restricted: random()
  -- bytes 0-5: Unix ms; 6-7: version 7 and the counter's top 12 bits; 8-9: variant 10 and its
  -- low 14 bits; 10-15: 48 random bits (two ids with the same ms and counter differ there).
  select encode(
    int8send((floor(extract(epoch from p_time) * 1000)::bigint << 16) | 28672 | ((p_seq >> 14) & 4095))
    || int8send((-9223372036854775808) | ((p_seq & 16383) << 48) | floor(random() * 281474976710656)::bigint),
    'hex')::uuid
$$;
comment on function uuid_v7(timestamptz, bigint) is 'A version 7 uuid: p_time''s Unix milliseconds (a time after 1970), then p_seq as a 26-bit counter, then 48 random bits. Ids made with one time sort by p_seq up to 2^26 - 1; beyond, the counter wraps (ids stay valid, only their order is lost).';
