//! Results as text for people at a terminal (stdout), errors on stderr.

use std::process::ExitCode;

use serde_json::{Value, json};

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

/// An error in the agent interface's JSON shape (`success: false`).
pub fn error_json(e: &wit::ToolError) -> Value {
    let kind = match e.kind {
        wit::ErrorKind::InvalidInput => "invalid_input",
        wit::ErrorKind::Configuration => "configuration",
        wit::ErrorKind::Schema => "schema",
        wit::ErrorKind::Database => "database",
        wit::ErrorKind::Network => "network",
        wit::ErrorKind::Denied => "denied",
        wit::ErrorKind::Internal => "internal",
    };
    json!({"success": false, "error": {"kind": kind, "message": e.message}})
}

/// A generate result in the agent interface's JSON shape (the component's
/// own for agents, built here for the typed calls `--out` makes), with the
/// folder the files went to.
pub fn generated_json(r: &wit::MockResult, files: Option<&std::path::Path>) -> Value {
    let parsed = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    // Findings by platform, as the agent answer groups them.
    let mut analysis: Vec<Value> = Vec::new();
    for f in &r.analysis {
        let finding = json!({"analyzer": f.analyzer, "aspect": f.aspect, "source": f.source, "rows": f.rows, "summary": f.summary, "figures": parsed(&f.figures_json)});
        match analysis.iter_mut().find(|a| a["platform"] == json!(f.platform)) {
            Some(a) => a["findings"].as_array_mut().expect("an array").push(finding),
            None => analysis.push(json!({"platform": f.platform, "findings": [finding], "warnings": []})),
        }
    }
    let mut v = json!({
        "success": r.success,
        "run_id": r.run_id,
        "seed": r.seed,
        "environment": r.environment,
        "dry_run": r.dry_run,
        "platforms": r.platforms.iter().map(|p| json!({
            "platform": p.platform,
            "tables": p.tables.iter().map(|t| json!({"table": t.table, "inserted": t.inserted, "failed": t.failed})).collect::<Vec<_>>(),
            "total_records": p.total_records,
            "outcome": p.outcome,
        })).collect::<Vec<_>>(),
        "total_records": r.total_records,
        "summary": r.summary,
        "warnings": r.warnings,
        "execution_time_ms": r.execution_time_ms,
        "peak_in_flight": r.peak_in_flight,
        "samples": r.samples.iter().map(|s| json!({"table": s.table, "rows_json": parsed(&s.rows_json)})).collect::<Vec<_>>(),
        "analysis": analysis,
    });
    if let Some(dir) = files {
        v["files"] = json!(dir);
    }
    v
}

pub fn generated(r: &wit::MockResult, platform: &str) -> ExitCode {
    for w in &r.warnings {
        eprintln!("warning: {}", clean(w));
    }
    if !r.success {
        eprintln!("{}", clean(&r.summary));
        return ExitCode::FAILURE;
    }
    if !r.analysis.is_empty() {
        println!("What the workspace showed:");
        let width = r.analysis.iter().map(|f| f.aspect.len()).max().unwrap_or(10);
        for f in &r.analysis {
            let source = if f.source == "workspace" { format!("{} rows", f.rows) } else { "defaults".to_string() };
            println!("  {:<12} {:width$}  {:>12}  {}", clean(&f.platform), clean(&f.aspect), source, clean(&f.summary));
        }
        println!();
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
    let mut rate = if secs > 0.0 { format!(", {} rows/s", (r.total_records as f64 / secs) as u64) } else { String::new() };
    if r.peak_in_flight > 0 {
        rate.push_str(&format!(", up to {} requests in flight", r.peak_in_flight));
    }
    println!();
    println!("run {} · seed {} · {} · {secs:.1} s{rate}", clean(&r.run_id), r.seed, clean(&r.environment));
    if r.dry_run {
        for s in &r.samples {
            println!("\nsample of {}:\n{}", clean(&s.table), clean(&pretty(&s.rows_json)));
        }
    } else if r.environment == "files" {
        println!("load them: in name order, e.g. for f in DIR/*.sql; do psql \"$DATABASE_URL\" -f \"$f\"; done");
        println!("then remove them with: host-runner clean {platform} --confirm --run {} --env ENV", r.run_id);
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
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"success": true, "platforms": v})).unwrap_or_default());
        return;
    }
    for p in list {
        println!("{:12} {}", p.name, p.description);
        for t in &p.tables {
            println!("{:12}   {t}", "");
        }
    }
}

