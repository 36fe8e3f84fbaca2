-- "Is v2 better than v1?" (issue 13): a sequential probability ratio test (SPRT) of an agent's
-- active version (the candidate) against one of its older built versions (the baseline).
--
-- Games come in seat-swapped pairs: two unranked matches on one seed, the candidate in seat 0
-- of the first and seat 1 of the second, so seat and seed luck cancel inside each pair. They run
-- like challenges (the same match.run job, replay and logs, pg-boss priority -10 after ranked
-- matches, no rating or ranked counter touched) but count against their own quota
-- (version_test_daily_quota tests per user per UTC day), not the challenge quota.
--
-- The decision is sprt_verdict(): given how many pairs ended with the candidate scoring 0, ½, 1,
-- 1½ and 2 points (the pentanomial counts), it returns the log-likelihood ratio of H1 "the
-- candidate is elo1 better" against H0 "it is elo0 better" (normal approximation of the pair
-- scores, as chess engine testing does with paired games), the verdict and the Elo difference
-- with its 95 % interval. advance_version_test() runs when a test match ends (a trigger) and on
-- each matchmaking tick: when both games of the current pair have ended it decides, or it
-- schedules the next pair, until a bound is crossed or max_pairs pairs are played.

insert into settings (key, value, description) values
  ('version_test_daily_quota', '5', '"Is v2 better?" tests a user may start per UTC day.'),
  ('version_test_elo0', '0', '"Is v2 better?": H0, the Elo difference the new version is tested against (not better).'),
  ('version_test_elo1', '50', '"Is v2 better?": H1, the Elo difference that counts as better.'),
  ('version_test_alpha', '0.05', '"Is v2 better?": the chance of calling a version better when it is not (H0 true).'),
  ('version_test_beta', '0.05', '"Is v2 better?": the chance of missing a version that is elo1 better.'),
  ('version_test_max_pairs', '100', '"Is v2 better?": seat-swapped pairs played at most; a test undecided by then is inconclusive.')
on conflict (key) do update set description = excluded.description;

create or replace function elo_score(p_elo double precision) returns double precision
language sql immutable as $$ select 1 / (1 + power(10::double precision, -p_elo / 400)) $$;
comment on function elo_score(double precision) is 'The expected score (0–1) of a side p_elo Elo points stronger.';

create or replace function score_elo(p_score double precision) returns double precision
language sql immutable as $$
  -- clamped: a perfect record says "at least ±1200", not infinity
  select -400 * log(1 / least(greatest(p_score, 0.001), 0.999) - 1) -- log: base 10
$$;
comment on function score_elo(double precision) is 'The Elo difference whose expected score is p_score (clamped to ±1200).';

create or replace function sprt_verdict(p_counts integer[], p_elo0 double precision, p_elo1 double precision,
  p_alpha double precision, p_beta double precision, p_max_pairs integer)
returns table (pairs integer, llr double precision, lower_bound double precision, upper_bound double precision,
               verdict text, elo double precision, elo_low double precision, elo_high double precision)
language plpgsql immutable as $$
declare
  v_s0 double precision := elo_score(p_elo0);
  v_s1 double precision := elo_score(p_elo1);
  v_n double precision := 0;
  v_sum double precision := 0;
  v_mean double precision;
  v_var double precision := 0;
  -- Prior: one pseudo-pair at ¼ and one at ¾ (mean ½). Without it three clean sweeps in a row
  -- have zero variance and an infinite ratio; with it a few pairs cannot decide anything.
  v_reg integer[];
  v_rn double precision := 0;
  v_rmean double precision;
  v_rvar double precision := 0;
  v_se double precision;
