//! Finding, counting and removing a run's rows. Every operation is scoped
//! twice: to the workspace (tenant_id) and to keys the tool generated, so it
//! cannot reach a row the tool did not create.

use std::collections::BTreeMap;

use crate::core::keys::{RunId, Scope};
use crate::core::time::{Seconds, parse_instant};
use crate::error::Result;
use crate::model::plan::ColumnPlan;
use crate::platforms::store::analysis::{literal, quote};
use crate::supabase::client::{Client, Filter};
use crate::supabase::transport::Transport;

/// Rows per delete request: well inside Supabase's 8 s statement timeout.
const DELETE_ROWS: u64 = 20_000;

/// The workspace filter plus the key filters of `scope`.
pub fn filters(plan: &ColumnPlan, workspace: &str, scope: Scope, seqs: Option<(u64, u64)>) -> Vec<Filter> {
    let mut out = vec![Filter::eq(&plan.tenant_column, workspace)];
    out.extend(plan.marker_kind.filters(scope, seqs).into_iter().map(|(op, v)| Filter::new(&plan.marker_column, op, v)));
    out
}

pub fn count<T: Transport>(client: &mut Client<T>, plan: &ColumnPlan, workspace: &str, scope: Scope) -> Result<u64> {
    client.count(plan.spec.name, &filters(plan, workspace, scope, None))
}

/// One run as seen in one table.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRows {
    pub rows: u64,
    pub first: Option<Seconds>,
    pub last: Option<Seconds>,
}

/// The runs that have rows in a table, with their row counts and times.
pub fn runs_in<T: Transport>(client: &mut Client<T>, plan: &ColumnPlan, workspace: &str) -> Result<BTreeMap<RunId, RunRows>> {
    let marker = format!("t.{}", quote(&plan.marker_column));
    let tenant = quote(&plan.tenant_column);
    let (first, last) = match &plan.created_column {
        Some(c) => (format!("min(t.{})", quote(c)), format!("max(t.{})", quote(c))),
        None => ("null".into(), "null".into()),
    };
    let sql = format!(
        "select {run} as run, count(*) as n, {first} as first, {last} as last from semantic.{table} t where t.{tenant} = {ws} and {generated} group by 1",
        run = plan.marker_kind.sql_run_number(&marker),
        table = quote(plan.spec.name),
        ws = literal(workspace),
        generated = plan.marker_kind.sql_is_generated(&marker),
    );
    let answer = client.select(workspace, &sql)?;
    let mut runs = BTreeMap::new();
    for r in answer.as_array().into_iter().flatten() {
        let Some(run) = r["run"].as_u64().and_then(|n| RunId::new(n as u32)) else { continue };
        runs.insert(
            run,
            RunRows {
                rows: r["n"].as_u64().unwrap_or(0),
                first: r["first"].as_str().and_then(parse_instant),
                last: r["last"].as_str().and_then(parse_instant),
            },
        );
    }
    Ok(runs)
}

/// Deletes one run's rows from one table, in chunks of key ranges; returns
/// how many there were. `progress` hears of each chunk (rows so far).
pub fn delete_run<T: Transport>(
    client: &mut Client<T>,
    plan: &ColumnPlan,
    workspace: &str,
    run: RunId,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64> {
    let table = plan.spec.name;
    let scope = Scope::Run(run);
    let rows = client.count(table, &filters(plan, workspace, scope, None))?;
    if rows == 0 {
        return Ok(0);
    }
    let top = client.max_value(table, &plan.marker_column, &filters(plan, workspace, scope, None))?;
    let max_seq = top.and_then(|k| plan.marker_kind.decode(&k)).map_or(0, |(_, seq)| seq);
    // Several rows can share a marker (a keyword's daily rows): size chunks by rows.
    let keys = max_seq + 1;
    let step = (DELETE_ROWS * keys / rows).max(1);
    let mut lo = 0;
    while lo <= max_seq {
        let hi = lo.saturating_add(step);
        client.delete(table, &filters(plan, workspace, scope, Some((lo, hi))))?;
        progress((rows * hi.min(keys) / keys).min(rows), rows);
        lo = hi;
    }
    let left = client.count(table, &filters(plan, workspace, scope, None))?;
    if left > 0 {
        // Keys past the highest one seen: rows written while deleting.
        client.delete(table, &filters(plan, workspace, scope, None))?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::LiveColumn;
    use crate::platforms::Platform;
    use crate::platforms::shopify::SHOPIFY;
    use crate::supabase::transport::{FakeTransport, Method, Response, response};
    use std::collections::HashMap;

    fn orders_plan() -> ColumnPlan {
        let spec = SHOPIFY.tables()[4];
        let live = vec![
            LiveColumn { name: "tenant_id".into(), data_type: "text".into(), nullable: false, has_default: false },
            LiveColumn { name: "order_id".into(), data_type: "text".into(), nullable: false, has_default: false },
            LiveColumn { name: "created_at".into(), data_type: "timestamp with time zone".into(), nullable: true, has_default: false },
        ];
        ColumnPlan::new(spec, &live, &HashMap::new()).unwrap()
    }

    #[test]
    fn deletes_are_scoped_to_workspace_and_run_and_chunked() {
        let run = RunId::new(3).unwrap();
        let mut counts = vec![0u64, 45_000].into_iter();
        let t = FakeTransport::new(move |r| {
            Ok(match r.method {
                Method::Head => Response {
                    status: 200,
                    headers: vec![("content-range".into(), format!("*/{}", counts.next_back().unwrap_or(0)))],
                    body: vec![],
                },
                Method::Get => response(200, r#"[{"order_id":"mock-00003-0000044999"}]"#),
                _ => response(204, ""),
            })
        });
        let mut c = Client::new(t, "http://h", "local");
        let mut reports = Vec::new();
        let n = delete_run(&mut c, &orders_plan(), "ws", run, &mut |d, t| reports.push((d, t))).unwrap();
        assert_eq!(n, 45_000);
        let deletes: Vec<&str> = c.transport.seen.iter().filter(|r| r.method == Method::Delete).map(|r| r.url.as_str()).collect();
        assert_eq!(deletes.len(), 3);
        for url in &deletes {
            assert!(url.contains("tenant_id=eq.ws"), "{url}");
            assert!(url.contains("order_id=match.%5Emock-00003-%5B0-9%5D%7B10%7D%24"), "{url}");
        }
        assert!(deletes[0].contains("gte.mock-00003-0000000000") && deletes[0].contains("lt.mock-00003-0000020000"));
        assert_eq!(reports.last(), Some(&(45_000, 45_000)));
    }
}