/// The fidelity report as a table per platform: aspect, column, metric,
/// score, rows on each side; then the mean and the notes.
pub fn report(r: &wit::FidelityReport) -> ExitCode {
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    let compared = r.run_id.as_ref().map_or("every generated row".to_string(), |run| format!("run {run}"));
    println!("environment {} · workspace {} · {compared} against the rows the tool did not generate", r.environment, r.workspace_id);
    for p in &r.platforms {
        println!();
        println!("{}", p.platform);
        if p.aspects.iter().all(|a| a.real_rows == 0 && a.generated_rows == 0) {
            println!("  nothing to compare: the workspace has neither real nor generated rows here");
            continue;
        }
        let aw = p.aspects.iter().map(|a| a.aspect.len()).max().unwrap_or(6).max(6);
        let cw = p.aspects.iter().map(|a| a.column.len()).max().unwrap_or(6).max(6);
        let mw = p.aspects.iter().map(|a| a.metric.len()).max().unwrap_or(6).max(6);
        println!("  {:aw$}  {:cw$}  {:mw$}  {:>5}  {:>10}  {:>15}", "aspect", "column", "metric", "score", "rows real", "rows generated");
        for a in &p.aspects {
            let score = a.score.map_or("n/a".to_string(), |s| format!("{s:.3}"));
            let rows = |n: u64| format!("{n} {}", a.unit);
            println!(
                "  {:aw$}  {:cw$}  {:mw$}  {:>5}  {:>10}  {:>15}",
                a.aspect,
                a.column,
                a.metric,
                score,
                rows(a.real_rows),
                rows(a.generated_rows)
            );
        }
        let available = p.aspects.iter().filter(|a| a.score.is_some()).count();
        let mean = p.mean.map_or("n/a".to_string(), |m| format!("{m:.3}"));
        println!("  {:aw$}  {:cw$}  {:mw$}  {:>5}", format!("mean of {available} of {}", p.aspects.len()), "", "", mean);
        for a in p.aspects.iter().filter(|a| a.note.is_some()) {
            println!("  note: {}: {}", a.aspect, a.note.as_deref().unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}

/// The fidelity report as JSON: `{success, report}` as status answers, the
/// report's fields named as in the guest's `api::report` types.
pub fn report_json(r: &wit::FidelityReport) -> Value {
    let platforms: Vec<Value> = r
        .platforms
        .iter()
        .map(|p| {
            let aspects: Vec<Value> = p
                .aspects
                .iter()
                .map(|a| {
                    let bins: Vec<Value> = a
                        .bins
                        .iter()
                        .map(|b| json!({"label": b.label, "low": b.low, "high": b.high, "real": b.real, "generated": b.generated}))
                        .collect();
                    json!({
                        "aspect": a.aspect, "column": a.column, "metric": a.metric, "score": a.score, "unit": a.unit,
                        "real_rows": a.real_rows, "generated_rows": a.generated_rows, "note": a.note, "bins": bins,
                    })
                })
                .collect();
            json!({"platform": p.platform, "aspects": aspects, "mean": p.mean})
        })
        .collect();
    json!({
        "success": true,
        "report": {
            "environment": r.environment, "workspace_id": r.workspace_id, "run_id": r.run_id,
            "platforms": platforms, "warnings": r.warnings,
        }
    })
}