begin
  if p_counts is null or cardinality(p_counts) <> 5 or exists (select 1 from unnest(p_counts) c where c is null or c < 0) then
    raise exception 'pair counts must be 5 whole numbers ≥ 0 (pairs where the candidate scored 0, ½, 1, 1½, 2 points), got %', p_counts using errcode = 'RLA01';
  end if;
  if not (p_elo1 > p_elo0) or p_alpha <= 0 or p_alpha >= 0.5 or p_beta <= 0 or p_beta >= 0.5 then
    raise exception 'SPRT needs elo1 > elo0 and 0 < alpha, beta < 0.5, got elo0 % elo1 % alpha % beta %', p_elo0, p_elo1, p_alpha, p_beta using errcode = 'RLA01';
  end if;
  v_reg := array[p_counts[1], p_counts[2] + 1, p_counts[3], p_counts[4] + 1, p_counts[5]];
  for i in 1..5 loop
    v_n := v_n + p_counts[i];
    v_sum := v_sum + p_counts[i] * (i - 1) / 4.0; -- a pair's score per game: 0, ¼, ½, ¾, 1
    v_rn := v_rn + v_reg[i];
  end loop;
  v_rmean := 0;
  for i in 1..5 loop v_rmean := v_rmean + v_reg[i] * (i - 1) / 4.0; end loop;
  v_rmean := v_rmean / v_rn;
  for i in 1..5 loop v_rvar := v_rvar + v_reg[i] * power((i - 1) / 4.0 - v_rmean, 2); end loop;
  v_rvar := v_rvar / v_rn;
  pairs := v_n::integer;
  lower_bound := ln(p_beta / (1 - p_alpha));
  upper_bound := ln((1 - p_beta) / p_alpha);
  -- Normal approximation: LLR = n·(s1 − s0)·(2·mean − s0 − s1) / (2·variance).
  llr := v_rn * (v_s1 - v_s0) * (2 * v_rmean - v_s0 - v_s1) / (2 * v_rvar);
  verdict := case when llr >= upper_bound then 'better'
                  when llr <= lower_bound then 'not_better'
                  when v_n >= p_max_pairs then 'inconclusive'
                  else 'running' end;
  if v_n > 0 then
    v_mean := v_sum / v_n;
    for i in 1..5 loop v_var := v_var + p_counts[i] * power((i - 1) / 4.0 - v_mean, 2); end loop;
    v_se := sqrt(greatest(v_var / v_n, v_rvar) / v_n);
    elo := score_elo(v_mean);
    elo_low := score_elo(v_mean - 1.96 * v_se);
    elo_high := score_elo(v_mean + 1.96 * v_se);
  end if;
  return next;
end $$;
comment on function sprt_verdict(integer[], double precision, double precision, double precision, double precision, integer) is
  'The SPRT decision from pentanomial pair counts (pairs where the candidate scored 0, ½, 1, 1½, 2 of 2 points): log-likelihood ratio of H1 (elo1) against H0 (elo0), its bounds ln(β/(1−α)) and ln((1−β)/α), verdict better / not_better / inconclusive (max pairs reached) / running, and the Elo difference with its 95 % interval (null before the first pair).';

create or replace function version_test_counts(p_test uuid) returns integer[]
language sql stable as $$
  -- complete pairs only: both games completed (a failed game voids its pair)
  with games as (
    select m.version_test_pair as pair,
           case when m.winner_seat is null then 0.5
                when (case m.winner_seat when 0 then m.player0_submission_id else m.player1_submission_id end) = t.candidate_submission_id then 1
                else 0 end as score
    from matches m join version_tests t on t.id = m.version_test_id
    where m.version_test_id = p_test and m.status = 'completed'
  ), pairs as (
    select (sum(score) * 2)::integer as half_points from games group by pair having count(*) = 2
  )
  select array[count(*) filter (where half_points = 0), count(*) filter (where half_points = 1),
               count(*) filter (where half_points = 2), count(*) filter (where half_points = 3),
               count(*) filter (where half_points = 4)]::integer[]
  from pairs
$$;
comment on function version_test_counts(uuid) is 'A version test''s pentanomial: how many complete pairs gave the candidate 0, ½, 1, 1½ and 2 points.';

create or replace function version_test_event(p_test version_tests) returns void
language sql volatile as $$
  select emit_event('version_test.changed', jsonb_build_object('testId', p_test.id, 'agentId', p_test.agent_id,
    'ownerId', p_test.owner_id, 'status', p_test.status))
$$;

create or replace function schedule_version_test_pair(p_test version_tests) returns void
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_env environments := environment_by_id(p_test.environment_id);
  v_pair integer;
  v_seed bigint := floor(random() * 4294967296)::bigint;
  v_row matches;
begin
  select coalesce(max(version_test_pair), 0) + 1 into v_pair from matches where version_test_id = p_test.id;
  for v_seat in 0..1 loop
    insert into matches (id, environment_id, environment_version, status, player0_agent_id, player1_agent_id,
                         player0_submission_id, player1_submission_id, seed, created_at, deadline, ranked,
                         version_test_id, version_test_pair)
    values (uuid_v7(v_now, v_seat), v_env.id, v_env.version, 'pending', p_test.agent_id, p_test.agent_id,
            case v_seat when 0 then p_test.candidate_submission_id else p_test.baseline_submission_id end,
            case v_seat when 0 then p_test.baseline_submission_id else p_test.candidate_submission_id end,
            v_seed, v_now, v_now + setting_number_for(v_env.id, 'match_deadline_s') * interval '1 second', false,
            p_test.id, v_pair)
    returning * into v_row;
    perform enqueue_job('match.run', jsonb_build_object('matchId', v_row.id), -10);
    perform arena_private.match_event('match.created', v_row);
  end loop;
