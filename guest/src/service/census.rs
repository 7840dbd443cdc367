//! What each table holds for a workspace, in one query for many tables:
//! the workspace's rows (for status) and, per run of this tool, the rows,
//! their first and last creation time and the highest key (for status and
//! clean). Aggregated in the database (`run_select_ws`): no row leaves it,
//! and counts are exact.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as Json;

use crate::core::keys::{KeyKind, RunId, Scope};
use crate::core::time::parse_instant;
use crate::model::plan::ColumnPlan;
use crate::platforms::store::analysis::{literal, quote};
use crate::service::runs::RunRows;

/// One table as the census saw it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableCensus {
    /// The workspace's rows (when asked for).
    pub total: Option<u64>,
    /// Rows whose keys the tool made.
    pub generated: u64,
    pub runs: BTreeMap<RunId, RunRows>,
}

/// Every table's census, by table name.
pub type Census = HashMap<&'static str, TableCensus>;

/// What to count besides each run's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Want {
    /// The generated rows of every run, or of one.
    pub scope: Scope,
    /// The workspace's rows per table (status).
    pub totals: bool,
    /// Each run's first and last creation time (status).
    pub times: bool,
    /// Each run's highest key (clean: its key ranges).
    pub tops: bool,
}

/// The query for `plans` (any number of tables); None for no tables. A
/// union of per-table aggregates: a `run` of null is a table's total.
pub fn sql(plans: &[&ColumnPlan], workspace: &str, want: Want) -> Option<String> {
    let ws = literal(workspace);
    let mut parts = Vec::new();
    for plan in plans {
        let table = literal(plan.spec.name);
        let from = format!("semantic.{} x where x.{} = {ws}", quote(plan.spec.name), quote(&plan.tenant_column));
        if want.totals {
            parts.push(format!(
                "select {table} as t, null::bigint as run, count(*) as n, null::jsonb as first, null::jsonb as last, null::jsonb as top from {from}"
            ));
        }
        let marker = format!("x.{}", quote(&plan.marker_column));
        let (first, last) = match (&plan.created_column, want.times) {
            (Some(c), true) => (format!("to_jsonb(min(x.{}))", quote(c)), format!("to_jsonb(max(x.{}))", quote(c))),
            _ => ("null::jsonb".into(), "null::jsonb".into()),
        };
        let top = match (want.tops, plan.marker_kind) {
            (false, _) => "null::jsonb".to_string(),
            // uuid has no max(); its canonical text sorts the same way.
            (true, KeyKind::Uuid) => format!("to_jsonb(max({marker}::text))"),
            (true, _) => format!("to_jsonb(max({marker}))"),
        };
        // One run needs no run number per row.
        let (run, generated, group) = match want.scope {
            Scope::AllRuns => (plan.marker_kind.sql_run_number(&marker), plan.marker_kind.sql_is_generated(&marker), "group by 2"),
            Scope::Run(r) => (format!("{}::bigint", r.get()), plan.marker_kind.sql_is_run(&marker, r), "having count(*) > 0"),
        };
        parts.push(format!(
            "select {table} as t, {run} as run, count(*) as n, {first} as first, {last} as last, {top} as top from {from} and {generated} {group}"
        ));
    }
    (!parts.is_empty()).then(|| parts.join(" union all "))
}

