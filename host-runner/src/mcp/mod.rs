//! `host-runner mcp`: the three tools as a Model Context Protocol server on
//! stdio (newline-delimited JSON-RPC 2.0), as the 2025-11-25 specification
//! says: version negotiation, tool titles, annotations and output schemas,
//! instructions carrying the production rules, progress, cancellation,
//! -32600 for invalid requests, answers to batches.
//!
//! Requests are read on the main thread and answered there when they are
//! quick (`initialize`, `ping`, `tools/list`); each `tools/call` runs on a
//! thread of its own, in a fresh store under the host's policy (environment
//! fixed from its arguments, production writes only with
//! `--allow-production`), so a `ping` or a `notifications/cancelled` is
//! heard while a long `generate` runs. A cancel stops the call the way a
//! signal does (`stop`): writes refused at once, reads cut, the run rolled
//! back; a cancelled request gets no answer, as the specification asks.
//! At the end of input the server answers the calls still running, then
//! ends; a signal stops them first. stdout carries protocol messages only.
//!
//! The official Rust SDK, `rmcp`, was weighed: its types are used (`model`:
//! protocol versions, tools, results, error codes), its async server is
//! not. The component runs synchronously in wasmtime on a thread per call,
//! with wasi-http on wasmtime's own runtime; rmcp's server would put a
//! tokio service between the two (spawn_blocking and channels for every
//! progress line), its newest version negotiates a protocol revision
//! without `initialize` that this server does not implement, and it does
//! not answer JSON-RPC batches, which clients of 2025-03-26 may send. This
//! loop is about two hundred lines and tested against the official Python
//! SDK (tests/mcp_client) and a raw session (tests/e2e/agent.rs).

mod protocol;

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::Result;
use rmcp::model::{CallToolResult, ErrorCode, Implementation, InitializeResult, ServerCapabilities, Tool, ToolsCapability};
use serde_json::{Map, Value, json};

use self::protocol::{Line, Message, error, result};
use crate::call::{CallPolicy, confirms_production, environment_argument};
use crate::config::Sources;
use crate::notify::Notifier;
use crate::progress::Progress;
use crate::runtime::Runtime;
use crate::sandbox::rules;
use crate::stop::{Level, Stop, Watchdog, signals};

/// The tools the component serves; any other name is an invalid parameter.
const TOOLS: [&str; 3] = ["generate_mock_data", "get_mock_data_status", "clean_mock_data"];

pub struct Options {
    pub verbose: bool,
    pub allow_production: bool,
    pub deadline: Duration,
}

struct Server {
    runtime: Runtime,
    sources: Sources,
    options: Options,
    /// The component's tool definitions, checked once at start.
    tools: Vec<Value>,
    /// Calls running, by their request id (as JSON text: 1 and "1" differ).
    calls: Mutex<HashMap<String, Arc<Call>>>,
    /// How many calls still owe an answer; the end of input waits for none.
    running: (Mutex<usize>, Condvar),
    /// A signal came: the server is ending and starts no more calls.
    ending: AtomicBool,
}

/// Where an answer goes: out on its own, or into its batch's array.
enum Responder {
    Direct,
    Batch(Arc<Batch>, usize),
}

struct Batch {
    slots: Mutex<Vec<Option<Value>>>,
    /// Answers still to come; the array goes out when none are.
    pending: AtomicUsize,
}

struct Call {
    id: Value,
    stop: Arc<Stop>,
    responder: Responder,
    /// Answered (or given up on): no second answer.
    answered: AtomicBool,
    /// Cancelled by the client: no answer at all.
    cancelled: AtomicBool,
}

pub fn serve(runtime: Runtime, sources: Sources, options: Options) -> Result<()> {
    let tools = definitions(&runtime, &sources, &options)?;
    let server = Arc::new(Server {
        runtime,
        sources,
        options,
        tools,
        calls: Mutex::default(),
        running: (Mutex::new(0), Condvar::new()),
        ending: AtomicBool::new(false),
    });
    signals::install();
    let watcher = server.clone();
    std::thread::spawn(move || watcher.watch_signals());
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    let max = rules().mcp.max_line_bytes;
    loop {
        match read_line(&mut stdin, max, &mut line)? {
            ReadLine::End => break,
            ReadLine::TooLong => {
                send(&error(Value::Null, ErrorCode::INVALID_REQUEST, format!("invalid request: a message longer than {max} bytes")))
            }
            ReadLine::Read => match std::str::from_utf8(&line) {
                Err(e) => send(&error(Value::Null, ErrorCode::PARSE_ERROR, format!("parse error: the message is not UTF-8 ({e})"))),
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => server.line(protocol::parse(text)),
            },
        }
    }
    // The client is done sending: answer what is still running, then end.
    let (count, done) = &server.running;
    let mut running = count.lock().unwrap_or_else(|e| e.into_inner());
    while *running > 0 {
        running = done.wait(running).unwrap_or_else(|e| e.into_inner());
    }
    Ok(())
}

