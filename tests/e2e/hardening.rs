//! Issue 8: what a hostile component or a careless agent cannot turn
//! against the user. The rogue fixture attacks (`generate attack:NAME`);
//! the warehouse's run_select_ws is tested in SQL; interrupts and
//! deadlines on the real component and the real host.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{AS_OF, Workspace, component, repo, warehouse};
use crate::hosts::{Host, attack, on_both_hosts};

fn rogue() -> String {
    component("rogue_guest.wasm").to_str().unwrap().to_string()
}

on_both_hosts!(
    the_key_cannot_be_read_back_through_run_select_ws,
    the_host_refuses_a_warehouse_that_leaks_the_key,
    unconfirmed_production_calls_only_the_agent_rpcs_and_only_in_semantic,
    encoded_paths_are_refused,
    the_component_cannot_switch_environments,
    endless_loops_and_sleeps_end_at_the_deadline,
    a_warehouse_that_never_answers_does_not_hold_the_host_past_its_deadline,
    memory_and_request_bombs_are_capped,
    control_characters_are_shown_not_obeyed,
    the_component_gets_no_environment,
    agents_need_the_host_flag_for_production,
    an_interrupted_run_is_rolled_back,
    a_run_past_its_deadline_is_rolled_back,
    the_first_byte_and_idle_timeouts_hold,
    when_the_warehouse_is_gone_the_message_names_the_run_to_clean,
);

/// A config folder whose supabase.json has the local warehouse under each
/// of `names` (with this workspace).
fn config_with(ws: &Workspace, names: &[&str]) -> PathBuf {
    let mut local: Value = serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap();
    local["WORKSPACE_ID"] = json!(ws.id);
    let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    let sections: serde_json::Map<String, Value> = names.iter().map(|n| (n.to_string(), local.clone())).collect();
    std::fs::write(dir.join("supabase.json"), Value::Object(sections).to_string()).unwrap();
    dir
}

