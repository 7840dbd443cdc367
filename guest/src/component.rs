//! The WebAssembly component: WIT exports mapped onto the service layer,
//! WIT imports offered to it as a `Host`. Compiled for wasm32 only.

// The component's allocator (single-threaded WebAssembly): faster than the
// dlmalloc wasi-libc brings, and a dry run allocates for every row.
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

use crate::api::types as api;
use crate::core::strategy::Strategy;
use crate::error::{ErrorKind, ToolError};
use crate::service::{self, Connection, LogLevel};
use crate::supabase::inserter::Conflict;
use crate::supabase::wasi::WasiTransport;

wit_bindgen::generate!({
    path: "../wit",
    world: "mock-data",
});

use bustly::mock_data::host;
use bustly::mock_data::types as wit;
use exports::bustly::mock_data::{agent, tools};

struct Component;

/// The host's imports, as the service layer wants them.
struct ImportedHost {
    started: std::time::Instant,
}

impl ImportedHost {
    fn new() -> ImportedHost {
        ImportedHost { started: std::time::Instant::now() }
    }
}

fn from_wit_error(e: wit::ToolError) -> ToolError {
    let kind = match e.kind {
        wit::ErrorKind::InvalidInput => ErrorKind::InvalidInput,
        wit::ErrorKind::Configuration => ErrorKind::Configuration,
        wit::ErrorKind::Schema => ErrorKind::Schema,
        wit::ErrorKind::Database => ErrorKind::Database,
        wit::ErrorKind::Network => ErrorKind::Network,
        wit::ErrorKind::Denied => ErrorKind::Denied,
        wit::ErrorKind::Internal => ErrorKind::Internal,
    };
    ToolError::new(kind, e.message)
}

fn to_wit_error(e: ToolError) -> wit::ToolError {
    let kind = match e.kind {
        ErrorKind::InvalidInput => wit::ErrorKind::InvalidInput,
        ErrorKind::Configuration => wit::ErrorKind::Configuration,
        ErrorKind::Schema => wit::ErrorKind::Schema,
        ErrorKind::Database => wit::ErrorKind::Database,
        ErrorKind::Network => wit::ErrorKind::Network,
        ErrorKind::Denied => wit::ErrorKind::Denied,
        ErrorKind::Internal => wit::ErrorKind::Internal,
    };
    wit::ToolError { kind, message: e.message }
}

impl service::Host for ImportedHost {
    fn connection(&mut self, environment: Option<&str>) -> crate::error::Result<Connection> {
        let c = host::resolve_connection(environment).map_err(from_wit_error)?;
        Ok(Connection { environment: c.environment, rest_url: c.rest_url, workspace_id: c.workspace_id, production: c.production })
    }

    fn progress(&mut self, table: &str, done: u64, total: u64) {
        host::progress(table, done, total);
    }

    fn log(&mut self, level: LogLevel, message: &str) {
        let level = match level {
            LogLevel::Debug => wit::LogLevel::Debug,
            LogLevel::Info => wit::LogLevel::Info,
            LogLevel::Warn => wit::LogLevel::Warn,
            LogLevel::Error => wit::LogLevel::Error,
        };
        host::log(level, message);
    }

    fn now(&mut self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    }

    fn millis(&mut self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn fresh_seed(&mut self) -> u64 {
        // Seeds people can type back: 1 to 10^9.
        1 + rand::random::<u64>() % 1_000_000_000
    }

    fn write_output(&mut self, file: &str, data: &[u8]) -> crate::error::Result<()> {
        host::write_output(file, data).map_err(|e| crate::error::ToolError::invalid(format!("writing {file}: {e}")))
    }

    fn write_sql_rows(&mut self, file: &str, rows: &[u8]) -> crate::error::Result<()> {
        host::write_sql_rows(file, rows).map_err(|e| crate::error::ToolError::invalid(format!("writing {file}: {e}")))
    }
}

fn table_result(t: api::TableResult) -> wit::TableResult {
    wit::TableResult { table: t.table, inserted: t.inserted, failed: t.failed }
}

impl tools::Guest for Component {
    fn generate_mock_data(r: wit::GenerateRequest) -> Result<wit::MockResult, wit::ToolError> {
        let request = api::GenerateRequest {
            platform: r.platform,
            strategy: match r.strategy {
                wit::Strategy::Smart => Strategy::Smart,
                wit::Strategy::Minimal => Strategy::Minimal,
                wit::Strategy::Comprehensive => Strategy::Comprehensive,
            },
            force_count: r.force_count,
            environment: r.environment,
            dry_run: r.dry_run,
            seed: r.seed,
            conflict: match r.conflict {
                wit::ConflictPolicy::Skip => Conflict::Skip,
                wit::ConflictPolicy::Update => Conflict::Update,
                wit::ConflictPolicy::Fail => Conflict::Fail,
            },
            batch_size: r.batch_size,
            confirm_production: r.confirm_production,
            as_of: r.as_of,
            output_format: r.output_format,
            workspace: r.workspace,
            max_in_flight: r.max_in_flight,
        };
        let m = service::generate::generate(&mut ImportedHost::new(), WasiTransport::new(), &request).map_err(to_wit_error)?;
        Ok(wit::MockResult {
            success: m.success,
            run_id: m.run_id,
            seed: m.seed,
            environment: m.environment,
            dry_run: m.dry_run,
            platforms: m
                .platforms
                .into_iter()
                .map(|p| wit::PlatformResult {
                    platform: p.platform,
                    tables: p.tables.into_iter().map(table_result).collect(),
                    total_records: p.total_records,
                    outcome: p.outcome,
                })
                .collect(),
            total_records: m.total_records,
            summary: m.summary,
            warnings: m.warnings,
            execution_time_ms: m.execution_time_ms,
            peak_in_flight: m.peak_in_flight,
            samples: m.samples.into_iter().map(|s| wit::SampleRows { table: s.table, rows_json: s.rows_json }).collect(),
            analysis: m
                .analysis
                .into_iter()
                .flat_map(|a| {
                    let platform = a.platform;
                    a.findings.into_iter().map(move |f| wit::Finding {
                        platform: platform.clone(),
                        analyzer: f.analyzer.to_string(),
                        aspect: f.aspect.to_string(),
                        source: serde_json::to_value(f.source).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
                        rows: f.rows,
                        summary: f.summary,
                        figures_json: f.figures.to_string(),
                    })
                })
                .collect(),
        })
    }

