//! get_mock_data_status: per table, the workspace's rows and the rows this
//! tool created; and the runs those rows belong to.

use std::collections::{BTreeMap, BTreeSet};

use crate::api::types::{RunSummary, StatusReport, TableStatus};
use crate::core::keys::{RunId, Scope};
use crate::core::time::{Seconds, format_timestamp};
use crate::error::Result;
use crate::service::census::Want;
use crate::service::survey::{Ask, survey};
use crate::service::{Host, platforms_for};
use crate::supabase::client::Client;
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
    let ws = &conn.workspace_id;
    // Schemas and every table's rows, generated rows and runs: one round
    // trip when the warehouse has the expected layout, two otherwise.
    let ask = Ask { census: Want { scope: Scope::AllRuns, totals: true, times: true, tops: false }, keys: false };
    let survey = survey(&mut client, &platforms, ws, ask, &mut warnings)?;
    let mut tables = Vec::new();
    let mut runs: BTreeMap<RunId, RunTotals> = BTreeMap::new();
    for p in &platforms {
        for spec in p.tables().iter().filter(|t| survey.plans.contains_key(t.name)) {
            let census = survey.census.get(spec.name).cloned().unwrap_or_default();
            for (run, rows) in census.runs {
                let r = runs.entry(run).or_default();
                r.platforms.insert(p.name());
                r.rows += rows.rows;
                r.first = [r.first, rows.first].into_iter().flatten().min();
                r.last = [r.last, rows.last].into_iter().flatten().max();
            }
            tables.push(TableStatus {
                table: spec.qualified(),
                platform: p.name().to_string(),
                total_rows: census.total.unwrap_or(0),
                generated_rows: census.generated,
            });
        }
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
