-- Grants, row-level security and the agent RPCs, as Supabase sets them up:
-- service_role bypasses RLS and may write; authenticated users and
-- run_select_ws see only their workspace's rows. Idempotent.

grant usage on schema semantic to anon, authenticated, service_role, workspace_reader;
grant usage on schema public to anon, authenticated, service_role, workspace_reader;
grant select, insert, update, delete on all tables in schema semantic to service_role;
grant select on all tables in schema semantic to authenticated, workspace_reader;

do $$
declare t record;
begin
  for t in select tablename from pg_tables where schemaname = 'semantic' loop
    execute format('alter table semantic.%I enable row level security', t.tablename);
    execute format('drop policy if exists workspace_rows on semantic.%I', t.tablename);
    -- The workspace is the JWT's workspace_id claim for users, and the
    -- argument of run_select_ws for agent queries.
    execute format($p$create policy workspace_rows on semantic.%I for select
      to authenticated, workspace_reader
      using (tenant_id = coalesce(nullif(current_setting('bustly.workspace_id', true), ''),
                                  current_setting('request.jwt.claims', true)::jsonb ->> 'workspace_id'))$p$,
      t.tablename);
  end loop;
end $$;

-- The tables an agent may query, with their descriptions.
create or replace function public.get_agent_available_tables()
returns table (table_name text, description text)
language sql stable
set search_path = pg_catalog
as $$
  select 'semantic.' || c.relname, obj_description(c.oid, 'pg_class')
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'semantic' and c.relkind in ('r', 'v', 'm', 'p')
  order by 1
$$;

-- The live columns of one table (schema-qualified or bare, bare meaning
-- `semantic`), in column order.
create or replace function public.get_agent_table_schema(p_table_name text)
returns table (column_name text, data_type text, is_nullable boolean, column_default text, description text)
language plpgsql stable
set search_path = pg_catalog
as $$
declare
  v_schema text := coalesce(nullif(split_part(p_table_name, '.', 2), ''), null);
  v_table text;
begin
  if v_schema is null then
    v_schema := 'semantic';
    v_table := p_table_name;
  else
    v_schema := split_part(p_table_name, '.', 1);
    v_table := split_part(p_table_name, '.', 2);
  end if;
  return query
    select c.column_name::text, c.data_type::text, c.is_nullable = 'YES', c.column_default::text,
           col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position::int)
    from information_schema.columns c
    where c.table_schema = v_schema and c.table_name = v_table
    order by c.ordinal_position;
end
$$;

-- One read-only SELECT/WITH query, scoped to a workspace by row-level
-- security: it runs as workspace_reader, which can only read, and only the
-- rows whose tenant_id is p_workspace_id. What a real warehouse's
-- run_select_ws must do as well (README, "Threat model"):
-- - run exactly one statement, by construction: the query is opened as a
--   cursor, and PostgreSQL refuses to open a cursor over several statements
--   or over anything but a query (no pattern to get round);
-- - make the transaction read-only first: nothing the query calls can write,
--   change an object (the function itself included) or switch back; and run
--   the query in a subtransaction that is always rolled back, which undoes
--   what read-only lets through (large objects, notifications, settings
--   changed for the session);
-- - clear every request.* setting first: PostgREST puts the request's
--   headers (the service key among them), JWT claims and cookies there, and
--   any query could read them back with current_setting(); likewise any
--   setting whose name says it holds a secret (app.settings.jwt_secret);
-- - run within a time limit: the function sets its own (60 s), which
--   PostgreSQL 17 enforces at once (transaction_timeout); before 17 a limit
--   set inside a function does not stop the running statement, so the REST
--   login role carries the same one (00-roles.sql; Supabase sets one too);
-- - resolve names in pg_catalog first and pg_temp last (security definer).
create or replace function public.run_select_ws(p_query text, p_workspace_id text)
returns jsonb
language plpgsql
security definer
set search_path = pg_catalog, semantic, pg_temp
as $$
declare
  v_query text := regexp_replace(btrim(p_query), ';\s*$', '');
  v_setting text;
  v_rows jsonb;
  v_cursor refcursor;
begin
  perform set_config('transaction_read_only', 'on', true);
  perform set_config('statement_timeout', '60s', true);
  if current_setting('server_version_num')::int >= 170000 then
    perform set_config('transaction_timeout', '60s', true);
  end if;
  if v_query !~* '^(select|with)\s' then
    raise exception 'run_select_ws accepts only SELECT or WITH queries' using errcode = '42501';
  end if;
  if coalesce(p_workspace_id, '') = '' then
    raise exception 'run_select_ws needs a workspace id' using errcode = '22023';
  end if;
  -- PostgREST v10+ names; before v10 one setting per header and claim.
  foreach v_setting in array array['request.headers', 'request.jwt.claims', 'request.cookies',
      'request.header.apikey', 'request.header.authorization', 'request.header.cookie',
      'request.jwt.claim.role', 'request.jwt.claim.sub', 'request.jwt.claim.email'] loop
    perform set_config(v_setting, '', true);
  end loop;
  for v_setting in select name from pg_settings
      where name like 'request.%' or (name like '%.%' and name ~* '(secret|password|passwd|token|apikey|api_key|private|credential|_key$)') loop
    perform set_config(v_setting, '', true);
  end loop;
  perform set_config('bustly.workspace_id', p_workspace_id, true);
  -- The query runs in a subtransaction that always ends in an error the
  -- function raises itself, and is rolled back: whatever it did is undone
  -- (large objects, which a read-only transaction still lets through; a
  -- notification; a setting changed for the whole session, such as
  -- statement_timeout on a pooled REST connection). The rows are kept in
  -- the variable, which a rollback does not touch.
  begin
    -- The newline keeps a trailing comment from swallowing the closing parenthesis.
    open v_cursor for execute format(E'select coalesce(jsonb_agg(q), ''[]''::jsonb) from (%s\n) q', v_query);
    fetch v_cursor into v_rows;
    close v_cursor;
    raise sqlstate 'P0R01';
  exception
    when sqlstate 'P0R01' then
      null;
    when invalid_cursor_definition then
      raise exception 'run_select_ws accepts one statement: a single SELECT or WITH query' using errcode = '42601';
  end;
  -- Session-level advisory locks are not rolled back: none outlives the call.
  perform pg_advisory_unlock_all();
  return v_rows;
end
$$;
alter function public.run_select_ws(text, text) owner to workspace_reader;

revoke all on function public.run_select_ws(text, text) from public;
revoke all on function public.get_agent_table_schema(text) from public;
revoke all on function public.get_agent_available_tables() from public;
-- It takes any workspace id: only the service role (the tool, through the
-- host) may call it; users read their own workspace through RLS.
revoke execute on function public.run_select_ws(text, text) from authenticated, anon;
grant execute on function public.run_select_ws(text, text) to service_role;
grant execute on function public.get_agent_table_schema(text) to authenticated, service_role;
grant execute on function public.get_agent_available_tables() to authenticated, service_role;