fn the_key_cannot_be_read_back_through_run_select_ws(host: Host) {
    let ws = Workspace::new("keyread");
    // The harness fails the test if the key shows up in the output.
    let out = attack(&ws, host, "key-readback", &[]).out;
    assert!(out.contains("headers: answered 200"), "the query ran:\n{out}");
    assert!(out.contains(r#""h":"""#) || out.contains(r#""h": """#), "request.headers is empty:\n{out}");
    assert!(out.contains(r#""c":"""#) || out.contains(r#""c": """#), "the JWT claims are empty:\n{out}");
}

/// A stand-in warehouse whose run_select_ws hands back the request headers.
fn leaking_warehouse() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut apikey = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("apikey:") {
                    apikey = line[line.len() - v.len()..].trim().to_string();
                }
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line.trim().is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let answer = json!([{ "h": json!({ "apikey": apikey }).to_string() }]).to_string();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    (port, server)
}

fn the_host_refuses_a_warehouse_that_leaks_the_key(host: Host) {
    let ws = Workspace::new("leak");
    let (port, server) = leaking_warehouse();
    let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    let key = "leaky-test-key-0123456789abcdefghijklmnop";
    let section = json!({ "SUPABASE_URL": format!("http://127.0.0.1:{port}"), "SUPABASE_REST_URL": format!("http://127.0.0.1:{port}"), "SUPABASE_SERVICE_ROLE_KEY": key, "WORKSPACE_ID": ws.id });
    std::fs::write(dir.join("supabase.json"), json!({ "leaky": section }).to_string()).unwrap();
    let run = host.run(&ws, &["--config-dir", dir.to_str().unwrap(), "--env", "leaky", "call", "get_mock_data_status", "{}"]);
    server.join().unwrap();
    let out = run.failed().output();
    assert!(out.contains("leaks the service key") && out.contains("request.headers"), "{out}");
    assert!(!out.contains(key), "the key is not shown:\n{out}");
}

fn db_message(e: &postgres::Error) -> String {
    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string())
}

#[test]
fn run_select_ws_is_for_the_service_role_with_pg_catalog_first_and_a_time_limit() {
    let _hold = crate::harness::shared();
    let w = warehouse();
    let mut db = postgres::Client::connect(&w.database_url, postgres::NoTls).unwrap();
    let mut tx = db.transaction().unwrap();
    tx.batch_execute("set local role authenticated").unwrap();
    let e = tx.query_one("select public.run_select_ws('select 1', 'any-workspace')", &[]).unwrap_err();
    assert!(db_message(&e).contains("permission denied"), "{e:?}");
    tx.rollback().unwrap();

    // A function in `semantic` named like a catalog one must not be picked.
    let mut tx = db.transaction().unwrap();
    tx.batch_execute("create function semantic.upper(text) returns text language sql as $$ select 'shadowed' $$").unwrap();
    let v: String = tx.query_one("select public.run_select_ws('select upper(''a'') as u', 'ws')::text", &[]).unwrap().get(0);
    assert_eq!(serde_json::from_str::<Value>(&v).unwrap(), json!([{"u": "A"}]));
    tx.rollback().unwrap();

    // Statements of the REST login end in time (a limit set inside the
    // function would not stop the running statement).
    let login = w.database_url.replace("postgres@", "authenticator@");
    let mut rest = postgres::Client::connect(&login, postgres::NoTls).unwrap();
    let timeout: String = rest.query_one("show statement_timeout", &[]).unwrap().get(0);
    assert_eq!(timeout, "1min");
}

#[test]
fn a_workspace_id_with_a_semicolon_works() {
    let mut ws = Workspace::new("semi;colon");
    ws.hr(&["generate", "shopify", "minimal", "--seed", "5", "--as-of", AS_OF]).ok();
    assert!(ws.rows("dm_orders_shopify") > 0);
    ws.hr(&["generate", "shopify", "--dry-run", "--as-of", AS_OF]).ok();
    ws.hr(&["clean", "shopify", "--confirm"]).ok();
    assert_eq!(ws.rows("dm_orders_shopify"), 0);
}

fn unconfirmed_production_calls_only_the_agent_rpcs_and_only_in_semantic(host: Host) {
    let ws = Workspace::new("prodrpc");
    let dir = config_with(&ws, &["eu-PROD"]);
    let out = attack(&ws, host, "rpc-write", &["--config-dir", dir.to_str().unwrap(), "--env", "eu-PROD"]).out;
    assert!(out.contains("agent rpc: answered 200"), "{out}");
    assert!(out.contains("other rpc: denied"), "any other function may write:\n{out}");
    let out = attack(&ws, host, "profile", &[]).out;
    assert!(out.contains("public profile: denied") && out.contains("only semantic"), "{out}");
}

fn encoded_paths_are_refused(host: Host) {
    let ws = Workspace::new("paths");
    let out = attack(&ws, host, "paths", &[]).out;
    for p in ["%2e%2e/x: denied", "..%2fx: denied", ".%2e/x: denied", "%2E%2E/x: denied", "..%5cx: denied"] {
        assert!(out.contains(p), "{p}:\n{out}");
    }
}

fn the_component_cannot_switch_environments(host: Host) {
    let ws = Workspace::new("envswitch");
    let out = attack(&ws, host, "env-switch", &[]).out;
    assert!(out.contains("refused: the component asked for environment 'staging-elsewhere', but this call is for 'local'"), "{out}");
}

fn endless_loops_and_sleeps_end_at_the_deadline(host: Host) {
    let ws = Workspace::new("deadline");
    for name in ["loop", "sleep"] {
        let started = Instant::now();
        let run = attack(&ws, host, name, &["--timeout", "1"]).run;
        let took = started.elapsed();
        assert_eq!(run.code, 124, "{name}: {}", run.output());
        assert!(run.output().contains("deadline of 1 s"), "{name}: {}", run.output());
        assert!(took < Duration::from_secs(15), "{name} took {took:?}");
    }
}

fn a_warehouse_that_never_answers_does_not_hold_the_host_past_its_deadline(host: Host) {
    let ws = Workspace::new("stalled");
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(64).flatten().collect();
        std::thread::sleep(Duration::from_secs(60));
        drop(held);
    });
    let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let section =
        json!({ "SUPABASE_URL": url, "SUPABASE_REST_URL": url, "SUPABASE_SERVICE_ROLE_KEY": "stalled-key", "WORKSPACE_ID": ws.id });
    std::fs::write(dir.join("supabase.json"), json!({ "stalled": section }).to_string()).unwrap();
    let started = Instant::now();
    let run =
        host.run(&ws, &["--config-dir", dir.to_str().unwrap(), "--env", "stalled", "--timeout", "2", "call", "get_mock_data_status", "{}"]);
    assert_eq!(run.code, 124, "{}", run.output());
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}

