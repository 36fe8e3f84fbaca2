-- title: Dead letters
-- purpose: The latest 100 jobs that exhausted their retries and landed in pg-boss's dead-letter queue: which queue they came from, their data, how often they were tried and the last error.
select j.created_on as dead_since,
       j.source_name as queue,
       j.data,
       j.source_retry_count as retries,
       coalesce(j.source_output #>> '{message}', j.source_output #>> '{value,message}', j.source_output::text) as last_error,
       j.state
from pgboss.job j
where j.name = 'dead-letter'
order by j.created_on desc
limit 100;
