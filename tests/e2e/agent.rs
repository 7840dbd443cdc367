//! What a generic agent host sees: tool definitions and the JSON entry point.

use crate::harness::{AS_OF, Workspace};

#[test]
fn tools_are_described_for_agent_hosts() {
    let ws = Workspace::new("tools");
    let defs = ws.hr(&["tools"]).ok().json();
    let names: Vec<&str> = defs.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["generate_mock_data", "get_mock_data_status", "clean_mock_data"]);
    for t in defs.as_array().unwrap() {
        assert_eq!(t["inputSchema"]["type"], "object");
        assert_eq!(t["inputSchema"]["additionalProperties"], false);
        assert!(t["description"].as_str().unwrap().len() > 40);
    }
    let platforms = &defs[0]["inputSchema"]["properties"]["platform"]["enum"];
    assert!(platforms.as_array().unwrap().iter().any(|p| p == "shopify") && platforms.as_array().unwrap().iter().any(|p| p == "all"));
}

#[test]
fn tools_are_called_with_json() {
    let mut ws = Workspace::new("call");
    let generated = ws.hr(&["call", "generate_mock_data", r#"{"platform":"shopify","strategy":"minimal","seed":5}"#]).ok().json();
    assert_eq!(generated["success"], true);
    assert_eq!(ws.rows("dm_orders_shopify"), 10);
    let status = ws.hr_in(&["call", "get_mock_data_status", "-"], Some(r#"{"platform":"shopify"}"#)).ok().json();
    assert_eq!(status["success"], true);
    assert!(status.get("status").is_none(), "the report is not under `status`, which OpenClaw reads as the call's state");
    assert_eq!(status["report"]["runs"][0]["run_id"], generated["run_id"]);
    let refused = ws.hr(&["call", "clean_mock_data", r#"{"platform":"shopify"}"#]);
    let refused = refused.failed().json();
    assert_eq!(refused["success"], false);
    assert_eq!(refused["error"]["kind"], "invalid_input");
    assert!(refused["error"]["message"].as_str().unwrap().contains("confirm"));
    assert_eq!(ws.rows("dm_orders_shopify"), 10, "nothing was deleted");
    let cleaned = ws.hr(&["call", "clean_mock_data", r#"{"platform":"shopify","confirm":true}"#]).ok().json();
    assert_eq!(cleaned["success"], true);
    assert_eq!(ws.rows("dm_orders_shopify"), 0);
    let unknown = ws.hr(&["call", "make_coffee", "{}"]).failed().json();
    assert!(unknown["error"]["message"].as_str().unwrap().contains("unknown tool 'make_coffee'"));
}

#[test]
fn the_tools_are_served_over_mcp() {
    let ws = Workspace::new("mcp");
    let requests = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"generate_mock_data","arguments":{"platform":"magento","strategy":"minimal","dry_run":true}}}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"clean_mock_data","arguments":{"platform":"magento"}}}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"nope"}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"generate_mock_data","arguments":{"platform":"shopify","strategy":"minimal","dry_run":true},"_meta":{"progressToken":"tok-6"}}}"#,
    ]
    .join("\n");
    let run = ws.hr_in(&["mcp"], Some(&requests));
    run.ok();
    let messages: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("one JSON-RPC message per line")).collect();
    let (notes, replies): (Vec<_>, Vec<_>) = messages.iter().partition(|m| m.get("id").is_none());
    assert_eq!(replies.len(), 6, "no reply to the notification:\n{}", run.stdout);
    // Calls run side by side: answers come in the order they are ready.
    let reply = |id: u64| replies.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no answer to {id}:\n{}", run.stdout));
    assert_eq!(reply(1)["result"]["serverInfo"]["name"], "bustly-mock-data");
    assert_eq!(reply(1)["result"]["protocolVersion"], "2025-06-18", "a version this server speaks is kept");
    assert_eq!(reply(2)["result"]["tools"].as_array().unwrap().len(), 3);
    let generated = &reply(3)["result"];
    assert_eq!(generated["isError"], false);
    assert_eq!(generated["structuredContent"]["dry_run"], true);
    assert!(generated["content"][0]["text"].as_str().unwrap().contains("\"success\":true"));
    assert_eq!(reply(4)["result"]["isError"], true);
    assert_eq!(reply(5)["error"]["code"], -32601);

    // Progress only for the call that asked, before its answer, growing.
    assert!(!notes.is_empty(), "no progress notification:\n{}", run.stdout);
    let answer_at = messages.iter().position(|m| m["id"] == 6).unwrap();
    let mut last = -1.0;
    for (i, n) in messages.iter().enumerate().filter(|(_, m)| m.get("id").is_none()) {
        assert_eq!(n["method"], "notifications/progress");
        assert_eq!(n["params"]["progressToken"], "tok-6");
        assert!(i < answer_at, "a notification after the answer");
        let progress = n["params"]["progress"].as_f64().unwrap();
        assert!(progress > last, "progress must grow: {notes:?}");
        last = progress;
        assert!(n["params"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // What the analysis found and the warnings are in the structured result.
    let structured = &reply(6)["result"]["structuredContent"];
    assert!(structured["analysis"][0]["findings"].as_array().is_some_and(|f| !f.is_empty()), "{structured}");
    assert!(structured["warnings"].is_array(), "{structured}");
}

/// A raw JSON-RPC session, against the 2025-11-25 specification.
#[test]
fn mcp_follows_the_2025_11_25_specification() {
    let ws = Workspace::new("mcpspec");
    let long = format!(r#"{{"jsonrpc":"2.0","id":9,"method":"ping","params":{{"pad":"{}"}}}}"#, "x".repeat(5 << 20));
    let requests = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        r#"{"jsonrpc":"2.0","id":3,"params":{}}"#,
        r#"{"jsonrpc":"1.0","id":4,"method":"ping"}"#,
        r#"[{"jsonrpc":"2.0","id":5,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":6}]"#,
        "[]",
        &long,
        r#"{"jsonrpc":"2.0","id":10,"method":"ping"}"#,
    ]
    .join("\n");
    let run = ws.hr_in(&["mcp"], Some(&requests));
    let lines: Vec<serde_json::Value> = run.ok().stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let one = |id: u64| lines.iter().find(|m| m["id"] == id).unwrap_or_else(|| panic!("no answer to {id}: {lines:?}")).clone();
    let init = one(1);
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "a version it does not speak is answered with its newest");
    let instructions = init["result"]["instructions"].as_str().unwrap();
    assert!(instructions.contains("confirm_production") && instructions.contains("--allow-production"), "{instructions}");
    let tools = one(2)["result"]["tools"].as_array().unwrap().clone();
    for t in &tools {
        assert!(t["title"].is_string() && t["outputSchema"]["type"] == "object", "{t}");
    }
    let hint = |name: &str, key: &str| tools.iter().find(|t| t["name"] == name).unwrap()["annotations"][key].clone();
    assert_eq!(hint("get_mock_data_status", "readOnlyHint"), true);
    assert_eq!(hint("clean_mock_data", "destructiveHint"), true);
    assert_eq!(hint("generate_mock_data", "readOnlyHint"), false);
    assert_eq!(one(3)["error"]["code"], -32600, "a request without a method is invalid");
    assert_eq!(one(4)["error"]["code"], -32600);
    let batch = lines.iter().find(|m| m.is_array() && m.as_array().unwrap().len() == 2).expect("the batch's answers, as one array");
    assert_eq!(batch[0]["id"], 5);
    assert_eq!(batch[1]["error"]["code"], -32600);
    assert!(
        lines
            .iter()
            .any(|m| m["id"].is_null() && m["error"]["code"] == -32600 && m["error"]["message"].as_str().unwrap().contains("empty batch"))
    );
    assert!(lines.iter().any(|m| m["error"]["message"].as_str().is_some_and(|t| t.contains("longer than"))), "a 5 MB line is refused");
    assert!(one(10)["result"].is_object(), "and the server goes on");
}

/// While a 200,000-order generate runs, ping is answered; cancelling it
/// stops it, rolls its run back (zero rows left) and sends no answer to it.
#[test]
fn a_long_generate_can_be_pinged_and_cancelled_over_mcp() {
    use std::io::{BufRead, BufReader, Write};
    use std::time::{Duration, Instant};
    let mut ws = Workspace::new("mcpcancel");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_host-runner"))
        .args(["mcp", "--env", "local"])
        .current_dir(crate::harness::repo())
        .env("MOCK_DATA_WORKSPACE_ID", &ws.id)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut input = server.stdin.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<serde_json::Value>();
    let stdout = server.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(serde_json::from_str(&line).unwrap());
        }
    });
    let send = |input: &mut std::process::ChildStdin, m: serde_json::Value| writeln!(input, "{m}").unwrap();
    let wait = |pred: &mut dyn FnMut(&serde_json::Value) -> bool, secs: u64| -> Option<serde_json::Value> {
        let end = Instant::now() + Duration::from_secs(secs);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match rx.recv_timeout(left) {
                Ok(m) if pred(&m) => return Some(m),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    };
    send(
        &mut input,
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "1"}}}),
    );
    assert!(wait(&mut |m| m["id"] == 1, 30).is_some());
    let args = serde_json::json!({"platform": "shopify", "force_count": 200000, "seed": 78, "as_of": AS_OF});
    send(
        &mut input,
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "generate_mock_data", "arguments": args, "_meta": {"progressToken": 7}}}),
    );
    // Rows are being written.
    let writing = wait(&mut |m| m["method"] == "notifications/progress" && m["params"]["progress"].as_f64().unwrap_or(0.0) > 2000.0, 120);
    assert!(writing.is_some(), "no progress while writing");
    let asked = Instant::now();
    send(&mut input, serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "ping"}));
    let pong = wait(&mut |m| m["id"] == 3 || m["id"] == 2, 10).expect("ping answered");
    assert_eq!(pong["id"], 3, "the generate had ended already: {pong}");
    assert!(asked.elapsed() < Duration::from_secs(5), "ping took {:?}", asked.elapsed());
    send(
        &mut input,
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 2, "reason": "e2e"}}),
    );
    send(&mut input, serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "ping"}));
    let mut answered_cancelled = false;
    assert!(
        wait(
            &mut |m| {
                answered_cancelled |= m["id"] == 2;
                m["id"] == 4
            },
            30
        )
        .is_some()
    );
    drop(input);
    let started = Instant::now();
    let status = server.wait().unwrap();
    assert!(status.success());
    assert!(started.elapsed() < Duration::from_secs(90), "the rollback took {:?}", started.elapsed());
    while let Ok(m) = rx.recv_timeout(Duration::from_secs(1)) {
        answered_cancelled |= m["id"] == 2;
    }
    assert!(!answered_cancelled, "a cancelled request gets no answer");
    let left: i64 = ws.scalar(
        "select (select count(*) from semantic.dm_orders_shopify where tenant_id = $1) + (select count(*) from semantic.dm_order_items_shopify where tenant_id = $1) + (select count(*) from semantic.dm_shopify_pixel_events where tenant_id = $1) + (select count(*) from semantic.dm_customers_shopify where tenant_id = $1) + (select count(*) from semantic.dm_products_shopify where tenant_id = $1) + (select count(*) from semantic.dm_variants_shopify where tenant_id = $1) + (select count(*) from semantic.dm_shop_info_shopify where tenant_id = $1)",
    );
    assert_eq!(left, 0, "the cancelled run left rows");
}

