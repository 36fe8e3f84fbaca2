-- Token buckets for the API's limited routes, kept in the database so every web process shares
-- them. A bucket holds at most p_capacity tokens and refills continuously at
-- p_capacity / p_per_seconds tokens per second; a request takes one token or is refused.
-- Keys name the route class and the identity ("login:ip:10.0.0.1", "upload:user:<uuid>").

create or replace function take_token(p_key text, p_capacity integer, p_per_seconds numeric)
returns table (allowed boolean, remaining integer, retry_after_s numeric)
language plpgsql volatile as $$
declare
  v_now timestamptz := arena_now();
  v_rate double precision;
  v_bucket rate_limit_buckets;
  v_tokens double precision;
begin
  if p_key is null or length(p_key) not between 1 and 200 then
    raise exception 'rate-limit key must be 1–200 characters' using errcode = 'RLA01';
  end if;
  if p_capacity is null or p_capacity < 1 or p_per_seconds is null or p_per_seconds <= 0 then
    raise exception 'rate limit % per % s is not valid: capacity ≥ 1 and a positive period are needed', p_capacity, p_per_seconds
      using errcode = 'RLA01';
  end if;
  v_rate := p_capacity / p_per_seconds::double precision;
  insert into rate_limit_buckets (key, tokens, capacity, per_seconds, updated_at)
  values (p_key, p_capacity, p_capacity, p_per_seconds, v_now)
  on conflict (key) do nothing;
  select * into v_bucket from rate_limit_buckets where key = p_key for update;
  v_tokens := least(p_capacity::double precision,
                    v_bucket.tokens + greatest(extract(epoch from v_now - v_bucket.updated_at)::double precision, 0) * v_rate);
  if v_tokens >= 1 then
    v_tokens := v_tokens - 1;
    allowed := true;
    retry_after_s := 0;
  else
    allowed := false;
    retry_after_s := round(((1 - v_tokens) / v_rate)::numeric, 3);
  end if;
  update rate_limit_buckets
  set tokens = v_tokens, capacity = p_capacity, per_seconds = p_per_seconds, updated_at = greatest(v_now, v_bucket.updated_at)
  where key = p_key;
  remaining := floor(v_tokens + 1e-9)::integer;
  return next;
end $$;
comment on function take_token(text, integer, numeric) is 'Takes one token from bucket p_key (capacity p_capacity, refilled over p_per_seconds). Atomic under concurrency (row lock). retry_after_s: seconds until a token is available when refused.';
