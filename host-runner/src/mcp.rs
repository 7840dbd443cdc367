//! `host-runner mcp`: the three tools as a Model Context Protocol server on
//! stdio (newline-delimited JSON-RPC 2.0), the portable way to hand typed
//! tools to OpenClaw (through its MCP bridge) and to any other MCP host.
//!
//! The tool list and every call go through the component's agent entry
//! point; each call gets a fresh store, its own deadline and the host's
//! policy (environment fixed from the arguments, production writes only
//! with `--allow-production`). stdout carries protocol messages only; logs
//! go to stderr. A line that is not UTF-8 or not JSON is a parse error, and
//! the server goes on. A call whose `_meta` has a `progressToken` gets
//! `notifications/progress` while it runs (see `notify`).

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use serde_json::{Value, json};

use crate::call::{CallPolicy, confirms_production, environment_argument};
use crate::config::Sources;
use crate::notify::Notifier;
use crate::progress::Progress;
use crate::runtime::Runtime;
use crate::stop::{Stop, Watchdog, exit_when_stuck, signals};

const PROTOCOL: &str = "2025-06-18";
/// The tools the component serves; any other name is an invalid parameter.
const TOOLS: [&str; 3] = ["generate_mock_data", "get_mock_data_status", "clean_mock_data"];

pub struct Options {
    pub verbose: bool,
    pub allow_production: bool,
    pub deadline: Duration,
}

pub fn serve(runtime: &Runtime, sources: &Sources, options: &Options) -> Result<()> {
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    let max = crate::sandbox::rules().mcp.max_line_bytes;
    loop {
        let reply = match read_line(&mut stdin, max, &mut line)? {
            Line::End => return Ok(()),
            Line::TooLong => Some(
                json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": format!("invalid request: a message longer than {max} bytes")}}),
            ),
            Line::Read => match std::str::from_utf8(&line) {
                Err(e) => Some(parse_error(&format!("the message is not UTF-8 ({e})"))),
                Ok(text) if text.trim().is_empty() => None,
                Ok(text) => match serde_json::from_str::<Value>(text) {
                    Ok(message) => handle(runtime, sources, options, &message),
                    Err(e) => Some(parse_error(&e.to_string())),
                },
            },
        };
        if let Some(reply) = reply {
            send(&reply)?;
        }
        // A signal stopped the last call: answer it (done above), then end.
        if signals::exit_code().is_some() {
            return Ok(());
        }
    }
}

enum Line {
    Read,
    /// Longer than the limit: skipped to its end, never held whole.
    TooLong,
    End,
}

/// The next line of `input` into `line` (without its newline), reading no
/// more than `max` bytes of it into memory.
fn read_line(input: &mut impl BufRead, max: usize, line: &mut Vec<u8>) -> std::io::Result<Line> {
    line.clear();
    let mut too_long = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(if too_long {
                Line::TooLong
            } else if line.is_empty() {
                Line::End
            } else {
                Line::Read
            });
        }
        let (chunk, found) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !too_long && line.len() + chunk.len() <= max {
            line.extend_from_slice(chunk);
        } else {
            too_long = true;
            line.clear();
        }
        let used = found.unwrap_or(buf.len());
        input.consume(used);
        if found.is_some() {
            return Ok(if too_long { Line::TooLong } else { Line::Read });
        }
    }
}

/// One message on stdout, a line of its own (notifications go out while a
/// call runs, between the replies).
fn send(message: &Value) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{message}")?;
    stdout.flush()
}

fn parse_error(why: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": format!("parse error: {why}")}})
}

/// The reply to one message; None for notifications.
fn handle(runtime: &Runtime, sources: &Sources, options: &Options, message: &Value) -> Option<Value> {
    let id = message.get("id").cloned();
    let method = message["method"].as_str().unwrap_or_default();
    let result = match method {
        "initialize" => Ok(json!({
            "protocolVersion": message["params"]["protocolVersion"].as_str().unwrap_or(PROTOCOL),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "bustly-mock-data", "version": env!("CARGO_PKG_VERSION")},
        })),
        "ping" => Ok(json!({})),
        "tools/list" => call(runtime, sources, options, &Value::Null, None, |store, instance| {
            let defs = instance.bustly_mock_data_agent().call_tool_definitions(store)?;
            Ok(json!({"tools": serde_json::from_str::<Value>(&defs)?}))
        }),
        "tools/call" => {
            let name = message["params"]["name"].as_str().unwrap_or_default().to_string();
            let arguments = message["params"].get("arguments").cloned().unwrap_or_else(|| json!({}));
            // A string or an integer, sent back as it came.
            let token = message["params"]["_meta"].get("progressToken").filter(|t| t.is_string() || t.is_i64() || t.is_u64()).cloned();
            if !TOOLS.contains(&name.as_str()) {
                Err((-32602, format!("unknown tool '{name}': the tools are {}", TOOLS.join(", "))))
            } else {
                call(runtime, sources, options, &arguments, token, |store, instance| {
                    let answer = instance.bustly_mock_data_agent().call_call_tool(store, &name, &arguments.to_string())?;
                    let value: Value = serde_json::from_str(&answer)?;
                    let failed = value["success"] != json!(true);
                    Ok(json!({"content": [{"type": "text", "text": answer}], "structuredContent": value, "isError": failed}))
                })
            }
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

/// Runs `f` against a fresh instance of the component, under the policy
/// the call's `arguments` and the server's options give.
fn call(
    runtime: &Runtime,
    sources: &Sources,
    options: &Options,
    arguments: &Value,
    progress_token: Option<Value>,
    f: impl FnOnce(&mut wasmtime::Store<crate::runtime::State>, &crate::runtime::MockData) -> Result<Value>,
) -> Result<Value, (i64, String)> {
    let policy = CallPolicy {
        environment: environment_argument(arguments).unwrap_or_else(|| sources.default_environment()),
        confirmed: confirms_production(arguments),
        agent: true,
        allow_production: options.allow_production,
        deadline: options.deadline,
    };
    let stop = Arc::new(Stop::default());
    let run = || -> Result<Value> {
        let mut progress = Progress::new(options.verbose, true);
        if let Some(token) = progress_token {
            // A client that stopped reading is the call's end, not ours to report.
            progress = progress.notifying(Notifier::new(
                token,
                Box::new(|n| {
                    let _ = send(n);
                }),
            ));
        }
        let (mut store, instance) = runtime.instantiate(sources.clone(), progress, policy, stop.clone())?;
        let _watchdog = Watchdog::start(runtime.engine().clone(), stop.clone(), options.deadline, exit_when_stuck());
        let result = f(&mut store, &instance);
        // What was held back goes out before the answer.
        store.data_mut().progress.finish();
        result
    };
    run().map_err(|e| {
        let why = stop.reason().map_or(String::new(), |w| format!(" (stopped: {w})"));
        (-32603, crate::text::clean(&format!("{e:#}{why}")).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_whole() {
        let text = format!("{{\"a\":1}}\n{}\n{{\"b\":2}}\nlast", "x".repeat(100_000));
        let mut input = std::io::BufReader::with_capacity(1024, text.as_bytes());
        let mut line = Vec::new();
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), Line::Read));
        assert_eq!(line, br#"{"a":1}"#);
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), Line::TooLong));
        assert!(line.capacity() <= 4096, "never held: {}", line.capacity());
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), Line::Read));
        assert_eq!(line, br#"{"b":2}"#);
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), Line::Read));
        assert_eq!(line, b"last");
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), Line::End));
    }
}