end $$;
comment on function schedule_version_test_pair(version_tests) is 'The next seat-swapped pair of a version test: two pending unranked matches on one seed (candidate in seat 0, then seat 1) with their low-priority match.run jobs.';

create or replace function advance_version_test(p_test uuid) returns version_tests
language plpgsql volatile as $$
declare
  v_test version_tests;
  v_sprt record;
  v_failed integer;
  v_stop text;
begin
  select * into v_test from version_tests where id = p_test for update;
  if not found then
    raise exception 'version test % does not exist', p_test using errcode = 'RLA57';
  end if;
  if v_test.status <> 'running'
     or exists (select 1 from matches where version_test_id = p_test and status in ('pending', 'running')) then
    return v_test;
  end if;
  select * into v_sprt from sprt_verdict(version_test_counts(p_test), v_test.elo0, v_test.elo1, v_test.alpha, v_test.beta, v_test.max_pairs);
  select count(distinct version_test_pair) into v_failed from matches where version_test_id = p_test and status = 'failed';
  -- no new pair for an agent that left the arena meanwhile
  select case when a.deleted_at is not null then 'stopped: the agent was deleted'
              when a.disabled then 'stopped: the agent was disabled by an administrator'
              when u.disabled then 'stopped: its owner''s account was disabled'
              when not e.enabled then format('stopped: environment "%s" was closed', e.id) end
  into v_stop
  from agents a join users u on u.id = a.owner_id join environments e on e.id = a.environment_id where a.id = v_test.agent_id;
  if v_sprt.verdict <> 'running' then
    update version_tests set status = v_sprt.verdict, decided_at = arena_now() where id = p_test returning * into v_test;
  elsif v_stop is not null then
    update version_tests set status = 'inconclusive', decided_at = arena_now(), note = v_stop
    where id = p_test returning * into v_test;
  elsif v_failed >= 5 then
    -- an agent that keeps crashing the platform's runs (not its games: a forfeit is a completed loss)
    update version_tests set status = 'inconclusive', decided_at = arena_now(),
      note = format('stopped after %s pairs with a failed game (platform failures, not forfeits)', v_failed)
    where id = p_test returning * into v_test;
  else
    perform schedule_version_test_pair(v_test);
  end if;
  perform version_test_event(v_test);
  return v_test;
end $$;
comment on function advance_version_test(uuid) is 'When no game of a running version test is pending or running: records its verdict if the SPRT (or max_pairs) decides it, stops it as inconclusive after 5 pairs with a failed game or when its agent, owner or environment left the arena, or schedules the next pair. Emits version_test.changed. RLA57 unknown test.';

create or replace function advance_version_tests() returns integer
language sql volatile as $$
  -- the matchmaking tick's catch-up: the trigger below normally advances a test as its game ends
  select count(advance_version_test(t.id))::integer from version_tests t
  where t.status = 'running'
    and not exists (select 1 from matches m where m.version_test_id = t.id and m.status in ('pending', 'running'))
$$;
comment on function advance_version_tests() is 'Advances every running version test with no game in play (matchmaking tick); returns how many.';

create or replace function advance_version_test_on_end() returns trigger
language plpgsql volatile as $$
begin
  perform advance_version_test(new.version_test_id);
  return null;
end $$;
drop trigger if exists matches_advance_version_test on matches;
create trigger matches_advance_version_test after update of status on matches
  for each row when (new.version_test_id is not null and new.status in ('completed', 'failed') and old.status is distinct from new.status)
  execute function advance_version_test_on_end();

create or replace function start_version_test(p_caller uuid, p_agent uuid, p_baseline uuid) returns version_tests
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_play record;
  v_caller users;
  v_agent agents;
  v_old submissions;
  v_env environments;
  v_quota integer;
  v_used integer;
  v_test version_tests;