fn memory_and_request_bombs_are_capped(host: Host) {
    let ws = Workspace::new("bombs");
    let out = attack(&ws, host, "memory", &[]).out;
    let grown: u64 = out.split("memory grew by ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).expect(&out);
    assert!(grown <= 2048, "{grown} MiB:\n{out}");
    let out = attack(&ws, host, "requests", &[]).out;
    assert!(out.contains("200 requests at once"), "{out}");
    assert!(out.contains("more than 32 requests at once"), "the cap refused some:\n{out}");
}

fn control_characters_are_shown_not_obeyed(host: Host) {
    let ws = Workspace::new("ansi");
    let run = attack(&ws, host, "ansi", &[]).run;
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(!text.contains('\x1b') && !text.contains('\r'), "{name}: {:?}", &text[..text.len().min(500)]);
    }
    assert!(run.stderr.contains("warning: log \\u{1b}]0;owned"), "the component's log line: {}", &run.stderr[..run.stderr.len().min(500)]);
}

/// The host's own variables (the test sets MOCK_DATA_WORKSPACE_ID, PATH, HOME) never reach the component.
fn the_component_gets_no_environment(host: Host) {
    let ws = Workspace::new("environment");
    let out = attack(&ws, host, "environment", &[]).out;
    assert!(out.starts_with("0 variables, 0 arguments"), "{out}");
}

/// host-runner's text output (`generate`) shows the component's summary cleaned.
#[test]
fn control_characters_in_a_summary_are_shown_not_obeyed() {
    let ws = Workspace::new("ansi");
    let run = ws.hr(&["--component", &rogue(), "generate", "attack:ansi"]);
    assert!(!run.stderr.contains('\x1b') && !run.stderr.contains('\r'), "{:?}", run.stderr);
    assert!(run.stderr.contains("\\u{1b}[31mred"), "{}", run.stderr);
}

#[test]
fn environments_named_like_production_need_confirmation_and_agents_need_the_host_flag() {
    let mut ws = Workspace::new("prodname");
    let dir = config_with(&ws, &["Production", "prod-eu", "prodlike"]);
    let d = dir.to_str().unwrap();
    for env in ["Production", "prod-eu"] {
        let run = ws.hr(&["--config-dir", d, "--env", env, "generate", "shopify", "minimal"]);
        assert!(run.failed().output().contains("is production"), "{}", run.output());
    }
    // MCP: an agent's own confirmation is not enough.
    let line = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "clean_mock_data", "arguments": {"platform": "shopify", "confirm": true, "env": "prod-eu", "confirm_production": true}}});
    let mcp = ws.hr_in(&["--config-dir", d, "mcp"], Some(&format!("{line}\n")));
    assert!(mcp.stdout.contains("--allow-production"), "{}", mcp.output());
    assert_eq!(ws.rows("dm_orders_shopify"), 0);
    ws.hr(&["--config-dir", d, "--env", "prod-eu", "generate", "shopify", "minimal", "--confirm-production"]).ok();
    assert!(ws.rows("dm_orders_shopify") > 0, "a person's --confirm-production writes");
    std::fs::write(dir.join("supabase.json"), {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("supabase.json")).unwrap()).unwrap();
        v["prodlike"]["production"] = json!(false);
        v.to_string()
    })
    .unwrap();
    ws.hr(&["--config-dir", d, "--env", "prodlike", "clean", "shopify", "--confirm"]).ok();
    assert_eq!(ws.rows("dm_orders_shopify"), 0, "\"production\": false makes it a plain environment");
}

