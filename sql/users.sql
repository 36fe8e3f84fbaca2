-- Users: registration and login support, profile updates, roles and disabling.
-- Passwords are hashed by the application (scrypt); the database only stores the hash.

create or replace function user_by_id(p_user uuid) returns users
language plpgsql stable as $$
declare
  v_row users;
begin
  select * into v_row from users where id = p_user;
  if not found then
    raise exception 'user % does not exist', p_user using errcode = 'RLA10';
  end if;
  return v_row;
end $$;
comment on function user_by_id(uuid) is 'The user row, or error RLA10.';

create or replace function require_admin(p_user uuid) returns users
language plpgsql stable as $$
declare
  v_row users;
begin
  select * into v_row from users where id = p_user;
  if not found or v_row.role <> 'admin' or v_row.disabled then
    raise exception 'this needs an administrator (user % is not one)', coalesce(v_row.username, p_user::text)
      using errcode = 'RLA15';
  end if;
  return v_row;
end $$;
comment on function require_admin(uuid) is 'The admin''s row, or error RLA15 when p_user is not an enabled administrator.';

create or replace function require_enabled_user(p_user uuid) returns users
language plpgsql stable as $$
declare
  v_row users;
begin
  v_row := user_by_id(p_user);
  if v_row.disabled then
    raise exception 'user "%" is disabled and cannot do this; contact an administrator', v_row.username using errcode = 'RLA13';
  end if;
  return v_row;
end $$;
comment on function require_enabled_user(uuid) is 'The caller''s row, or RLA10 when p_user does not exist, RLA13 when disabled. Every function acting for a caller starts here (or with require_admin).';

create or replace function check_user_fields(p_username text, p_email text) returns void
language plpgsql immutable as $$
begin
  if p_username is not null and p_username !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$' then
    raise exception 'username "%" is not allowed: use 3–32 letters, digits, "_", "." or "-", starting with a letter or digit', p_username
      using errcode = 'RLA01';
  end if;
  if p_email is not null and (p_email !~ '^[^@\s]+@[^@\s]+$' or length(p_email) > 254) then
    raise exception 'email "%" is not a valid address', p_email using errcode = 'RLA01';
  end if;
end $$;

-- Turns a unique violation on users into the coded error that names the taken value.
create or replace function raise_user_taken(p_constraint text, p_username text, p_email text) returns void
language plpgsql immutable as $$
begin
  if p_constraint = 'users_username_key' then
    raise exception 'username "%" is already taken', p_username using errcode = 'RLA11';
  elsif p_constraint = 'users_email_key' then
    raise exception 'email "%" is already registered', p_email using errcode = 'RLA12';
  end if;
end $$;

create or replace function register_user(p_username text, p_email text, p_password_hash text, p_full_name text default '')
returns users
language plpgsql volatile as $$
declare
  v_row users;
  v_constraint text;
  v_username text := btrim(p_username);
  v_email text := btrim(p_email);
begin
  perform check_user_fields(coalesce(v_username, ''), coalesce(v_email, ''));
  if coalesce(p_password_hash, '') = '' then
    raise exception 'a password hash is required' using errcode = 'RLA01';
  end if;
  if length(coalesce(p_full_name, '')) > 100 then
    raise exception 'full name is % characters long; at most 100 are allowed', length(p_full_name) using errcode = 'RLA01';
  end if;
  begin
    insert into users (username, email, password_hash, full_name)
    values (v_username, v_email, p_password_hash, coalesce(btrim(p_full_name), ''))
    returning * into v_row;
  exception when unique_violation then
    get stacked diagnostics v_constraint = constraint_name;
    perform raise_user_taken(v_constraint, v_username, v_email);
    raise;
  end;
  return v_row;
end $$;
comment on function register_user(text, text, text, text) is 'Creates a user; username and email are unique case-insensitively (RLA11, RLA12).';

create or replace function user_by_login(p_identifier text) returns setof users
language sql stable as $$
  select * from users
  where case when position('@' in btrim(p_identifier)) > 0
             then lower(email) = lower(btrim(p_identifier))
             else lower(username) = lower(btrim(p_identifier)) end