begin
  v_play := arena_private.agent_to_play(p_caller, p_agent, p_baseline);
  v_caller := v_play.caller;
  v_agent := v_play.agent;
  v_old := v_play.old_version;
  v_env := v_play.env;
  perform pg_advisory_xact_lock(hashtext('rla.version_tests'), hashtext(p_caller::text));
  v_quota := setting_number_for(v_env.id, 'version_test_daily_quota')::integer;
  select count(*) into v_used from version_tests
  where owner_id = p_caller and created_at >= utc_day_start(utc_day(v_now)) and created_at <= v_now;
  if v_used >= v_quota then
    raise exception 'user "%" has started % "is v2 better?" tests on % (UTC), the daily quota (version_test_daily_quota); it resets at 00:00 UTC', v_caller.username, v_quota, utc_day(v_now)
      using errcode = 'RLA58', hint = 'retry_after_s=' || ceil(extract(epoch from utc_day_start(utc_day(v_now) + 1) - v_now))::bigint;
  end if;
  insert into version_tests (id, agent_id, owner_id, environment_id, candidate_submission_id, baseline_submission_id,
                             elo0, elo1, alpha, beta, max_pairs, created_at)
  values (uuid_v7(v_now, 0), v_agent.id, p_caller, v_env.id, v_agent.active_submission_id, v_old.id,
          setting_number_for(v_env.id, 'version_test_elo0'), setting_number_for(v_env.id, 'version_test_elo1'),
          setting_number_for(v_env.id, 'version_test_alpha'), setting_number_for(v_env.id, 'version_test_beta'),
          setting_number_for(v_env.id, 'version_test_max_pairs')::integer, v_now)
  returning * into v_test;
  perform schedule_version_test_pair(v_test);
  perform version_test_event(v_test);
  return v_test;
end $$;
comment on function start_version_test(uuid, uuid, uuid) is 'The owner starts "is v2 better than v1?": an SPRT of their agent''s active version against its older built version p_baseline, played as seat-swapped unranked pairs until decided (the first pair is queued at once). version_test_daily_quota per user per UTC day (RLA58). RLA14 not the owner, RLA40 not its version, RLA01 the active one, RLA44 not built, RLA21 closed environment.';

create or replace function version_test_report(p_test uuid) returns jsonb
language sql stable as $$
  select jsonb_build_object(
    'id', t.id, 'agentId', t.agent_id, 'agentName', a.name, 'ownerId', t.owner_id, 'environment', t.environment_id,
    'candidate', jsonb_build_object('submissionId', t.candidate_submission_id, 'version', sc.version),
    'baseline', jsonb_build_object('submissionId', t.baseline_submission_id, 'version', sb.version),
    'status', t.status, 'note', t.note, 'createdAt', t.created_at, 'decidedAt', t.decided_at,
    'hypotheses', jsonb_build_object('elo0', t.elo0, 'elo1', t.elo1, 'alpha', t.alpha, 'beta', t.beta, 'maxPairs', t.max_pairs),
    'pairs', v.pairs, 'pentanomial', to_jsonb(c.counts), 'llr', round(v.llr::numeric, 3),
    'lowerBound', round(v.lower_bound::numeric, 3), 'upperBound', round(v.upper_bound::numeric, 3),
    'elo', round(v.elo::numeric, 1), 'eloLow', round(v.elo_low::numeric, 1), 'eloHigh', round(v.elo_high::numeric, 1),
    'games', coalesce((
      select jsonb_agg(jsonb_build_object('matchId', m.id, 'pair', m.version_test_pair, 'status', m.status,
               'candidateSeat', case when m.player0_submission_id = t.candidate_submission_id then 0 else 1 end,
               'winnerSeat', m.winner_seat, 'endReason', m.end_reason) order by m.version_test_pair, m.id)
      from matches m where m.version_test_id = t.id), '[]'::jsonb))
  from version_tests t
  join agents a on a.id = t.agent_id
  join submissions sc on sc.id = t.candidate_submission_id
  join submissions sb on sb.id = t.baseline_submission_id
  cross join lateral (select version_test_counts(t.id) as counts) c
  cross join lateral sprt_verdict(c.counts, t.elo0, t.elo1, t.alpha, t.beta, t.max_pairs) v
  where t.id = p_test
$$;
comment on function version_test_report(uuid) is 'One version test as JSON: versions, status (running / better / not_better / inconclusive), pairs, pentanomial, LLR and its bounds, Elo difference with 95 % interval, and every game (the evidence). Null for an unknown test.';

create or replace function agent_version_tests(p_agent uuid, p_limit integer default 10)
returns table (id uuid, candidate_version integer, baseline_version integer, status text, created_at timestamptz, decided_at timestamptz)
language sql stable as $$
  select t.id, sc.version, sb.version, t.status, t.created_at, t.decided_at
  from version_tests t
  join submissions sc on sc.id = t.candidate_submission_id
  join submissions sb on sb.id = t.baseline_submission_id
  where t.agent_id = p_agent
  order by t.created_at desc
  limit p_limit
$$;
comment on function agent_version_tests(uuid, integer) is 'An agent''s "is v2 better?" tests, newest first (the agent page''s list).';
