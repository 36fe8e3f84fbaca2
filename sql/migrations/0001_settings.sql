-- Rule values (cooldowns, limits, K-factors, time limits…) live here so operators can change
-- them without a deploy. Values are jsonb so a setting can be a number, a string or a list.
create table settings (
  key text not null,
  value jsonb not null,
  description text not null default '',
  updated_at timestamptz not null default now(),
  constraint settings_pkey primary key (key),
  constraint settings_key_format check (key ~ '^[a-z][a-z0-9_]*$')
);
