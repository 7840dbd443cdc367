//! clean_mock_data: removes rows this tool created, children before
//! parents, never anything else (`removal`). Without confirmation it
//! deletes nothing. Warns about foreign keys without an index, which make
//! removing parent rows slow (`foreign_keys`).

use crate::api::types::{CleanRequest, CleanResult, TableCount};
use crate::core::keys::{RunId, Scope};
use crate::error::{Result, ToolError};
use crate::model::table::TableSpec;
use crate::service::census::Want;
use crate::service::foreign_keys::unindexed_warnings;
use crate::service::removal::remove;
use crate::service::survey::{Ask, survey};
use crate::service::{Host, LogLevel, check_production, platforms_for, thousands};
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
    let ws = &conn.workspace_id;
    // Schemas, the runs of every table and the foreign keys: one round trip
    // when the warehouse has the expected layout.
    let scope = run.map_or(Scope::AllRuns, Scope::Run);
    let ask = Ask { census: Want { scope, totals: false, times: false, tops: true }, keys: true };
    let survey = survey(&mut client, &platforms, ws, ask, &mut warnings)?;
    if let Some(why) = &survey.keys_error {
        host.log(LogLevel::Info, &format!("could not read the warehouse's foreign keys ({why}): tables are emptied one at a time"));
    }
    let specs: Vec<&'static TableSpec> =
        platforms.iter().flat_map(|p| p.tables().iter().copied()).filter(|t| survey.plans.contains_key(t.name)).collect();
    let removed = remove(&mut client, host, &specs, &survey.plans, &survey.census, survey.keys.as_deref(), run, ws)?;
    let tables: Vec<TableCount> = removed.iter().map(|(spec, rows)| TableCount { table: spec.qualified(), rows: *rows }).collect();
    let emptied: Vec<(&str, u64)> = removed.iter().map(|(spec, rows)| (spec.name, *rows)).collect();
    warnings.extend(unindexed_warnings(survey.keys.as_deref().unwrap_or_default(), &emptied));
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