$$;
comment on function user_by_login(text) is 'The user (with password_hash) whose email or username is p_identifier, case-insensitively; no row when none. Disabled users are returned: the caller refuses them.';

create or replace function update_user(p_user uuid, p_full_name text, p_email text default null) returns users
language plpgsql volatile as $$
declare
  v_row users;
  v_constraint text;
  v_email text := btrim(p_email);
begin
  perform require_enabled_user(p_user);
  perform check_user_fields(null, v_email);
  if length(coalesce(p_full_name, '')) > 100 then
    raise exception 'full name is % characters long; at most 100 are allowed', length(p_full_name) using errcode = 'RLA01';
  end if;
  begin
    update users
    set full_name = coalesce(btrim(p_full_name), full_name),
        email = coalesce(v_email, email)
    where id = p_user
    returning * into v_row;
  exception when unique_violation then
    get stacked diagnostics v_constraint = constraint_name;
    perform raise_user_taken(v_constraint, null, v_email);
    raise;
  end;
  return v_row;
end $$;
comment on function update_user(uuid, text, text) is 'Changes a user''s full name and, when given, email (null keeps the current value). Disabled users: RLA13.';

create or replace function set_user_disabled(p_admin uuid, p_user uuid, p_disabled boolean) returns users
language plpgsql volatile as $$
declare
  v_row users;
begin
  perform require_admin(p_admin);
  perform user_by_id(p_user);
  if p_admin = p_user and p_disabled then
    raise exception 'an administrator cannot disable their own account' using errcode = 'RLA14';
  end if;
  update users set disabled = p_disabled where id = p_user returning * into v_row;
  -- a disabled owner's agents leave the leaderboards
  perform emit_event('leaderboard.changed', jsonb_build_object('environment', e))
  from (select distinct environment_id as e from agents where owner_id = p_user and deleted_at is null) x;
  return v_row;
end $$;
comment on function set_user_disabled(uuid, uuid, boolean) is 'Admin: disables or re-enables a user (a disabled user''s agents are not paired and leave the leaderboards; disabling ends their sessions).';

create or replace function set_user_role(p_admin uuid, p_user uuid, p_role text) returns users
language plpgsql volatile as $$
declare
  v_row users;
begin
  perform require_admin(p_admin);
  perform user_by_id(p_user);
  if p_role is null or p_role not in ('user', 'admin') then
    raise exception 'role "%" does not exist (user or admin)', p_role using errcode = 'RLA01';
  end if;
  if p_admin = p_user and p_role <> 'admin' then
    raise exception 'an administrator cannot remove their own admin role' using errcode = 'RLA14';
  end if;
  update users set role = p_role where id = p_user returning * into v_row;
  return v_row;
end $$;
comment on function set_user_role(uuid, uuid, text) is 'Admin: makes a user an administrator or a plain user (a demotion ends their sessions).';

create or replace function grant_admin(p_identifier text) returns users
language plpgsql volatile as $$
declare
  v_row users;
begin
  select * into v_row from user_by_login(p_identifier);
  if v_row.id is null then
    raise exception 'no user has the username or email "%"', p_identifier using errcode = 'RLA10';
  end if;
  update users set role = 'admin' where id = v_row.id returning * into v_row;
  return v_row;
end $$;
comment on function grant_admin(text) is 'Operator bootstrap (CLI / psql, no caller check): makes the user with this username or email an administrator.';

create or replace view user_accounts as
  select id, username, email, role, disabled, created_at from users;
comment on view user_accounts is 'Accounts without their secrets (password hash, session epoch): the admin page''s user list.';

create or replace function public_user(p_username text) returns table (id uuid, username text)
language sql stable as $$
  select u.id, u.username from users u where lower(u.username) = lower(p_username) and not u.disabled
$$;
comment on function public_user(text) is 'The user a public profile page shows (/users/:name, any letter case); no row for an unknown or disabled user.';

create or replace function arena_private.sees_private(p_viewer uuid, p_owner uuid) returns boolean
language sql stable as $$
  -- One expression, so the planner inlines it into the queries that filter rows with it.
  select exists (select 1 from users u where u.id = p_viewer and not u.disabled and (u.id = p_owner or u.role = 'admin'))
