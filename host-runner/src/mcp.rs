//! `host-runner mcp`: the three tools as a Model Context Protocol server on
//! stdio (newline-delimited JSON-RPC 2.0), the portable way to hand typed
//! tools to OpenClaw (through its MCP bridge) and to any other MCP host.
//!
//! The tool list and every call go through the component's agent entry
//! point; each call gets a fresh store. stdout carries protocol messages
//! only; logs go to stderr.

use std::io::{BufRead, Write};

use anyhow::Result;
use serde_json::{Value, json};

use crate::config::Sources;
use crate::progress::Progress;
use crate::runtime::Runtime;

const PROTOCOL: &str = "2025-06-18";

pub fn serve(runtime: &Runtime, sources: &Sources, verbose: bool) -> Result<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(message) => handle(runtime, sources, verbose, &message),
            Err(e) => Some(json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": format!("parse error: {e}")}})),
        };
        if let Some(reply) = reply {
            writeln!(stdout, "{reply}")?;
            stdout.flush()?;
        }
    }
    Ok(())
}

/// The reply to one message; None for notifications.
fn handle(runtime: &Runtime, sources: &Sources, verbose: bool, message: &Value) -> Option<Value> {
    let id = message.get("id").cloned();
    let method = message["method"].as_str().unwrap_or_default();
    let result = match method {
        "initialize" => Ok(json!({
            "protocolVersion": message["params"]["protocolVersion"].as_str().unwrap_or(PROTOCOL),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "bustly-mock-data", "version": env!("CARGO_PKG_VERSION")},
        })),
        "ping" => Ok(json!({})),
        "tools/list" => call(runtime, sources, verbose, false, |store, instance| {
            let defs = instance.bustly_mock_data_agent().call_tool_definitions(store)?;
            Ok(json!({"tools": serde_json::from_str::<Value>(&defs)?}))
        }),
        "tools/call" => {
            let name = message["params"]["name"].as_str().unwrap_or_default().to_string();
            let arguments = message["params"].get("arguments").cloned().unwrap_or_else(|| json!({}));
            let confirmed = arguments["confirm_production"] == json!(true);
            call(runtime, sources, verbose, confirmed, |store, instance| {
                let answer = instance.bustly_mock_data_agent().call_call_tool(store, &name, &arguments.to_string())?;
                let value: Value = serde_json::from_str(&answer)?;
                let failed = value["success"] != json!(true);
                Ok(json!({"content": [{"type": "text", "text": answer}], "structuredContent": value, "isError": failed}))
            })
        }
        _ if id.is_none() => return None,
        other => Err((-32601, format!("unknown method '{other}'"))),
    };
    let id = id?;
    Some(match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message)) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    })
}

/// Runs `f` against a fresh instance of the component.
fn call(
    runtime: &Runtime,
    sources: &Sources,
    verbose: bool,
    production_confirmed: bool,
    f: impl FnOnce(&mut wasmtime::Store<crate::runtime::State>, &crate::runtime::MockData) -> Result<Value>,
) -> Result<Value, (i64, String)> {
    let run = || -> Result<Value> {
        let (mut store, instance) = runtime.instantiate(sources.clone(), Progress::new(verbose, true), production_confirmed)?;
        f(&mut store, &instance)
    };
    run().map_err(|e| (-32603, format!("{e:#}")))
}