/// The census per table name from the query's answer; a table the answer
/// does not mention has nothing generated (and, asked for totals, no rows).
pub fn parse(answer: &Json, plans: &[&ColumnPlan], want: Want) -> Census {
    let mut out: Census =
        plans.iter().map(|p| (p.spec.name, TableCensus { total: want.totals.then_some(0), ..TableCensus::default() })).collect();
    for row in answer.as_array().into_iter().flatten() {
        let Some(census) = row["t"].as_str().and_then(|t| plans.iter().find(|p| p.spec.name == t)).and_then(|p| out.get_mut(p.spec.name))
        else {
            continue;
        };
        let n = row["n"].as_u64().unwrap_or(0);
        let Some(run) = row["run"].as_u64() else {
            census.total = Some(n);
            continue;
        };
        census.generated += n;
        // A key in the marked range with an impossible run number (0) is
        // counted as generated, as before, but is no run of ours.
        let Some(run) = u32::try_from(run).ok().and_then(RunId::new) else { continue };
        let plan = plans.iter().find(|p| Some(p.spec.name) == row["t"].as_str()).expect("found above");
        let top = match &row["top"] {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            _ => None,
        };
        census.runs.insert(
            run,
            RunRows {
                rows: n,
                first: row["first"].as_str().and_then(parse_instant),
                last: row["last"].as_str().and_then(parse_instant),
                max_seq: top.and_then(|k| plan.marker_kind.decode(&k)).map(|(_, seq)| seq),
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::layout;
    use crate::platforms::Platform;
    use crate::platforms::shopify::SHOPIFY;

    fn plan(i: usize) -> ColumnPlan {
        let spec = SHOPIFY.tables()[i];
        ColumnPlan::for_reading(spec, &layout::columns(spec.name), &HashMap::new()).unwrap()
    }

    #[test]
    fn one_query_covers_every_table_and_is_scoped_to_the_workspace() {
        let (orders, events) = (plan(4), plan(6));
        let status = Want { scope: Scope::AllRuns, totals: true, times: true, tops: false };
        let sql = sql(&[&orders, &events], "w's", status).unwrap();
        assert_eq!(sql.matches(" union all ").count(), 3, "a total and a per-run part per table: {sql}");
        assert_eq!(sql.matches("\"tenant_id\" = 'w''s'").count(), 4, "{sql}");
        assert!(sql.contains("semantic.\"dm_orders_shopify\"") && sql.contains("semantic.\"dm_shopify_pixel_events\""), "{sql}");
        assert!(!sql.contains(';'));
        assert!(sql.contains("min(x.\"created_at\")") && !sql.contains("max(x.\"order_id\")"), "times, no keys: {sql}");
        let clean = Want { scope: Scope::Run(RunId::new(42).unwrap()), totals: false, times: false, tops: true };
        let one = super::sql(&[&orders], "w", clean).unwrap();
        assert!(!one.contains("null::bigint as run"), "no totals unless asked: {one}");
        assert!(one.contains("'^mock-00042-[0-9]{10}$'") && one.contains("42::bigint as run"), "one run's keys only: {one}");
        assert!(one.contains("to_jsonb(max(x.\"order_id\"))") && !one.contains("min("), "keys, no times: {one}");
        assert_eq!(super::sql(&[], "w", status), None);
    }

    #[test]
    fn answers_become_totals_runs_and_highest_keys() {
        let (orders, events) = (plan(4), plan(6));
        let answer = serde_json::json!([
            {"t": "dm_orders_shopify", "run": null, "n": 50, "first": null, "last": null, "top": null},
            {"t": "dm_orders_shopify", "run": 42, "n": 30, "first": "2026-06-01T00:00:00+00:00", "last": "2026-06-30T10:00:00+00:00", "top": "mock-00042-0000000029"},
            {"t": "dm_orders_shopify", "run": 0, "n": 2, "first": null, "last": null, "top": "mock-00000-0000000001"},
            {"t": "dm_shopify_pixel_events", "run": 42, "n": 7, "first": null, "last": null, "top": "6d6f636b-6461-0000-002a-000000000006"},
        ]);
        let want = Want { scope: Scope::AllRuns, totals: true, times: true, tops: true };
        let c = parse(&answer, &[&orders, &events], want);
        let o = &c["dm_orders_shopify"];
        assert_eq!((o.total, o.generated), (Some(50), 32));
        let run = RunId::new(42).unwrap();
        assert_eq!(o.runs.len(), 1, "run 0 is no run");
        assert_eq!((o.runs[&run].rows, o.runs[&run].max_seq), (30, Some(29)));
        assert!(o.runs[&run].first.is_some() && o.runs[&run].last > o.runs[&run].first);
        let e = &c["dm_shopify_pixel_events"];
        assert_eq!((e.total, e.generated, e.runs[&run].max_seq), (Some(0), 7, Some(6)), "no total row: none");
    }
}
