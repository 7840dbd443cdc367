//! Results as text for people at a terminal (stdout), errors on stderr.

use std::process::ExitCode;

use crate::runtime::wit;
use crate::text::clean;

pub fn tool_error(e: &wit::ToolError) -> ExitCode {
    let kind = match e.kind {
        wit::ErrorKind::InvalidInput => "invalid input",
        wit::ErrorKind::Configuration => "configuration",
        wit::ErrorKind::Schema => "schema",
        wit::ErrorKind::Database => "database",
        wit::ErrorKind::Network => "network",
        wit::ErrorKind::Denied => "denied",
        wit::ErrorKind::Internal => "internal error",
    };
    eprintln!("error ({kind}): {}", clean(&e.message));
    ExitCode::FAILURE
}

pub fn generated(r: &wit::MockResult, platform: &str) -> ExitCode {
    for w in &r.warnings {
        eprintln!("warning: {}", clean(w));
    }
    if !r.success {
        eprintln!("{}", clean(&r.summary));
        return ExitCode::FAILURE;
    }
    println!("{}", clean(&r.summary));
    println!();
    let width = r.platforms.iter().flat_map(|p| &p.tables).map(|t| t.table.len()).max().unwrap_or(10);
    for p in &r.platforms {
        for t in &p.tables {
            println!("  {:width$}  {:>12}", clean(&t.table), t.inserted);
        }
    }
    let secs = r.execution_time_ms as f64 / 1000.0;
    let rate = if secs > 0.0 { format!(", {} rows/s", (r.total_records as f64 / secs) as u64) } else { String::new() };
    println!();
    println!("run {} · seed {} · {} · {secs:.1} s{rate}", clean(&r.run_id), r.seed, clean(&r.environment));
    if r.dry_run {
        for s in &r.samples {
            println!("\nsample of {}:\n{}", clean(&s.table), clean(&pretty(&s.rows_json)));
        }
    } else {
        println!("see it:    host-runner status {platform} --env {}", r.environment);
        println!("remove it: host-runner clean {platform} --confirm --run {} --env {}", r.run_id, r.environment);
    }
    ExitCode::SUCCESS
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json).and_then(|v| serde_json::to_string_pretty(&v)).unwrap_or_else(|_| json.to_string())
}

pub fn status(r: &wit::StatusReport) -> ExitCode {
    for w in &r.warnings {
        eprintln!("warning: {}", clean(w));
    }
    println!("environment {} · workspace {}", clean(&r.environment), clean(&r.workspace_id));
    println!();
    let width = r.tables.iter().map(|t| t.table.len()).max().unwrap_or(10);
    println!("  {:width$}  {:>12}  {:>12}", "table", "rows", "generated");
    for t in &r.tables {
        println!("  {:width$}  {:>12}  {:>12}", clean(&t.table), t.total_rows, t.generated_rows);
    }
    println!();
    if r.runs.is_empty() {
        println!("no generated rows");
    } else {
        println!("runs:");
        for run in &r.runs {
            println!(
                "  {}  {:>10} rows  {}  {} .. {}",
                clean(&run.run_id),
                run.rows,
                clean(&run.platforms.join(", ")),
                clean(run.first_row_at.as_deref().unwrap_or("?")),
                clean(run.last_row_at.as_deref().unwrap_or("?"))
            );
        }
    }
    ExitCode::SUCCESS
}

pub fn cleaned(r: &wit::CleanResult) -> ExitCode {
    for w in &r.warnings {
        eprintln!("warning: {}", clean(w));
    }
    println!("{}", clean(&r.summary));
    ExitCode::SUCCESS
}

pub fn platforms(list: &[wit::PlatformInfo], json: bool) {
    if json {
        let v: Vec<serde_json::Value> =
            list.iter().map(|p| serde_json::json!({"name": p.name, "description": p.description, "tables": p.tables})).collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return;
    }
    for p in list {
        println!("{:12} {}", p.name, p.description);
        for t in &p.tables {
            println!("{:12}   {t}", "");
        }
    }
}
