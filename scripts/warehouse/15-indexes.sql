-- An index behind every foreign key, as Supabase's database advisor asks
-- (unindexed foreign keys): without one, deleting a parent row makes
-- PostgreSQL scan each referencing table, and removing a run's orders scans
-- its order lines and pixel events once per order. The tool does not rely
-- on these (a real warehouse may lack them); they keep the local one fast.
-- Idempotent; names come from the constraint, shortened to fit.
do $$
declare r record;
begin
  for r in
    select c.conrelid::regclass as t, c.conname,
           string_agg(quote_ident(a.attname), ', ' order by k.ord) as cols
    from pg_constraint c
    cross join lateral unnest(c.conkey) with ordinality as k(attnum, ord)
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
    where c.contype = 'f' and c.connamespace = 'semantic'::regnamespace
    group by 1, 2
  loop
    execute format('create index if not exists %I on %s (%s)', 'fk_' || left(md5(r.conname), 20), r.t, r.cols);
  end loop;
end $$;