/// The component's tool definitions, each checked against MCP's `Tool` and
/// the three names: a component cannot serve anything else.
fn definitions(runtime: &Runtime, sources: &Sources, options: &Options) -> Result<Vec<Value>> {
    let policy = CallPolicy {
        environment: sources.default_environment(),
        confirmed: false,
        agent: true,
        allow_production: false,
        deadline: options.deadline,
    };
    let stop = Arc::new(Stop::default());
    // Even this call has a deadline: a component that loops here is stopped.
    let _watchdog = Watchdog::start(
        runtime.engine().clone(),
        stop.clone(),
        options.deadline.min(Duration::from_secs(60)),
        crate::stop::exit_when_stuck(false),
    );
    let (mut store, instance) = runtime.instantiate(sources.clone(), Progress::silent(false), policy, stop)?;
    let text = instance.bustly_mock_data_agent().call_tool_definitions(&mut store)?;
    let all: Vec<Value> =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("the component's tool definitions are not a JSON array: {e}"))?;
    let tools: Vec<Value> = all
        .into_iter()
        .filter(|t| serde_json::from_value::<Tool>(t.clone()).is_ok_and(|tool| TOOLS.contains(&tool.name.as_ref())))
        .collect();
    if tools.len() != TOOLS.len() {
        anyhow::bail!("the component does not define the three tools ({}) as MCP tools", TOOLS.join(", "));
    }
    Ok(tools)
}

impl Server {
    fn line(self: &Arc<Self>, line: Line) {
        match line {
            Line::Bad(e) => send(&e),
            Line::One(message) => self.message(message, Responder::Direct),
            Line::Batch(messages) => {
                let owed = messages.iter().filter(|m| matches!(m, Message::Request { .. } | Message::Invalid(_))).count();
                let batch = Arc::new(Batch { slots: Mutex::new(vec![None; messages.len()]), pending: AtomicUsize::new(owed) });
                for (i, message) in messages.into_iter().enumerate() {
                    self.message(message, Responder::Batch(batch.clone(), i));
                }
            }
        }
    }

    fn message(self: &Arc<Self>, message: Message, responder: Responder) {
        match message {
            Message::Invalid(e) => answer(&responder, Some(e)),
            Message::Response => {}
            Message::Notification { method, params } => {
                if method == "notifications/cancelled" {
                    self.cancel(&params);
                }
            }
            Message::Request { id, method, params } => {
                let reply = match method.as_str() {
                    "initialize" => result(id, self.initialize(&params)),
                    "ping" => result(id, json!({})),
                    "tools/list" => result(id, json!({"tools": self.tools})),
                    "tools/call" => match self.start_call(id.clone(), &params, responder) {
                        Ok(()) => return,
                        Err((responder, code, why)) => return answer(&responder, Some(error(id, code, why))),
                    },
                    other => error(id, ErrorCode::METHOD_NOT_FOUND, format!("unknown method '{other}'")),
                };
                answer(&responder, Some(reply));
            }
        }
    }

    fn initialize(&self, params: &Map<String, Value>) -> Value {
        let version = protocol::negotiate(params.get("protocolVersion").and_then(Value::as_str));
        let info = Implementation::new("bustly-mock-data", env!("CARGO_PKG_VERSION")).with_title("Bustly mock data");
        let mut capabilities = ServerCapabilities::default();
        let mut tools = ToolsCapability::default();
        tools.list_changed = Some(false);
        capabilities.tools = Some(tools);
        let answer = InitializeResult::new(capabilities)
            .with_protocol_version(version)
            .with_server_info(info)
            .with_instructions(instructions(self.options.allow_production));
        serde_json::to_value(answer).expect("an initialize result serialises")
    }

    fn cancel(&self, params: &Map<String, Value>) {
        let Some(id) = params.get("requestId") else { return };
        let Some(call) = self.calls.lock().ok().and_then(|c| c.get(&id.to_string()).cloned()) else { return };
        call.cancelled.store(true, Ordering::SeqCst);
        let reason = params.get("reason").and_then(Value::as_str).map(|r| format!(": {}", crate::text::clean(r))).unwrap_or_default();
        call.stop.begin(format!("cancelled by the client{reason}"));
    }

