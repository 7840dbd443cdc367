//! Issue 9, "fast at scale", on the real parts: a warehouse that answers a
//! fifth of the writes with 429 (benches/fixtures/latency.py between
//! host-runner and the local REST API), and a foreign key without an index.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{AS_OF, Workspace, repo};

/// The HTTP proxy of benches/fixtures/latency.py in front of the local REST
/// API; killed when dropped.
pub struct Proxy {
    child: Child,
    port: u16,
    log: PathBuf,
    /// Config folders made for it (they hold the local key): removed with it.
    configs: std::cell::RefCell<Vec<PathBuf>>,
}

impl Proxy {
    /// Holding each request and each answer `delay_ms`.
    pub fn start(tag: &str, delay_ms: u32, extra: &[&str]) -> Proxy {
        let local: Value = serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap();
        let upstream = local["SUPABASE_REST_URL"].as_str().unwrap().trim_end_matches('/').rsplit(':').next().unwrap().to_string();
        let log = std::env::temp_dir().join(format!("e2e-proxy-{tag}-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&log);
        let script = repo().join("benches/fixtures/latency.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["proxy", "0", &upstream, &delay_ms.to_string(), "--log", log.to_str().unwrap()])
            .args(extra)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs benches/fixtures/latency.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("the proxy printed its port, not {line:?}"));
        Proxy { child, port, log, configs: Default::default() }
    }

    /// A config folder whose environment `far` is the local warehouse
    /// through this proxy, for `ws`.
    pub fn config(&self, ws: &Workspace) -> PathBuf {
        let mut section: Value = serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap();
        let url = format!("http://127.0.0.1:{}", self.port);
        section["SUPABASE_URL"] = json!(url);
        section["SUPABASE_REST_URL"] = json!(url);
        section["WORKSPACE_ID"] = json!(ws.id);
        let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("supabase.json"), json!({ "far": section }).to_string()).unwrap();
        self.configs.borrow_mut().push(dir.clone());
        dir
    }

    /// Requests the proxy answered with `status`, by method.
    fn answered(&self, method: &str, status: u16) -> usize {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|l| l.split(' ').next() == Some(method) && l.split(' ').nth(2) == Some(&status.to_string())).count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        for dir in self.configs.borrow().iter() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn a_429_storm_slows_writes_down_and_every_row_lands_once() {
    let mut ws = Workspace::new("storm");
    let proxy = Proxy::start("storm", 0, &["--refuse-writes", "0.2", "--retry-after", "1"]);
    let dir = proxy.config(&ws);
    let far = ["--config-dir", dir.to_str().unwrap(), "--env", "far"];
    let run = ws.hr(&[&far[..], &["generate", "shopify", "--count", "1500", "--seed", "15", "--as-of", AS_OF, "--json"]].concat());
    let r = run.ok().json();
    assert_eq!(r["success"], true, "{r}");
    let refused = proxy.answered("POST", 429);
    assert!(refused >= 5, "a fifth of the inserts were refused: {refused}");
    // Exact: every table holds what the result says, nothing twice (the
    // keys are unique), nothing missing.
    let mut total = 0;
    for t in r["platforms"][0]["tables"].as_array().unwrap() {
        let table = t["table"].as_str().unwrap().trim_start_matches("semantic.");
        let inserted = t["inserted"].as_i64().unwrap();
        assert_eq!(ws.rows(table), inserted, "{table}");
        total += inserted;
    }
    assert_eq!(r["total_records"].as_i64(), Some(total));
    assert!(ws.rows("dm_orders_shopify") == 1500 && ws.rows("dm_shopify_pixel_events") > 10_000, "{r}");
    // The window shrank, and the result says so.
    let warnings = r["warnings"].to_string();
    let pushed: usize = warnings
        .split("the warehouse pushed back ")
        .nth(1)
        .and_then(|w| w.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a warning says the warehouse pushed back: {warnings}"));
    assert!((1..=refused).contains(&pushed), "{pushed} push-backs for {refused} refusals: {warnings}");
    let slowed: usize = warnings.split("slowed down to ").nth(1).and_then(|w| w.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
    assert!(slowed < 16, "fewer in flight than the cap: {warnings}");
    // The result says how many requests were in flight at most.
    let peak = r["peak_in_flight"].as_u64().unwrap_or_else(|| panic!("peak_in_flight in {r}"));
    assert!((2..=16).contains(&peak), "{peak} in flight at most");

    // Clean goes through the same storm: its refused deletes are retried.
    let clean = ws.hr(&[&far[..], &["clean", "shopify", "--confirm", "--json"]].concat()).ok().json();
    assert!(proxy.answered("DELETE", 429) >= 1, "some deletes were refused too");
    assert_eq!(clean["deleted"].as_i64(), Some(total), "{clean}");
    for t in r["platforms"][0]["tables"].as_array().unwrap() {
        assert_eq!(ws.rows(t["table"].as_str().unwrap().trim_start_matches("semantic.")), 0);
    }
}

/// status and clean read everything they need in one round trip after the
/// host's probe when the warehouse has the expected layout (a census query
/// per table, with the schema reads); clean then needs one more per level of
/// parents (shopify: three).
#[test]
fn status_and_clean_need_few_requests() {
    let ws = Workspace::new("admin");
    ws.hr(&["generate", "shopify", "--count", "300", "--seed", "16", "--as-of", AS_OF]).ok();
    // Far enough that requests sent together are all in flight together.
    let proxy = Proxy::start("admin", 25, &[]);
    let dir = proxy.config(&ws);
    let far = ["--config-dir", dir.to_str().unwrap(), "--env", "far"];
    let status = ws.hr(&[&far[..], &["status", "shopify", "--json"]].concat()).ok().json();
    let tables = status["report"]["tables"].as_array().unwrap();
    assert_eq!(tables.iter().find(|t| t["table"] == "semantic.dm_orders_shopify").unwrap()["generated_rows"], 300);
    let log = std::fs::read_to_string(&proxy.log).unwrap();
    // The probe's two queries together, then seven schema reads and seven
    // census queries together.
    assert_eq!(log.lines().count(), 16, "{log}");
    assert_eq!(log.lines().filter(|l| l.starts_with("POST /rpc/run_select_ws")).count(), 9, "{log}");
    let arrived: Vec<f64> = log.lines().skip(2).map(|l| l.split(' ').nth(3).unwrap().parse().unwrap()).collect();
    let answered: Vec<f64> = log.lines().skip(2).map(|l| l.split(' ').nth(4).unwrap().parse().unwrap()).collect();
    assert!(
        arrived.iter().fold(0.0, |a: f64, b| a.max(*b)) < answered.iter().fold(f64::MAX, |a: f64, b| a.min(*b)),
        "all in flight together: {log}"
    );
    let clean = ws.hr(&[&far[..], &["clean", "shopify", "--confirm", "--json"]].concat()).ok().json();
    assert_eq!(clean["warnings"], json!([]), "every foreign key of the local warehouse has its index");
    let log = std::fs::read_to_string(&proxy.log).unwrap();
    let clean_lines: Vec<&str> = log.lines().skip(16).collect();
    assert_eq!(clean_lines.iter().filter(|l| !l.starts_with("DELETE")).count(), 2 + 7 + 7 + 1, "probe, schemas, census, keys: {log}");
    // Children first: no table's delete began before the last delete of a
    // table referencing it was answered.
    let span = |table: &str, first: bool| -> f64 {
        let times = clean_lines.iter().filter(|l| l.starts_with(&format!("DELETE /{table} "))).map(|l| {
            let f: Vec<f64> = l.split(' ').skip(3).map(|x| x.parse().unwrap()).collect();
            if first { f[0] } else { f[1] }
        });
        let times: Vec<f64> = times.collect();
        // Every table of the run had rows: each must have been deleted.
        assert!(!times.is_empty(), "no DELETE of {table} at the proxy: {log}");
        if first { times.iter().copied().fold(f64::MAX, f64::min) } else { times.iter().copied().fold(0.0, f64::max) }
    };
    for (child, parent) in [
        ("dm_order_items_shopify", "dm_orders_shopify"),
        ("dm_shopify_pixel_events", "dm_orders_shopify"),
        ("dm_orders_shopify", "dm_customers_shopify"),
        ("dm_order_items_shopify", "dm_variants_shopify"),
        ("dm_variants_shopify", "dm_products_shopify"),
    ] {
        assert!(span(child, false) <= span(parent, true), "{child} before {parent}: {log}");
    }
}

/// A foreign key without an index behind it (a table of the test's own that
/// references the orders): clean names it and the index to add; with the
/// index, the warning is gone.
#[test]
fn clean_names_a_foreign_key_without_an_index_and_the_index_to_add() {
    let mut ws = Workspace::exclusive("unindexed");
    let table = format!("e2e_notes_{}", std::process::id());
    ws.execute(&format!(
        "create table semantic.{table} (tenant_id text not null, note_id text not null, order_id text, primary key (tenant_id, note_id),
           constraint {table}_order foreign key (tenant_id, order_id) references semantic.dm_orders_shopify (tenant_id, order_id))"
    ));
    // Every run first, then the table goes, then the checks: a failing
    // check leaves no table behind.
    let generated = ws.hr(&["generate", "shopify", "minimal", "--seed", "17"]);
    let first = ws.hr(&["clean", "shopify", "--confirm", "--json"]);
    let again = ws.hr(&["generate", "shopify", "minimal", "--seed", "17"]);
    ws.execute(&format!("create index on semantic.{table} (tenant_id, order_id)"));
    let second = ws.hr(&["clean", "shopify", "--confirm", "--json"]);
    ws.execute(&format!("drop table semantic.{table}"));
    generated.ok();
    again.ok();
    let warnings = first.ok().json()["warnings"].clone();
    let warnings: Vec<&str> = warnings.as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(&format!("foreign key {table}_order of semantic.{table} (tenant_id, order_id) has no index")),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("once per row removed (here 10 rows)"), "{}", warnings[0]);
    assert!(warnings[0].ends_with(&format!("create index on semantic.{table} (tenant_id, order_id);")), "{}", warnings[0]);
    assert_eq!(second.ok().json()["warnings"], json!([]), "the index is there now");
    assert_eq!(ws.rows("dm_orders_shopify"), 0);
}

/// A stop (the deadline, a signal, an MCP cancel) takes effect within a few
/// seconds even while a query hangs on the server: the host cuts the reads
/// a stopping call has in flight (before, the call waited out the request's
/// first-byte timeout, then the grace: `timeout 60` returned after 185 s).
#[test]
fn a_stop_takes_effect_while_a_query_hangs_on_the_server() {
    let ws = Workspace::new("hung");
    let proxy = Proxy::start("hung", 0, &["--hang-queries", "dm_orders_shopify"]);
    let dir = proxy.config(&ws);
    let hung = || std::fs::read_to_string(&proxy.log).unwrap_or_default().lines().filter(|l| l.contains(" HANG ")).count();
    let d = dir.to_str().unwrap().to_string();
    let far = ["--config-dir", d.as_str(), "--env", "far"];

    let started = Instant::now();
    let run = ws.hr(&[&far[..], &["--timeout", "5", "generate", "shopify", "--dry-run"]].concat());
    let took = started.elapsed();
    assert!(hung() > 0, "no query hung:\n{}", run.output());
    assert_eq!(run.code, 124, "{}", run.output());
    assert!(took < Duration::from_secs(20), "the deadline of 5 s took {took:?}:\n{}", run.output());

    let spawn = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_host-runner"))
            .args(args)
            .current_dir(repo())
            .env("MOCK_DATA_WORKSPACE_ID", &ws.id)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let wait_for_hang = |before: usize| {
        let started = Instant::now();
        while hung() == before && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(hung() > before, "no query hung");
    };

    // A signal.
    let before = hung();
    let mut child = spawn(&[&far[..], &["generate", "shopify", "--dry-run"]].concat());
    wait_for_hang(before);
    let started = Instant::now();
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(10), "SIGINT took {:?}", started.elapsed());

    // An MCP cancel: the call ends (unanswered, as the specification asks)
    // and the server goes on.
    let before = hung();
    let mut server = spawn(&[&far[..], &["mcp"]].concat());
    let mut input = server.stdin.take().unwrap();
    let mut output = BufReader::new(server.stdout.take().unwrap());
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "generate_mock_data", "arguments": {"platform": "shopify", "dry_run": true}}});
    writeln!(input, "{call}").unwrap();
    wait_for_hang(before);
    let started = Instant::now();
    writeln!(input, "{}", json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1, "reason": "e2e"}}))
        .unwrap();
    writeln!(input, "{}", json!({"jsonrpc": "2.0", "id": 2, "method": "ping"})).unwrap();
    let mut line = String::new();
    output.read_line(&mut line).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["id"], 2, "{line}");
    drop(input);
    let status = server.wait().unwrap();
    let mut rest = String::new();
    output.read_to_string(&mut rest).unwrap();
    assert!(status.success() && rest.trim().is_empty(), "no answer to the cancelled call: {rest}");
    assert!(started.elapsed() < Duration::from_secs(15), "the cancel took {:?}", started.elapsed());
}
