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

-- Every statement the REST server runs ends within a minute, the limit
-- run_select_ws sets for itself (which PostgreSQL before 17 cannot apply to
-- the statement already running): a query through it cannot run for ever or
-- hold locks that later DDL queues behind. A setting of the login role, so it
-- holds for every role it switches to, as long as the REST server logs in as
-- authenticator (scripts/local-warehouse makes sure). Clean deletes in chunks
-- of at most 20,000 rows, well inside it (Supabase's own limit is 8 s).
alter role authenticator set statement_timeout = '60s';
-- The same limit for the role the REST server switches to: PostgREST (and
-- postrust) apply it anew to each request's transaction, so no session
-- setting left on a pooled connection can lift it.
alter role service_role set statement_timeout = '60s';