    /// Starts a `tools/call` on a thread of its own, or says why not.
    fn start_call(
        self: &Arc<Self>,
        id: Value,
        params: &Map<String, Value>,
        responder: Responder,
    ) -> Result<(), (Responder, ErrorCode, String)> {
        let name = params.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
        if !TOOLS.contains(&name.as_str()) {
            return Err((responder, ErrorCode::INVALID_PARAMS, format!("unknown tool '{name}': the tools are {}", TOOLS.join(", "))));
        }
        let arguments = match params.get("arguments") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => return Err((responder, ErrorCode::INVALID_PARAMS, "tools/call: \"arguments\" must be an object".into())),
        };
        // A string or an integer, sent back as it came.
        let token = params.get("_meta").and_then(|m| m.get("progressToken")).filter(|t| t.is_string() || t.is_i64() || t.is_u64()).cloned();
        let key = id.to_string();
        {
            let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
            if calls.contains_key(&key) {
                return Err((responder, ErrorCode::INVALID_REQUEST, format!("invalid request: a call with id {key} is still running")));
            }
            if self.ending.load(Ordering::SeqCst) {
                return Err((responder, ErrorCode::INTERNAL_ERROR, "the server is ending (it was sent a signal): no new calls".into()));
            }
            let max = rules().mcp.max_calls_at_once;
            if calls.len() >= max {
                return Err((
                    responder,
                    ErrorCode::INTERNAL_ERROR,
                    format!("{max} calls are running already: send this one when one of them has ended"),
                ));
            }
            let call =
                Arc::new(Call { id, stop: Arc::default(), responder, answered: AtomicBool::new(false), cancelled: AtomicBool::new(false) });
            calls.insert(key, call.clone());
            *self.running.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            let server = self.clone();
            std::thread::spawn(move || server.run(&call, &name, &arguments, token));
        }
        Ok(())
    }

    /// Runs one tool call against a fresh instance of the component.
    fn run(self: &Arc<Self>, call: &Arc<Call>, name: &str, arguments: &Value, token: Option<Value>) {
        let policy = CallPolicy {
            environment: environment_argument(arguments).unwrap_or_else(|| self.sources.default_environment()),
            confirmed: confirms_production(arguments),
            agent: true,
            allow_production: self.options.allow_production,
            deadline: self.options.deadline,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<Value> {
            let mut progress = Progress::silent(self.options.verbose);
            if let Some(token) = token {
                progress = progress.notifying(Notifier::new(token, Box::new(send)));
            }
            let (server, stuck) = (self.clone(), call.clone());
            let on_stuck = Box::new(move |_: &Stop| server.finish(&stuck, Err(anyhow::anyhow!("the call did not stop; it was given up"))));
            // Started first: a component that loops while it starts is stopped too.
            let _watchdog = Watchdog::start(self.runtime.engine().clone(), call.stop.clone(), self.options.deadline, on_stuck);
            let (mut store, instance) = self.runtime.instantiate(self.sources.clone(), progress, policy, call.stop.clone())?;
            let answer = instance.bustly_mock_data_agent().call_call_tool(&mut store, name, &arguments.to_string());
            // What was held back goes out before the answer.
            store.data_mut().progress.finish();
            let value: Value = serde_json::from_str(&answer?)?;
            let failed = value["success"] != json!(true);
            anyhow::ensure!(value.is_object(), "the component's answer is not a JSON object");
            let mut answer = if failed { CallToolResult::structured_error(value) } else { CallToolResult::structured(value) };
            // A field of the protocol revision after 2025-11-25 only.
            answer.result_type = None;
            Ok(serde_json::to_value(answer)?)
        }))
        // A panic in the host still answers the call and frees its place.
        .unwrap_or_else(|_| Err(anyhow::anyhow!("the call failed inside the host (a panic); see its log")));
        self.finish(call, outcome);
    }

    /// Answers a call once (none when cancelled) and lets it go.
    fn finish(&self, call: &Call, outcome: Result<Value>) {
        if call.answered.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(&call.id.to_string());
        }
        let reply = (!call.cancelled.load(Ordering::SeqCst)).then(|| match outcome {
            Ok(value) => result(call.id.clone(), value),
            Err(e) => {
                let why = call.stop.reason().map_or(String::new(), |w| format!(" (stopped: {w})"));
                error(call.id.clone(), ErrorCode::INTERNAL_ERROR, crate::text::clean(&format!("{e:#}{why}")))
            }
        });
        answer(&call.responder, reply);
        let (count, done) = &self.running;
        *count.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        done.notify_all();
    }

    /// On SIGINT/SIGTERM: every call stops (their watchdogs see the signal
    /// too), and once none runs, or they had their time, the server ends.
    fn watch_signals(&self) {
        while signals::count() == 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
        self.ending.store(true, Ordering::SeqCst);
        let calls: Vec<Arc<Call>> = self.calls.lock().map(|c| c.values().cloned().collect()).unwrap_or_default();
        for call in &calls {
            call.stop.begin("interrupted".into());
        }
        let patience = rules().calls.grace(self.options.deadline) + rules().calls.last_wait() * 2;
        let (count, done) = &self.running;
        let running = count.lock().unwrap_or_else(|e| e.into_inner());
        let _ = done.wait_timeout_while(running, patience, |n| *n > 0);
        if calls.iter().any(|c| c.stop.level() < Level::Sealed && !c.answered.load(Ordering::SeqCst)) {
            eprintln!("warning: a call was still running when the server ended");
        }
        std::process::exit(i32::from(signals::exit_code().unwrap_or(130)));
    }
}