/// The agent path (`call`): an agent's confirmation is not enough, unless the host was started to allow it.
fn agents_need_the_host_flag_for_production(host: Host) {
    let mut ws = Workspace::new("prodflag");
    let dir = config_with(&ws, &["prod-eu"]);
    let d = dir.to_str().unwrap();
    let args = json!({"platform": "shopify", "strategy": "minimal", "env": "prod-eu", "confirmProduction": true}).to_string();
    let run = host.run(&ws, &["--config-dir", d, "call", "generate_mock_data", &args]);
    assert!(run.failed().output().contains("--allow-production"), "{}", run.output());
    let clean = json!({"platform": "shopify", "confirm": true, "env": "prod-eu", "confirm_production": true}).to_string();
    let run = host.run(&ws, &["--config-dir", d, "call", "clean_mock_data", &clean]);
    assert!(run.failed().output().contains("--allow-production"), "{}", run.output());
    let unconfirmed = json!({"platform": "shopify", "strategy": "minimal", "env": "prod-eu"}).to_string();
    let run = host.run(&ws, &["--config-dir", d, "--allow-production", "call", "generate_mock_data", &unconfirmed]);
    assert!(run.failed().output().contains("is production"), "the host's flag alone writes nothing: {}", run.output());
    assert_eq!(ws.rows("dm_orders_shopify"), 0);
    host.run(&ws, &["--config-dir", d, "--allow-production", "call", "generate_mock_data", &args]).ok();
    assert!(ws.rows("dm_orders_shopify") > 0);
    host.run(&ws, &["--config-dir", d, "--allow-production", "call", "clean_mock_data", &clean]).ok();
    assert_eq!(ws.rows("dm_orders_shopify"), 0);
}

/// A run of 5,000 orders through `host`'s agent entry, stopped with `signal` once it has written.
fn generate_and_stop(ws: &mut Workspace, host: Host, signal: &str) -> (Option<i32>, String) {
    let args = json!({"platform": "shopify", "force_count": 5000, "env": "local", "seed": 31, "as_of": AS_OF}).to_string();
    let mut cmd = match host {
        Host::Runner => Command::new(env!("CARGO_BIN_EXE_host-runner")),
        Host::Node => {
            let mut c = Command::new(crate::harness::node());
            c.arg(crate::harness::node_package().join("bin/bustly-mock-data.js"));
            c
        }
    };
    let mut child = cmd
        .args(["call", "generate_mock_data", &args])
        .current_dir(repo())
        .env("MOCK_DATA_WORKSPACE_ID", &ws.id)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while ws.rows("dm_orders_shopify") == 0 && ws.rows("dm_customers_shopify") == 0 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(started.elapsed() < Duration::from_secs(60), "the run never wrote");
    Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(!out.contains(&warehouse().service_key));
    assert!(!status.success(), "{out}");
    (status.code(), out)
}

fn an_interrupted_run_is_rolled_back(host: Host) {
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let mut ws = Workspace::new("sigint");
        let (status, out) = generate_and_stop(&mut ws, host, signal);
        assert!(out.contains("stopped: interrupted"), "{signal}: {out}");
        assert_eq!(status, Some(code), "{signal}: {out}");
        let left: i64 = ws.scalar(
            "select (select count(*) from semantic.dm_orders_shopify where tenant_id = $1) + (select count(*) from semantic.dm_customers_shopify where tenant_id = $1) + (select count(*) from semantic.dm_products_shopify where tenant_id = $1) + (select count(*) from semantic.dm_variants_shopify where tenant_id = $1) + (select count(*) from semantic.dm_order_items_shopify where tenant_id = $1) + (select count(*) from semantic.dm_shopify_pixel_events where tenant_id = $1) + (select count(*) from semantic.dm_shop_info_shopify where tenant_id = $1)",
        );
        assert_eq!(left, 0, "{signal} left rows:\n{out}");
    }
}

