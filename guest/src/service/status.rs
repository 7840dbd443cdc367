//! get_mock_data_status: per table, the workspace's rows and the rows this
//! tool created; and the runs those rows belong to.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::types::{RunSummary, StatusReport, TableStatus};
use crate::core::keys::{RunId, Scope};
use crate::core::time::{Seconds, format_timestamp};
use crate::error::Result;
use crate::service::runs::{filters, runs_in};
use crate::service::{Host, Purpose, platforms_for, read_plans};
use crate::supabase::client::{Client, Filter};
use crate::supabase::transport::Transport;

#[derive(Default)]
struct RunTotals {
    platforms: BTreeSet<&'static str>,
    rows: u64,
    first: Option<Seconds>,
    last: Option<Seconds>,
}

pub fn status<T: Transport>(host: &mut dyn Host, transport: T, platform: Option<&str>, environment: Option<&str>) -> Result<StatusReport> {
    let platforms = platforms_for(platform.unwrap_or("all"))?;
    let conn = host.connection(environment)?;
    let mut client = Client::new(transport, &conn.rest_url, &conn.environment);
    let mut warnings = Vec::new();
    let plans = read_plans(&mut client, &platforms, Purpose::Read, &mut warnings)?;
    let ws = &conn.workspace_id;
    let mut tables = Vec::new();
    let mut runs: BTreeMap<RunId, RunTotals> = BTreeMap::new();
    // Every table's rows and generated rows at once: one round trip each.
    let planned: Vec<(&'static dyn crate::platforms::Platform, &crate::model::plan::ColumnPlan)> =
        platforms.iter().flat_map(|p| p.tables().iter().filter_map(|t| plans.get(t.name)).map(move |plan| (*p, plan))).collect();
    let totals =
        client.counts(&planned.iter().map(|(_, plan)| (plan.spec.name, vec![Filter::eq(&plan.tenant_column, ws)])).collect::<Vec<_>>())?;
    let generated_counts =
        client.counts(&planned.iter().map(|(_, plan)| (plan.spec.name, filters(plan, ws, Scope::AllRuns, None))).collect::<Vec<_>>())?;
    for (((p, plan), total), generated) in planned.into_iter().zip(totals).zip(generated_counts) {
        if generated > 0 {
            for (run, rows) in runs_in(&mut client, plan, ws)? {
                let r = runs.entry(run).or_default();
                r.platforms.insert(p.name());
                r.rows += rows.rows;
                r.first = [r.first, rows.first].into_iter().flatten().min();
                r.last = [r.last, rows.last].into_iter().flatten().max();
            }
        }
        tables.push(TableStatus {
            table: plan.spec.qualified(),
            platform: p.name().to_string(),
            total_rows: total,
            generated_rows: generated,
        });
    }
    Ok(StatusReport {
        environment: conn.environment.clone(),
        workspace_id: ws.clone(),
        tables,
        runs: runs
            .into_iter()
            .map(|(run, r)| RunSummary {
                run_id: run.to_string(),
                platforms: r.platforms.into_iter().map(String::from).collect(),
                rows: r.rows,
                first_row_at: r.first.map(format_timestamp),
                last_row_at: r.last.map(format_timestamp),
            })
            .collect(),
        warnings,
    })
}
