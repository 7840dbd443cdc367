//! How many rows a workspace holds, for deciding a run: every table in one
//! query. A workspace's rows are counted exactly up to 300,000
//! per table; beyond that a `TABLESAMPLE` of the table's pages estimates
//! them (the smart rule caps a run at 1,000 orders whether a store has
//! 300,000 or 1,000,000). Each count comes with the rows the tool did not
//! generate: the smart rule scales those (runs do not compound). Nothing
//! asks the server for rows it does not need.

use std::collections::HashMap;

use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
use crate::platforms::store::analysis::{literal, quote};

/// Workspaces with up to this many rows in a table are counted exactly; a
/// larger one is estimated from a sample (when the table is large too).
const EXACT_UP_TO: f64 = 300_000.0;
/// Rows a sampled count reads, about.
const SAMPLED_ROWS: f64 = 100_000.0;

/// One query counting the workspace's rows of every table: exact for small
/// tables, estimated for large ones (None when no table is planned). The
/// sample's share is worked out in SQL from the table's size (pg_class), so
/// the count costs one round trip.
pub fn workspace_rows_sql(tables: &[&'static TableSpec], plans: &HashMap<&'static str, ColumnPlan>, ws: &str) -> Option<String> {
    let parts: Vec<String> = tables
        .iter()
        .filter_map(|t| plans.get(t.name).map(|p| (t, p)))
        .map(|(t, plan)| {
            let (from, ws_filter) = (format!("semantic.{} x", quote(t.name)), format!("x.{} = {}", quote(&plan.tenant_column), literal(ws)));
            // Up to EXACT_UP_TO of the workspace's rows are counted through
            // the primary key (tenant first); past that, a page sample of the
            // whole table stands for it, sized from reltuples (-1 for a table
            // never analysed: the whole table then).
            let percent = format!(
                "(select least(100, greatest(0.01, 100 * {SAMPLED_ROWS} / greatest(c.reltuples, 1)))::float8 from pg_class c where c.oid = 'semantic.{}'::regclass and c.reltuples > {EXACT_UP_TO})",
                quote(t.name).replace('\'', "''")
            );
            let marker = format!("x.{}", quote(&plan.marker_column));
            let real = format!("not {}", plan.marker_kind.sql_is_generated(&marker));
            format!(
                "select {name} as t, case when c.n <= {cap} then c.n::float8 else e.n end as n, case when c.n <= {cap} then c.r::float8 else e.r end as r \
                 from (select count(*) as n, count(*) filter (where {real}) as r from (select {marker} from {from} where {ws_filter} limit {limit}) x) c \
                 left join lateral (select count(*)::float8 * 100 / coalesce({percent}, 100) as n, (count(*) filter (where {real}))::float8 * 100 / coalesce({percent}, 100) as r \
                   from {from} tablesample system (coalesce({percent}, 100)) where {ws_filter} and c.n > {cap}) e on true",
                name = literal(t.name),
                cap = EXACT_UP_TO as u64,
                limit = EXACT_UP_TO as u64 + 1,
            )
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" union all "))
}

/// The counts in `workspace_rows_sql`'s answer, by table: every row of the
/// workspace, and its real rows (those the tool did not generate).
pub fn parse_workspace_rows(
    tables: &[&'static TableSpec],
    answer: &serde_json::Value,
) -> (HashMap<&'static str, u64>, HashMap<&'static str, u64>) {
    let (mut all, mut real) = (HashMap::new(), HashMap::new());
    for t in tables {
        if let Some(r) = answer.as_array().into_iter().flatten().find(|r| r["t"] == t.name) {
            let n = r["n"].as_f64().unwrap_or(0.0).round() as u64;
            all.insert(t.name, n);
            real.insert(t.name, r["r"].as_f64().map_or(n, |r| r.round() as u64));
        }
    }
    (all, real)
}
