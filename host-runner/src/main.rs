//! host-runner: runs the bustly-mock-data component in wasmtime.
//!
//! It parses the command line, finds the configuration and the component,
//! loads the component (compiled once, then from the cache), and calls one
//! tool in a fresh, locked-down store: no files, no environment variables,
//! no sockets, outgoing HTTP only to the configured Supabase host.

mod cache;
mod call;
mod cli;
mod component;
mod config;
mod config_report;
mod gate;
mod html;
mod limits;
mod lookup;
mod mcp;
mod notify;
mod output;
mod probe;
mod progress;
mod render;
mod runtime;
mod sandbox;
mod sender;
mod stop;
mod text;

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser};
use serde_json::json;

use crate::call::{CallPolicy, confirms_production, default_timeout, environment_argument};
use crate::cli::{Cli, Command, Conflict, Strategy};
use crate::component::Component;
use crate::config::{Sources, state_dir};
use crate::lookup::Lookup;
use crate::progress::Progress;
use crate::runtime::{MockData, Runtime, State, cache_dir, wit};
use crate::stop::{Stop, Watchdog, exit_when_stuck, signals};

fn main() -> ExitCode {
    // --json promises one JSON object on stdout, whatever fails: even the flags.
    let json = std::env::args_os().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if json && !matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            print_json_error("invalid_input", &e.render().to_string());
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let message = text::clean(&format!("{e:#}")).into_owned();
            if json {
                print_json_error("host", &message);
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The one JSON object of a call that failed in the host, not the component.
fn print_json_error(kind: &str, message: &str) {
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({"success": false, "error": {"kind": kind, "message": message.trim_end()}}))
            .unwrap_or_default()
    );
}