#[test]
fn mcp_survives_bad_bytes_and_names_unknown_tools() {
    let ws = Workspace::new("mcpbad");
    let mut input = b"\xff\xfe not utf-8\n".to_vec();
    input.extend_from_slice(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "drop_tables", "arguments": {}}})
            .to_string()
            .as_bytes(),
    );
    input.extend_from_slice(b"\n");
    input.extend_from_slice(json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}).to_string().as_bytes());
    input.extend_from_slice(b"\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_host-runner"))
        .args(["mcp", "--env", "local"])
        .current_dir(repo())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let replies: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(replies.len(), 3, "{replies:?}");
    assert_eq!(replies[0]["error"]["code"], -32700);
    assert_eq!(replies[1]["error"]["code"], -32602);
    assert!(replies[1]["error"]["message"].as_str().unwrap().contains("drop_tables"));
    assert_eq!(replies[2]["id"], 2);
    drop(ws);
}

#[test]
fn a_cache_others_can_write_is_not_loaded() {
    use std::os::unix::fs::PermissionsExt;
    let cache = std::env::temp_dir().join(format!("e2e-cache-perm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let ws = Workspace::new("cacheperm").with_env("BUSTLY_MOCK_CACHE_DIR", cache.to_str().unwrap());
    ws.hr(&["platforms", "-v"]).ok();
    let file = std::fs::read_dir(&cache).unwrap().flatten().next().unwrap().path();
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o077, 0, "written private");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = ws.hr(&["platforms", "-v"]);
    assert!(run.ok().stderr.contains("writable by others") && run.stderr.contains("compiled now"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&cache);
}

/// A proxy to the local REST API that goes dark at the first insert, as a
/// warehouse that disappears mid-run.
fn vanishing_warehouse(upstream: u16) -> u16 {
    use std::net::{Shutdown, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let gone = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            if gone.load(Ordering::SeqCst) {
                continue; // dropped: the connection closes
            }
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { continue };
            let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_read, mut c_write) = (server, client);
            let gone_up = gone.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c_read.read(&mut buf) {
                    let insert = buf[..n].starts_with(b"POST /dm_");
                    if n == 0 || insert || gone_up.load(Ordering::SeqCst) {
                        gone_up.store(gone_up.load(Ordering::SeqCst) || insert, Ordering::SeqCst);
                        let _ = c_read.shutdown(Shutdown::Both);
                        let _ = s_write.shutdown(Shutdown::Both);
                        return;
                    }
                    if s_write.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(Shutdown::Both);
            });
        }
    });
    port
}

/// Past its deadline a run's writes stop, its rows are removed, and the host ends with 124.
/// Through a link 25 ms away, so that what it wrote in 3 s is removed well within the rules'
/// grace (2 s) even on a busy machine.
fn a_run_past_its_deadline_is_rolled_back(host: Host) {
    let mut ws = Workspace::new("deadline-run");
    let proxy = crate::remote::Proxy::start("deadline", 25, &[]);
    let dir = proxy.config(&ws);
    let args = json!({"platform": "shopify", "force_count": 20000, "seed": 32, "as_of": AS_OF}).to_string();
    let started = Instant::now();
    let run =
        host.run(&ws, &["--config-dir", dir.to_str().unwrap(), "--env", "far", "--timeout", "3", "call", "generate_mock_data", &args]);
    assert_eq!(run.code, 124, "{}", run.output());
    assert!(run.stderr.contains("deadline of 3 s") && run.stderr.contains("stopped:"), "{}", run.stderr);
    assert!(run.stdout.contains("rolled-back"), "the answer says the run was rolled back:\n{}", run.output());
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
    let left: i64 = ws.scalar(
        "select (select count(*) from semantic.dm_orders_shopify where tenant_id = $1) + (select count(*) from semantic.dm_customers_shopify where tenant_id = $1) + (select count(*) from semantic.dm_products_shopify where tenant_id = $1) + (select count(*) from semantic.dm_order_items_shopify where tenant_id = $1) + (select count(*) from semantic.dm_shopify_pixel_events where tenant_id = $1)",
    );
    assert_eq!(left, 0, "rows left after the deadline:\n{}", run.output());
}

