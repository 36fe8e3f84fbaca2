-- Sessions follow the database (sql/users.sql, src/web/auth.ts). A session token carries its
-- user's session_epoch and a random session id; every request checks both through
-- live_session(). Raising the epoch ends every session of the user at once (disable, demotion,
-- password change, "log out everywhere"); a row in revoked_sessions ends one session (log out).
alter table users add column session_epoch integer not null default 0;

-- A revoked session id is only worth keeping until its token would have expired anyway.
create table revoked_sessions (
  session_id uuid not null,
  user_id uuid not null,
  expires_at timestamptz not null,
  constraint revoked_sessions_pkey primary key (session_id),
  constraint revoked_sessions_user_id_fkey foreign key (user_id) references users (id) on delete cascade
);
create index revoked_sessions_user_id_idx on revoked_sessions (user_id);
create index revoked_sessions_expires_at_idx on revoked_sessions (expires_at);