/// An agent that runs the CLI through a shell: progress as plain lines on
/// stderr (at most one a second), and with --json one JSON object on stdout
/// whatever happens.
#[test]
fn shell_driven_agents_get_progress_lines_and_one_json_object() {
    let ws = Workspace::new("shell");
    let run = ws.hr(&["generate", "shopify", "--count", "3000", "--dry-run", "--as-of", AS_OF]);
    let lines: Vec<&str> = run.ok().stderr.lines().filter(|l| l.starts_with("progress: ")).collect();
    assert!(!lines.is_empty(), "no progress lines:\n{}", run.stderr);
    assert!(lines.iter().all(|l| l.contains(" rows (") && l.contains("%)")), "{lines:?}");
    // Host errors, flags and file runs answer with one JSON object too.
    let bad = ws.hr(&["--json", "--config-dir", "/nonexistent", "status", "--env", "nowhere"]).failed().json();
    assert_eq!(bad["success"], false);
    assert!(bad["error"]["message"].as_str().unwrap().contains("nowhere"), "{bad}");
    let flags = ws.hr(&["--json", "generate", "shopify", "--colour", "red"]).failed().json();
    assert_eq!(flags["error"]["kind"], "invalid_input");
    let dir = std::env::temp_dir().join(format!("e2e-json-out-{}", ws.id));
    let _ = std::fs::remove_dir_all(&dir);
    let files =
        ws.hr(&["--json", "generate", "shopify", "minimal", "--out", dir.to_str().unwrap(), "--seed", "3", "--as-of", AS_OF]).ok().json();
    assert_eq!(files["success"], true);
    assert_eq!(files["files"], dir.to_str().unwrap());
    assert!(files["total_records"].as_u64().unwrap() > 0);
    let _ = std::fs::remove_dir_all(&dir);
    let config = ws.hr(&["--json", "config"]).ok().json();
    assert_eq!(config["success"], true);
    assert!(config["config"]["lookup"].is_array());
}
