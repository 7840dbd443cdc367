//! clean_mock_data: removes rows this tool created, children before
//! parents, never anything else. Without confirmation it deletes nothing.

use crate::api::types::{CleanRequest, CleanResult, TableCount};
use crate::core::keys::RunId;
use crate::error::{Result, ToolError};
use crate::service::runs::{delete_run, runs_in};
use crate::service::{Host, LogLevel, Purpose, check_production, platforms_for, read_plans, thousands};
use crate::supabase::client::Client;
use crate::supabase::transport::Transport;

pub fn clean<T: Transport>(host: &mut dyn Host, transport: T, req: &CleanRequest) -> Result<CleanResult> {
    let platforms = platforms_for(&req.platform)?;
    let run = req.run_id.as_deref().map(RunId::parse).transpose().map_err(ToolError::invalid)?;
    if !req.confirm {
        return Err(ToolError::invalid(format!(
            "clean deletes the rows this tool generated for {}{}: confirm it with --confirm (tool argument confirm: true); nothing was deleted",
            req.platform,
            run.map(|r| format!(" in run {r}")).unwrap_or_default()
        )));
    }
    let conn = host.connection(req.environment.as_deref())?;
    check_production(&conn, true, req.confirm_production, "deleting data")?;
    let mut client = Client::new(transport, &conn.rest_url, &conn.environment);
    let mut warnings = Vec::new();
    let plans = read_plans(&mut client, &platforms, Purpose::Read, &mut warnings)?;
    let ws = &conn.workspace_id;
    let mut tables = Vec::new();
    // Children before parents: the reverse of the generation order.
    for spec in platforms.iter().flat_map(|p| p.tables().iter()).rev() {
        let Some(plan) = plans.get(spec.name) else { continue };
        let name = spec.qualified();
        let runs: Vec<RunId> = match run {
            Some(r) => vec![r],
            None => runs_in(&mut client, plan, ws)?.into_keys().collect(),
        };
        let mut deleted = 0;
        for r in runs {
            let before = deleted;
            deleted += delete_run(&mut client, plan, ws, r, &mut |d, t| host.progress(&name, before + d, before + t))?;
        }
        if deleted > 0 {
            host.log(LogLevel::Info, &format!("removed {} rows from {name}", thousands(deleted)));
        }
        tables.push(TableCount { table: name, rows: deleted });
    }
    tables.reverse();
    let deleted: u64 = tables.iter().map(|t| t.rows).sum();
    let parts: Vec<String> = tables.iter().filter(|t| t.rows > 0).map(|t| format!("{} from {}", thousands(t.rows), t.table)).collect();
    let summary = match (deleted, run) {
        (0, Some(r)) => format!("Run {r} has no rows in {} for {}: nothing to remove.", conn.environment, req.platform),
        (0, None) => format!("No generated rows for {} in {}: nothing to remove.", req.platform, conn.environment),
        _ => format!(
            "Removed {} generated rows{} from {}: {}. Rows the tool did not create were not touched.",
            thousands(deleted),
            run.map(|r| format!(" of run {r}")).unwrap_or_default(),
            conn.environment,
            parts.join(", ")
        ),
    };
    Ok(CleanResult { environment: conn.environment.clone(), tables, deleted, summary, warnings })
}