/// Sends an answer (None: none is owed any more, as for a cancelled call).
fn answer(responder: &Responder, reply: Option<Value>) {
    match responder {
        Responder::Direct => {
            if let Some(reply) = reply {
                send(&reply);
            }
        }
        Responder::Batch(batch, i) => {
            if let (Some(reply), Ok(mut slots)) = (reply, batch.slots.lock()) {
                slots[*i] = Some(reply);
            }
            if batch.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
                let answers: Vec<Value> = batch.slots.lock().map(|s| s.iter().flatten().cloned().collect()).unwrap_or_default();
                if !answers.is_empty() {
                    send(&Value::Array(answers));
                }
            }
        }
    }
}

/// What a host tells its model about this server: what each tool does and
/// the production rules.
fn instructions(allow_production: bool) -> String {
    let flag = &rules().production.agents_need_host_flag;
    format!(
        "bustly-mock-data generates, reports and removes realistic mock e-commerce and advertising data in a Bustly warehouse (Supabase, schema semantic). get_mock_data_status only reads. generate_mock_data adds rows, each marked with a run id (dry_run: true shows what would be written). clean_mock_data deletes only rows this tool generated (every run, or one run_id) and needs confirm: true: ask the user before cleaning. Pick the environment with env (local, staging, production, ...). Production: an environment named like production, or marked so, is written to or cleaned only when the call says confirm_production: true and this server was started with {flag}; {}. Never set confirm_production unless the user asked, in so many words, to change production data.",
        if allow_production {
            format!("this server was started with {flag}")
        } else {
            format!("this server was not started with {flag}, so production calls only read")
        }
    )
}

/// One message on stdout, a line of its own (answers and notifications
/// from several calls' threads never mix within a line).
fn send(message: &Value) {
    let mut stdout = std::io::stdout().lock();
    // A client that stopped reading is the end of the session, not ours to report.
    let _ = writeln!(stdout, "{message}").and_then(|()| stdout.flush());
}

enum ReadLine {
    Read,
    /// Longer than the limit: skipped to its end, never held whole.
    TooLong,
    End,
}

/// The next line of `input` into `line` (without its newline), reading no
/// more than `max` bytes of it into memory.
fn read_line(input: &mut impl BufRead, max: usize, line: &mut Vec<u8>) -> std::io::Result<ReadLine> {
    line.clear();
    let mut too_long = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(if too_long {
                ReadLine::TooLong
            } else if line.is_empty() {
                ReadLine::End
            } else {
                ReadLine::Read
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
            return Ok(if too_long { ReadLine::TooLong } else { ReadLine::Read });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_longer_than_the_limit_is_skipped_whole() {
        let text = format!("{{\"a\":1}}\n{}\n{{\"b\":2}}\nlast", "x".repeat(100_000));
        let mut input = std::io::BufReader::with_capacity(1024, text.as_bytes());
        let mut line = Vec::new();
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), ReadLine::Read));
        assert_eq!(line, br#"{"a":1}"#);
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), ReadLine::TooLong));
        assert!(line.capacity() <= 4096, "never held: {}", line.capacity());
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), ReadLine::Read));
        assert_eq!(line, br#"{"b":2}"#);
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), ReadLine::Read));
        assert_eq!(line, b"last");
        assert!(matches!(read_line(&mut input, 1000, &mut line).unwrap(), ReadLine::End));
    }

    #[test]
    fn batch_answers_go_out_together_when_the_last_is_in() {
        let batch = Arc::new(Batch { slots: Mutex::new(vec![None, None, None]), pending: AtomicUsize::new(2) });
        answer(&Responder::Batch(batch.clone(), 0), Some(json!(1)));
        assert_eq!(batch.pending.load(Ordering::SeqCst), 1);
        // A cancelled call owes nothing but still ends its share.
        answer(&Responder::Batch(batch.clone(), 2), None);
        assert_eq!(batch.pending.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_instructions_carry_the_production_rules() {
        let text = instructions(false);
        assert!(text.contains("confirm_production: true") && text.contains("not started with --allow-production"), "{text}");
        assert!(instructions(true).contains("was started with --allow-production"));
    }
}