fn run(mut cli: Cli) -> Result<ExitCode> {
    if let Command::Call { arguments, .. } = &mut cli.command
        && arguments == "-"
    {
        arguments.clear();
        std::io::stdin().read_to_string(arguments).context("reading the arguments from stdin")?;
    }
    let g = &cli.global;
    // Neither needs the component loaded.
    if let Command::Completions { shell } = &cli.command {
        clap_complete::generate(*shell, &mut Cli::command(), "host-runner", &mut std::io::stdout());
        return Ok(ExitCode::SUCCESS);
    }
    let sources = Sources {
        lookup: Lookup::from_process(g.config_dir.clone()),
        state_dir: state_dir(),
        cli_env: g.env.clone(),
        env_var: std::env::var("MOCK_DATA_ENV").ok(),
        workspace_override: std::env::var("MOCK_DATA_WORKSPACE_ID").ok(),
    };
    let component = Component::choose(g.component.clone())?;
    if matches!(cli.command, Command::Config) {
        if g.json {
            println!("{}", serde_json::to_string_pretty(&config_report::json(&sources, &component))?);
        } else {
            print!("{}", config_report::report(&sources, &component));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(env) = probe_ahead(&cli, &sources) {
        crate::probe::ahead(env);
    }
    let runtime = Runtime::load(&component, cache_dir().as_deref())?;
    if matches!(cli.command, Command::Mcp) {
        let limits = mcp::Options {
            verbose: g.verbose,
            allow_production: g.allow_production,
            deadline: g.timeout.map_or_else(default_timeout, Duration::from_secs),
        };
        mcp::serve(runtime, sources, limits)?;
        return Ok(ExitCode::SUCCESS);
    }
    let progress = Progress::new(g.verbose, g.json || matches!(cli.command, Command::Call { .. } | Command::Tools));
    let policy = call_policy(&cli, &sources);
    let deadline = policy.deadline;
    let stop = Arc::new(Stop::default());
    // Started first: a component that loops while it starts is stopped too.
    let watchdog = Watchdog::start(runtime.engine().clone(), stop.clone(), deadline, exit_when_stuck(g.json));
    let (mut store, instance) = runtime.instantiate(sources, progress, policy, stop.clone())?;
    store.data_mut().progress.debug(&format!(
        "component {} ({})",
        component,
        if runtime.cached { "compiled earlier, from the cache" } else { "compiled now" }
    ));
    let outcome = dispatch(&cli, &mut store, &instance);
    drop(watchdog);
    let state = store.data_mut();
    state.progress.finish();
    if let Ok(denied) = state.gate.denied.lock()
        && !denied.is_empty()
    {
        eprintln!(
            "denied: the component tried to reach {} (only {} is allowed)",
            text::clean(&denied.tally()),
            state.gate.allowed().map_or("the configured Supabase host".to_string(), ToString::to_string)
        );
    }
    if let Some(why) = stop.reason() {
        // The component's own result says whether its rows were removed.
        if let Err(e) = &outcome {
            let message = text::clean(&format!("{e:#}")).into_owned();
            if g.json {
                print_json_error("host", &format!("{message} (stopped: {why})"));
            } else {
                eprintln!("error: {message}");
            }
        }
        eprintln!("stopped: {why}");
        if let Some(note) = stop.run_advice() {
            eprintln!("if the result above does not say this run's rows were removed, {note}");
        }
        let _ = outcome;
        return Ok(ExitCode::from(signals::exit_code().unwrap_or(124)));
    }
    outcome
}

/// Opens `dir` as this call's output directory and picks the workspace the
/// rows carry: `--workspace`, else MOCK_DATA_WORKSPACE_ID, else the
/// configured environment's, else the local warehouse's default. Needs no
/// configuration and no warehouse.
fn output_for(store: &mut wasmtime::Store<State>, dir: &std::path::Path, workspace: Option<&str>) -> Result<String> {
    let state = store.data_mut();
    state.output = Some(output::Output::create(dir)?);
    let configured = || state.sources.resolve(Some(&state.policy.environment)).ok().map(|e| e.workspace_id);
    Ok(workspace
        .map(String::from)
        .or_else(|| state.sources.workspace_override.clone())
        .or_else(configured)
        .unwrap_or_else(|| "local-workspace".to_string()))
}

/// What the host fixes for this call (see `call`).
fn call_policy(cli: &Cli, sources: &Sources) -> CallPolicy {
    let g = &cli.global;
    let arguments = match &cli.command {
        Command::Call { arguments, .. } => serde_json::from_str::<serde_json::Value>(arguments).unwrap_or_default(),
        _ => serde_json::Value::Null,
    };
    let environment = environment_argument(&arguments).unwrap_or_else(|| sources.default_environment());
    CallPolicy {
        environment,
        confirmed: production_confirmed(&cli.command),
        agent: matches!(cli.command, Command::Call { .. }),
        allow_production: g.allow_production,
        deadline: g.timeout.map_or_else(default_timeout, Duration::from_secs),
    }
}

/// The environment whose key probe (`probe`) can start before the component
/// is loaded: commands that certainly connect to it (not files, not a clean
/// that is not confirmed, not agent calls, whose environment the arguments
/// choose and whose production access the host may refuse first).
fn probe_ahead(cli: &Cli, sources: &Sources) -> Option<config::Environment> {
    let connects = match &cli.command {
        Command::Generate(a) => a.out.is_none(),
        Command::Clean(a) => a.confirm,
        Command::Status { .. } | Command::Report(_) => true,
        _ => false,
    };
    connects.then(|| sources.resolve(Some(&call_policy(cli, sources).environment)).ok()).flatten()
}

/// Whether this call carries the confirmation to write to production: the
/// flag, or `confirm_production: true` in a call's JSON arguments.
fn production_confirmed(command: &Command) -> bool {
    match command {
        Command::Generate(a) => a.confirm_production,
        Command::Clean(a) => a.confirm_production,
        Command::Call { arguments, .. } => serde_json::from_str::<serde_json::Value>(arguments).is_ok_and(|v| confirms_production(&v)),
        _ => false,
    }
}

fn dispatch(cli: &Cli, store: &mut wasmtime::Store<State>, instance: &MockData) -> Result<ExitCode> {
    let g = &cli.global;
    let tools = instance.bustly_mock_data_tools();
    let agent = instance.bustly_mock_data_agent();
    // --json goes through the agent entry point: one JSON shape for all callers.
    let as_json = |store: &mut wasmtime::Store<State>, tool: &str, args: serde_json::Value| -> Result<ExitCode> {
        let answer = agent.call_call_tool(&mut *store, tool, &args.to_string())?;
        Ok(print_json_answer(&answer))
    };
    match &cli.command {
        Command::Generate(a) => {
            let strategy = match a.strategy {
                Strategy::Smart => wit::Strategy::Smart,
                Strategy::Minimal => wit::Strategy::Minimal,
                Strategy::Comprehensive => wit::Strategy::Comprehensive,
            };
            let conflict = match a.conflict {
                Conflict::Fail => wit::ConflictPolicy::Fail,
                Conflict::Skip => wit::ConflictPolicy::Skip,
                Conflict::Update => wit::ConflictPolicy::Update,
            };
            let files = match &a.out {
                Some(dir) => Some(output_for(store, dir, a.workspace.as_deref())?),
                None => None,
            };
            if g.json && files.is_none() {
                let args = json!({
                    "platform": a.platform, "strategy": format!("{:?}", a.strategy).to_lowercase(), "force_count": a.count,
                    "env": g.env, "dry_run": a.dry_run, "seed": a.seed, "conflict": format!("{:?}", a.conflict).to_lowercase(),
                    "batch_size": a.batch_size, "max_in_flight": a.max_in_flight, "as_of": a.as_of, "confirm_production": a.confirm_production,
                });
                return as_json(store, "generate_mock_data", args);
            }
            let request = wit::GenerateRequest {
                platform: a.platform.clone(),
                strategy,
                force_count: a.count,
                environment: g.env.clone(),
                dry_run: a.dry_run,
                seed: a.seed,
                conflict,
                batch_size: a.batch_size,
                confirm_production: a.confirm_production,
                as_of: a.as_of.clone(),
                output_format: files.as_ref().map(|_| format!("{:?}", a.format).to_lowercase()),
                workspace: files.clone(),
                max_in_flight: a.max_in_flight,
            };
            let result = tools.call_generate_mock_data(&mut *store, &request)?;
            let succeeded = result.as_ref().is_ok_and(|r| r.success);
            let mut files_in = None;
            if let Some(out) = store.data_mut().output.as_mut() {
                out.finish(succeeded).map_err(anyhow::Error::msg)?;
                files_in = succeeded.then(|| out.dir().to_path_buf());
            }
            store.data_mut().progress.finish();
            if g.json {
                // Files written: the same answer an agent gets, and where they went.
                return Ok(print_json_answer(&match &result {
                    Ok(r) => render::generated_json(r, files_in.as_deref()).to_string(),
                    Err(e) => render::error_json(e).to_string(),
                }));
            }
            if let Some(dir) = &files_in {
                println!("files in {}", dir.display());
            }
            Ok(match result {
                Ok(r) => render::generated(&r, &a.platform),
                Err(e) => render::tool_error(&e),
            })
        }
        Command::Status { platform } => {
            if g.json {
                return as_json(store, "get_mock_data_status", json!({ "platform": platform, "env": g.env }));
            }
            let result = tools.call_get_mock_data_status(&mut *store, platform.as_deref(), g.env.as_deref())?;
            Ok(match result {
                Ok(r) => render::status(&r),
                Err(e) => render::tool_error(&e),
            })
        }
        Command::Clean(a) => {
            if g.json {
                let args = json!({ "platform": a.platform, "confirm": a.confirm, "run_id": a.run, "env": g.env, "confirm_production": a.confirm_production });
                return as_json(store, "clean_mock_data", args);
            }
            let request = wit::CleanRequest {
                platform: a.platform.clone(),
                confirm: a.confirm,
                run_id: a.run.clone(),
                environment: g.env.clone(),
                confirm_production: a.confirm_production,
            };
            let result = tools.call_clean_mock_data(&mut *store, &request)?;
            store.data_mut().progress.finish();
            Ok(match result {
                Ok(r) => render::cleaned(&r),
                Err(e) => render::tool_error(&e),
            })
        }
        Command::Report(a) => {
            let request = wit::ReportRequest { platform: a.platform.clone(), run_id: a.run.clone(), environment: g.env.clone() };
            let result = tools.call_report(&mut *store, &request)?;
            store.data_mut().progress.finish();
            if let (Ok(r), Some(file)) = (&result, &a.html) {
                std::fs::write(file, html::page(r)).with_context(|| format!("cannot write the HTML report to {}", file.display()))?;
                // stderr: stdout stays the text (or JSON) report it always was.
                eprintln!("wrote the report's charts to {}", file.display());
            }
            Ok(match (result, g.json) {
                (Ok(r), true) => print_json_answer(&render::report_json(&r).to_string()),
                (Ok(r), false) => render::report(&text::cleaned_report(r)),
                (Err(e), true) => print_json_answer(&render::error_json(&e).to_string()),
                (Err(e), false) => render::tool_error(&e),
            })
        }
        Command::Platforms => {
            let mut platforms = tools.call_list_platforms(&mut *store)?;
            for p in &mut platforms {
                for s in std::iter::once(&mut p.name).chain(std::iter::once(&mut p.description)).chain(p.tables.iter_mut()) {
                    *s = text::clean(s).into_owned();
                }
            }
            render::platforms(&platforms, g.json);
            Ok(ExitCode::SUCCESS)
        }
        Command::Tools => {
            let defs = agent.call_tool_definitions(&mut *store)?;
            let value: serde_json::Value = serde_json::from_str(&defs).context("the component's tool definitions are not JSON")?;
            // The definitions themselves, or with --json one object like every other answer.
            let value = if g.json { json!({"success": true, "tools": value}) } else { value };
            println!("{}", serde_json::to_string_pretty(&value)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Mcp => unreachable!("served before a store is made"),
        Command::Config | Command::Completions { .. } => unreachable!("answered before the component loads"),
        Command::Call { tool, arguments } => {
            let mut args = arguments.clone();
            // --env applies to calls too, unless the arguments name one.
            if let (Some(env), Ok(serde_json::Value::Object(mut map))) = (&g.env, serde_json::from_str::<serde_json::Value>(&args))
                && tool != "tools"
                && !map.contains_key("env")
            {
                map.insert("env".into(), json!(env));
                args = serde_json::Value::Object(map).to_string();
            }
            let answer = agent.call_call_tool(&mut *store, tool, &args)?;
            Ok(print_json_answer(&answer))
        }
    }
}

/// Prints a tool's JSON answer; failure exit when it says so.
fn print_json_answer(answer: &str) -> ExitCode {
    let value: serde_json::Value = serde_json::from_str(answer).unwrap_or_else(|_| json!({ "success": false, "raw": answer }));
    println!("{}", serde_json::to_string_pretty(&value).unwrap_or_else(|_| answer.to_string()));
    if value["success"] == json!(true) { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