/// A stand-in warehouse whose run_select_ws answers the host's probe at once
/// (nothing leaks), whose `dm_slow_head` never answers, and whose
/// `dm_slow_body` sends its head and 10 of 100 bytes, then nothing.
fn slow_warehouse() -> u16 {
    use std::net::TcpStream;
    fn serve(mut s: TcpStream) {
        let mut reader = BufReader::new(s.try_clone().unwrap());
        loop {
            let mut start = String::new();
            if reader.read_line(&mut start).unwrap_or(0) == 0 {
                return;
            }
            let path = start.split(' ').nth(1).unwrap_or_default().to_string();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line.trim().is_empty() {
                    break;
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            if path.contains("run_select_ws") {
                let answer = r#"[{"h":"","a":null,"b":null,"visible":[],"stored":[]}]"#;
                let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}", answer.len());
                continue;
            }
            if path.contains("dm_slow_body") {
                let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");
                let _ = s.flush();
            }
            std::thread::sleep(Duration::from_secs(30));
            return;
        }
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

/// The component lowers its first-byte and idle timeouts to 1 s; the host
/// holds it to them against a warehouse that is slow to answer.
fn the_first_byte_and_idle_timeouts_hold(host: Host) {
    let ws = Workspace::new("timeouts");
    let port = slow_warehouse();
    let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let section = json!({ "SUPABASE_URL": url, "SUPABASE_REST_URL": url, "SUPABASE_SERVICE_ROLE_KEY": "slow-key", "WORKSPACE_ID": ws.id });
    std::fs::write(dir.join("supabase.json"), json!({ "slow": section }).to_string()).unwrap();
    let out = attack(&ws, host, "timeouts", &["--config-dir", dir.to_str().unwrap(), "--env", "slow"]).out;
    for name in ["first byte", "idle"] {
        let outcome = crate::hosts::part(&out, name);
        let ms: u64 =
            outcome.rsplit("after ").next().and_then(|m| m.trim_end_matches(" ms").parse().ok()).unwrap_or_else(|| panic!("{out}"));
        assert!(outcome.starts_with("failed"), "{name}: {outcome}");
        assert!((900..10_000).contains(&ms), "{name} ended after {ms} ms, not about 1 s:\n{out}");
    }
}

fn when_the_warehouse_is_gone_the_message_names_the_run_to_clean(host: Host) {
    let ws = Workspace::new("gone");
    let local: Value = serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap();
    let upstream: u16 = local["SUPABASE_REST_URL"].as_str().unwrap().rsplit(':').next().unwrap().trim_end_matches('/').parse().unwrap();
    let port = vanishing_warehouse(upstream);
    let dir = std::env::temp_dir().join(format!("e2e-config-{}", ws.id));
    std::fs::create_dir_all(&dir).unwrap();
    let mut section = local.clone();
    section["SUPABASE_URL"] = json!(format!("http://127.0.0.1:{port}"));
    section["SUPABASE_REST_URL"] = json!(format!("http://127.0.0.1:{port}"));
    section["WORKSPACE_ID"] = json!(ws.id);
    std::fs::write(dir.join("supabase.json"), json!({ "vanishing": section }).to_string()).unwrap();
    let args = json!({"platform": "shopify", "strategy": "minimal", "seed": 77}).to_string();
    let run = host.run(&ws, &["--config-dir", dir.to_str().unwrap(), "--env", "vanishing", "call", "generate_mock_data", &args]);
    let out = run.failed().output();
    assert!(out.contains("clean shopify --confirm --run"), "the run to clean is named:\n{out}");
}
