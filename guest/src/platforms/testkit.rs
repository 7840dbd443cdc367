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
        real: &counts,
    };
    platform.analyse(&cx, &mut |_| Ok(serde_json::json!([]))).expect("analysis of an empty workspace")
}

/// Every table's rows as JSON objects, by table name.
pub fn rows(
    platform: &dyn Platform,
    generation: &dyn Generation,
    plans: &HashMap<&'static str, ColumnPlan>,
) -> HashMap<&'static str, Vec<serde_json::Value>> {
    let mut out = HashMap::new();
    for spec in platform.tables() {
        let plan = &plans[spec.name];
        let mut rows = Vec::new();
        generation
            .stream(spec, &mut |row| {
                rows.push(json_row(plan, row)?);
                Ok(())
            })
            .expect("generation streams");
        out.insert(spec.name, rows);
    }
    out
}

/// A row as the warehouse would get it, parsed back.
pub fn json_row(plan: &ColumnPlan, row: &Row) -> crate::error::Result<serde_json::Value> {
    let mut buf = Vec::new();
    plan.write_row(row, b"\"ws\"", RunId::new(7).unwrap(), &mut buf)?;
    Ok(serde_json::from_slice(&buf).expect("rows are JSON"))
}

/// Streams every table into JSON batches, as a dry run does, and returns
/// the number of rows (for benchmarks: no parsing, no storage).
pub fn stream_all(platform: &dyn Platform, generation: &dyn Generation, plans: &HashMap<&'static str, ColumnPlan>) -> u64 {
    steps(platform, generation).iter().map(|step| stream_step(step, generation, plans)).sum()
}

/// The platform's tables in the steps a run streams them (`writer::steps`).
pub fn steps(platform: &dyn Platform, generation: &dyn Generation) -> Vec<Vec<&'static TableSpec>> {
    crate::service::writer::steps(platform.tables(), &generation.together(), &HashMap::new())
}

/// One step's rows (see `steps`) written into 1 MB JSON buffers and dropped.
pub fn stream_step(step: &[&'static TableSpec], generation: &dyn Generation, plans: &HashMap<&'static str, ColumnPlan>) -> u64 {
    if let [spec] = step {
        return stream_table(spec, generation, &plans[spec.name]);
    }
    let mut scratch = Scratch::new();
    let mut rounds = generation.rounds(step).expect("tables the generation streams together");
    let units = crate::service::writer::round_units(crate::service::generate::DEFAULT_BATCH);
    while rounds.next(units, &mut |i, row: &Row| scratch.write(&plans[step[i].name], row)).expect("generation streams") {}
    scratch.rows
}

/// One table's rows written into 1 MB JSON buffers and dropped.
pub fn stream_table(spec: &TableSpec, generation: &dyn Generation, plan: &ColumnPlan) -> u64 {
    let mut scratch = Scratch::new();
    generation.stream(spec, &mut |row: &Row| scratch.write(plan, row)).expect("generation streams");
    scratch.rows
}

/// Rows written as a run writes them, into a buffer emptied at 1 MB, and counted.
struct Scratch {
    buffer: Vec<u8>,
    rows: u64,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch { buffer: Vec::with_capacity(1 << 20), rows: 0 }
    }

    fn write(&mut self, plan: &ColumnPlan, row: &Row) -> crate::error::Result<()> {
        plan.write_row(row, b"\"ws\"", RunId::new(7).unwrap(), &mut self.buffer)?;
        self.rows += 1;
        if self.buffer.len() > (1 << 20) - 4096 {
            self.buffer.clear();
        }
        Ok(())
    }
}
