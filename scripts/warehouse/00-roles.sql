-- Supabase-style roles for the local warehouse. Idempotent.
-- authenticator is the role the REST server logs in as; it switches to the
-- role named in the request's JWT (anon, authenticated or service_role).
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  -- Owns run_select_ws: subject to row-level security, read-only grants.
  if not exists (select 1 from pg_roles where rolname = 'workspace_reader') then
    create role workspace_reader nologin noinherit;
  end if;
end $$;

grant anon, authenticated, service_role to authenticator;

-- Every statement the REST server runs ends within 5 minutes: a query
-- through run_select_ws cannot run for ever. A setting of the login role, so
-- it holds for every role it switches to. Generous on purpose: clean deletes
-- a run's rows of a table in one statement (Supabase's own limit is 8 s).
alter role authenticator set statement_timeout = '300s';
