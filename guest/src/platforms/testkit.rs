//! Helpers for tests and benchmarks: plans straight from table specs, and a
//! platform's rows generated in memory, as the warehouse would receive them.

use std::collections::HashMap;

use crate::core::keys::RunId;
use crate::core::strategy::Strategy;
use crate::model::plan::{ColumnPlan, LiveColumn};
use crate::model::row::Row;
use crate::model::table::{FieldKind, TableSpec};
use crate::platforms::{AnalysisContext, Generation, Platform};

/// Live columns for a spec: every field, nullable unless it is a key.
pub fn live_columns(spec: &TableSpec, key: &str) -> Vec<LiveColumn> {
    spec.fields
        .iter()
        .map(|f| LiveColumn {
            name: f.name.to_string(),
            data_type: match f.kind {
                FieldKind::Key | FieldKind::Ref { .. } => key,
                FieldKind::Tenant | FieldKind::Text => "text",
                FieldKind::Int => "bigint",
                FieldKind::Money | FieldKind::Decimal => "numeric",
                FieldKind::Time => "timestamp with time zone",
                FieldKind::Date => "date",
                FieldKind::Bool => "boolean",
                FieldKind::Json => "jsonb",
            }
            .to_string(),
            nullable: f.kind != FieldKind::Key && f.kind != FieldKind::Tenant,
            has_default: false,
        })
        .collect()
}

pub fn plans(platform: &dyn Platform, key: &str) -> HashMap<&'static str, ColumnPlan> {
    let mut kinds = HashMap::new();
    let mut plans = HashMap::new();
    for spec in platform.tables() {
        let plan = ColumnPlan::new(spec, &live_columns(spec, key), &kinds).expect("specs plan");
        kinds.insert(spec.name, plan.marker_kind);
        plans.insert(spec.name, plan);
    }
    plans
}

/// Analyses an empty workspace and returns the generation.
pub fn generation(
    platform: &'static dyn Platform,
    seed: u64,
    orders: u64,
    plans: &HashMap<&'static str, ColumnPlan>,
) -> Box<dyn Generation> {
    let counts = HashMap::new();
    let cx = AnalysisContext {
        workspace: "ws",
        seed,
        run_seed: seed,
        run: RunId::new(7).unwrap(),
        strategy: Strategy::Smart,
        forced: Some(orders),
        as_of: 1_780_000_000 - 1_780_000_000 % 86_400,
        plans,
        counts: &counts,
    };
    platform.analyse(&cx, &mut |_| Ok(serde_json::json!([]))).expect("analysis of an empty workspace")
}

/// Every table's rows as JSON objects, by table name.
pub fn rows(
    platform: &dyn Platform,
    generation: &dyn Generation,
    plans: &HashMap<&'static str, ColumnPlan>,
) -> HashMap<&'static str, Vec<serde_json::Value>> {
    let run = RunId::new(7).unwrap();
    let mut out = HashMap::new();
    for spec in platform.tables() {
        let plan = &plans[spec.name];
        let mut rows = Vec::new();
        generation
            .stream(spec, &mut |row| {
                let mut buf = Vec::new();
                plan.write_row(row, b"\"ws\"", run, &mut buf)?;
                rows.push(serde_json::from_slice(&buf).expect("rows are JSON"));
                Ok(())
            })
            .expect("generation streams");
        out.insert(spec.name, rows);
    }
    out
}

/// Streams every table into JSON batches, as a dry run does, and returns
/// the number of rows (for benchmarks: no parsing, no storage).
pub fn stream_all(platform: &dyn Platform, generation: &dyn Generation, plans: &HashMap<&'static str, ColumnPlan>) -> u64 {
    steps(platform, generation).iter().map(|step| stream_step(step, generation, plans)).sum()
}

/// The platform's tables in the steps a run streams them: one by one, but
/// the tables the generation drafts together in one step.
pub fn steps(platform: &dyn Platform, generation: &dyn Generation) -> Vec<Vec<&'static TableSpec>> {
    let together = generation.together();
    let mut steps: Vec<Vec<&'static TableSpec>> = Vec::new();
    for spec in platform.tables() {
        match steps.last_mut() {
            Some(step) if together.len() > 1 && together.iter().any(|t| std::ptr::eq(*t, *spec)) && std::ptr::eq(step[0], together[0]) => {
                step.push(spec)
            }
            _ => steps.push(vec![spec]),
        }
    }
    steps
}

/// One step's rows (see `steps`) written into 1 MB JSON buffers and dropped.
pub fn stream_step(step: &[&'static TableSpec], generation: &dyn Generation, plans: &HashMap<&'static str, ColumnPlan>) -> u64 {
    if step.len() == 1 {
        return stream_table(step[0], generation, &plans[step[0].name]);
    }
    let run = RunId::new(7).unwrap();
    let mut rows = 0;
    let mut buffer = Vec::with_capacity(1 << 20);
    let mut rounds = generation.rounds(step).expect("tables the generation streams together");
    while rounds
        .next(4000, &mut |i, row: &Row| {
            plans[step[i].name].write_row(row, b"\"ws\"", run, &mut buffer)?;
            rows += 1;
            if buffer.len() > (1 << 20) - 4096 {
                buffer.clear();
            }
            Ok(())
        })
        .expect("generation streams")
    {}
    rows
}

/// One table's rows written into 1 MB JSON buffers and dropped.
pub fn stream_table(spec: &TableSpec, generation: &dyn Generation, plan: &ColumnPlan) -> u64 {
    let run = RunId::new(7).unwrap();
    let mut rows = 0;
    let mut buffer = Vec::with_capacity(1 << 20);
    generation
        .stream(spec, &mut |row: &Row| {
            plan.write_row(row, b"\"ws\"", run, &mut buffer)?;
            rows += 1;
            if buffer.len() > (1 << 20) - 4096 {
                buffer.clear();
            }
            Ok(())
        })
        .expect("generation streams");
    rows
}
