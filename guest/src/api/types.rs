//! The tools' requests and results, as plain Rust. The component maps them
//! to and from WIT; the agent entry point to and from JSON (`serde`).

use serde::Serialize;

use crate::core::strategy::Strategy;
use crate::supabase::inserter::Conflict;

#[derive(Clone, Debug, PartialEq)]
pub struct GenerateRequest {
    pub platform: String,
    pub strategy: Strategy,
    pub force_count: Option<u64>,
    pub environment: Option<String>,
    pub dry_run: bool,
    pub seed: Option<u64>,
    pub conflict: Conflict,
    pub batch_size: Option<u32>,
    pub confirm_production: bool,
    /// End of the generated period: a date or RFC 3339 time; today (UTC) when absent.
    pub as_of: Option<String>,
    /// Files instead of the warehouse: `csv`, `ndjson` or `sql`, written
    /// through the host; rows carry `workspace`.
    pub output_format: Option<String>,
    pub workspace: Option<String>,
    /// Insert requests in flight at most (the window adapts below it).
    pub max_in_flight: Option<u32>,
}

impl GenerateRequest {
    pub fn new(platform: &str) -> GenerateRequest {
        GenerateRequest {
            platform: platform.to_string(),
            strategy: Strategy::Smart,
            force_count: None,
            environment: None,
            dry_run: false,
            seed: None,
            conflict: Conflict::Fail,
            batch_size: None,
            confirm_production: false,
            as_of: None,
            output_format: None,
            workspace: None,
            max_in_flight: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableResult {
    pub table: String,
    pub inserted: u64,
    pub failed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlatformResult {
    pub platform: String,
    pub tables: Vec<TableResult>,
    pub total_records: u64,
    /// `success`, `dry-run`, `rolled-back` or `failed`.
    pub outcome: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub table: String,
    /// A JSON array of a few rows, as they would be sent.
    #[serde(serialize_with = "raw_json")]
    pub rows_json: String,
}

fn raw_json<S: serde::Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(serde::ser::Error::custom)?;
    value.serialize(s)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MockResult {
    pub success: bool,
    pub run_id: String,
    pub seed: u64,
    pub environment: String,
    pub dry_run: bool,
    pub platforms: Vec<PlatformResult>,
    pub total_records: u64,
    pub summary: String,
    pub warnings: Vec<String>,
    pub execution_time_ms: u64,
    /// The most insert requests in flight at once (0: nothing was sent).
    pub peak_in_flight: u32,
    pub samples: Vec<Sample>,
    /// What analysis learnt, per platform and aspect.
    pub analysis: Vec<crate::platforms::findings::Analysis>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableStatus {
    pub table: String,
    pub platform: String,
    pub total_rows: u64,
    pub generated_rows: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub platforms: Vec<String>,
    pub rows: u64,
    pub first_row_at: Option<String>,
    pub last_row_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatusReport {
    pub environment: String,
    pub workspace_id: String,
    pub tables: Vec<TableStatus>,
    pub runs: Vec<RunSummary>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CleanRequest {
    pub platform: String,
    pub confirm: bool,
    pub run_id: Option<String>,
    pub environment: Option<String>,
    pub confirm_production: bool,
}

/// Rows removed from one table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableCount {
    pub table: String,
    pub rows: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CleanResult {
    pub environment: String,
    pub tables: Vec<TableCount>,
    pub deleted: u64,
    pub summary: String,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlatformInfo {
    pub name: String,
    pub description: String,
    pub tables: Vec<String>,
}
