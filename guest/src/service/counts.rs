//! How many rows a workspace holds, for deciding a run: every table in two
//! round trips, in SQL. A workspace's rows are counted exactly up to 300,000
//! per table; beyond that a `TABLESAMPLE` of the table's pages estimates
//! them (the smart rule caps a run at 1,000 orders whether a store has
//! 300,000 or 1,000,000). Nothing asks the server for rows it does not need.

use std::collections::HashMap;

use crate::error::Result;
use crate::model::plan::ColumnPlan;
use crate::model::table::TableSpec;
use crate::platforms::store::analysis::{literal, quote};
use crate::supabase::client::Client;
use crate::supabase::transport::Transport;

/// Workspaces with up to this many rows in a table are counted exactly; a
/// larger one is estimated from a sample (when the table is large too).
const EXACT_UP_TO: f64 = 300_000.0;
/// Rows a sampled count reads, about.
const SAMPLED_ROWS: f64 = 100_000.0;

/// Rows of each table in the workspace: exact for small tables, estimated
/// for large ones.
pub fn workspace_rows<T: Transport>(
    client: &mut Client<T>,
    tables: &[&'static TableSpec],
    plans: &HashMap<&'static str, ColumnPlan>,
    ws: &str,
) -> Result<HashMap<&'static str, u64>> {
    let names: Vec<String> = tables.iter().map(|t| literal(t.name)).collect();
    let sizes = client.select(
        ws,
        &format!(
            "select c.relname as t, c.reltuples::float8 as n from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = 'semantic' and c.relname in ({})",
            names.join(", ")
        ),
    )?;
    let size = |name: &str| sizes.as_array().into_iter().flatten().find(|r| r["t"] == name).and_then(|r| r["n"].as_f64()).unwrap_or(-1.0);
    let parts: Vec<String> = tables
        .iter()
        .filter_map(|t| plans.get(t.name).map(|p| (t, p)))
        .map(|(t, plan)| {
            let (from, ws_filter) = (format!("semantic.{} x", quote(t.name)), format!("x.{} = {}", quote(&plan.tenant_column), literal(ws)));
            // Up to EXACT_UP_TO of the workspace's rows are counted through
            // the primary key (tenant first); past that, a page sample of the
            // whole table stands for it. reltuples is -1 for a table never
            // analysed: no sampling then.
            let n = size(t.name);
            let percent = if n > EXACT_UP_TO { (100.0 * SAMPLED_ROWS / n).clamp(0.01, 100.0) } else { 100.0 };
            format!(
                "select {name} as t, case when c.n <= {cap} or {percent} >= 100 then c.n::float8 else (select count(*) from {from} tablesample system ({percent:.4}) where {ws_filter})::float8 * {scale} end as n \
                 from (select count(*) as n from (select 1 from {from} where {ws_filter} limit {limit}) s) c",
                name = literal(t.name),
                cap = EXACT_UP_TO as u64,
                limit = EXACT_UP_TO as u64 + 1,
                scale = 100.0 / percent,
            )
        })
        .collect();
    let mut out = HashMap::new();
    if parts.is_empty() {
        return Ok(out);
    }
    let answer = client.select(ws, &parts.join(" union all "))?;
    for t in tables {
        if let Some(r) = answer.as_array().into_iter().flatten().find(|r| r["t"] == t.name) {
            out.insert(t.name, r["n"].as_f64().unwrap_or(0.0).round() as u64);
        }
    }
    Ok(out)
}