    fn get_mock_data_status(platform: Option<String>, environment: Option<String>) -> Result<wit::StatusReport, wit::ToolError> {
        let s = service::status::status(&mut ImportedHost::new(), WasiTransport::new(), platform.as_deref(), environment.as_deref())
            .map_err(to_wit_error)?;
        Ok(wit::StatusReport {
            environment: s.environment,
            workspace_id: s.workspace_id,
            tables: s
                .tables
                .into_iter()
                .map(|t| wit::TableStatus {
                    table: t.table,
                    platform: t.platform,
                    total_rows: t.total_rows,
                    generated_rows: t.generated_rows,
                })
                .collect(),
            runs: s
                .runs
                .into_iter()
                .map(|r| wit::RunSummary {
                    run_id: r.run_id,
                    platforms: r.platforms,
                    rows: r.rows,
                    first_row_at: r.first_row_at,
                    last_row_at: r.last_row_at,
                })
                .collect(),
            warnings: s.warnings,
        })
    }

    fn clean_mock_data(r: wit::CleanRequest) -> Result<wit::CleanResult, wit::ToolError> {
        let request = api::CleanRequest {
            platform: r.platform,
            confirm: r.confirm,
            run_id: r.run_id,
            environment: r.environment,
            confirm_production: r.confirm_production,
        };
        let c = service::clean::clean(&mut ImportedHost::new(), WasiTransport::new(), &request).map_err(to_wit_error)?;
        Ok(wit::CleanResult {
            environment: c.environment,
            tables: c.tables.into_iter().map(|t| wit::TableCount { table: t.table, rows: t.rows }).collect(),
            deleted: c.deleted,
            summary: c.summary,
            warnings: c.warnings,
        })
    }

    fn report(r: wit::ReportRequest) -> Result<wit::FidelityReport, wit::ToolError> {
        let request = crate::api::report::ReportRequest { platform: r.platform, run_id: r.run_id, environment: r.environment };
        let f = service::report::report(&mut ImportedHost::new(), WasiTransport::new(), &request).map_err(to_wit_error)?;
        Ok(wit::FidelityReport {
            environment: f.environment,
            workspace_id: f.workspace_id,
            run_id: f.run_id,
            platforms: f
                .platforms
                .into_iter()
                .map(|p| wit::PlatformFidelity {
                    platform: p.platform,
                    mean: p.mean,
                    aspects: p
                        .aspects
                        .into_iter()
                        .map(|a| wit::AspectScore {
                            aspect: a.aspect,
                            column: a.column,
                            metric: a.metric,
                            score: a.score,
                            unit: a.unit,
                            real_rows: a.real_rows,
                            generated_rows: a.generated_rows,
                            note: a.note,
                            bins: a
                                .bins
                                .into_iter()
                                .map(|b| wit::DistributionBin {
                                    label: b.label,
                                    low: b.low,
                                    high: b.high,
                                    real: b.real,
                                    generated: b.generated,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
            warnings: f.warnings,
        })
    }

    fn list_platforms() -> Vec<wit::PlatformInfo> {
        crate::platforms::REGISTRY
            .iter()
            .map(|p| wit::PlatformInfo {
                name: p.name().to_string(),
                description: p.description().to_string(),
                tables: p.tables().iter().map(|t| t.qualified()).collect(),
            })
            .collect()
    }
}

impl agent::Guest for Component {
    fn tool_definitions() -> String {
        crate::api::json::definitions().to_string()
    }

    fn call_tool(name: String, arguments: String) -> String {
        crate::api::json::call(&mut ImportedHost::new(), WasiTransport::new, &name, &arguments)
    }
}

export!(Component);