$$;
comment on function arena_private.sees_private(uuid, uuid) is 'Whether p_viewer may read what is private to user p_owner (build logs, the right to act on their agents): p_owner themself or an admin, enabled either way.';

-- Sessions. A token carries users.session_epoch and a random session id (src/web/http/authentication.ts);
-- live_session() is the one check every request makes. The epoch rises whenever the user
-- loses power or a secret changes, whoever makes the change (these functions, an operator's
-- UPDATE in psql): disabling, demotion from admin, a new password hash. Promotion and
-- re-enabling leave it: they take nothing away, and roles are read from here on every request.
create or replace function end_sessions_on_lost_power() returns trigger
language plpgsql as $$
begin
  if (new.disabled and not old.disabled)
     or (old.role = 'admin' and new.role <> 'admin')
     or new.password_hash is distinct from old.password_hash then
    new.session_epoch := old.session_epoch + 1;
  end if;
  return new;
end $$;
create or replace trigger users_end_sessions before update of disabled, role, password_hash on users
  for each row execute function end_sessions_on_lost_power();

create or replace function live_session(p_user uuid, p_epoch integer, p_session uuid)
returns table (id uuid, username text, role text)
language sql stable as $$
  select u.id, u.username, u.role from users u
  where u.id = p_user and u.session_epoch = p_epoch and not u.disabled
    and not exists (select 1 from revoked_sessions r where r.session_id = p_session)
$$;
comment on function live_session(uuid, integer, uuid) is 'The user a session token speaks for (id, username, current role), or no row when the user is gone or disabled, the token''s epoch is not the user''s current one, or the session was logged out.';

create or replace function end_session(p_user uuid, p_session uuid, p_expires_at timestamptz) returns void
language plpgsql volatile as $$
begin
  perform user_by_id(p_user);
  insert into revoked_sessions (session_id, user_id, expires_at) values (p_session, p_user, p_expires_at)
  on conflict (session_id) do nothing;
  -- Tokens past their expiry are refused anyway: their revocations can go (an index range scan).
  delete from revoked_sessions where expires_at < arena_now();
end $$;
comment on function end_session(uuid, uuid, timestamptz) is 'Log out: the session p_session of p_user ends now (kept revoked until p_expires_at, when its token expires).';

create or replace function end_all_sessions(p_user uuid) returns users
language plpgsql volatile as $$
declare
  v_row users;
begin
  perform user_by_id(p_user);
  update users set session_epoch = session_epoch + 1 where id = p_user returning * into v_row;
  delete from revoked_sessions where user_id = p_user; -- the epoch now refuses all of them
  return v_row;
end $$;
comment on function end_all_sessions(uuid) is 'Log out everywhere: every session token of p_user issued so far stops working. Returns the row with the new session_epoch.';

create or replace function set_password(p_user uuid, p_current_hash text, p_new_hash text) returns users
language plpgsql volatile as $$
declare
  v_row users;
begin
  select * into v_row from users where id = p_user for update;
  if not found then
    raise exception 'user % does not exist', p_user using errcode = 'RLA10';
  end if;
  if v_row.disabled then
    raise exception 'user "%" is disabled and cannot change their password', v_row.username using errcode = 'RLA13';
  end if;
  if coalesce(p_new_hash, '') = '' then
    raise exception 'a password hash is required' using errcode = 'RLA01';
  end if;
  -- The application verified the current password against p_current_hash; a different stored
  -- hash means another change won the race, and this one must be checked again.
  if v_row.password_hash is distinct from p_current_hash then
    raise exception 'the password of "%" changed while this change was being checked; try again', v_row.username
      using errcode = 'RLA16';
  end if;
  update users set password_hash = p_new_hash where id = p_user returning * into v_row; -- the trigger raises the epoch
  return v_row;
end $$;
comment on function set_password(uuid, text, text) is 'Stores a new password hash for p_user, who proved the current password (the hash it was checked against is p_current_hash; RLA16 when it changed meanwhile). Ends every other session (new session_epoch); disabled users: RLA13.';
