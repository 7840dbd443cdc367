//! What a generic agent host sees: tool definitions and the JSON entry point.

use crate::harness::Workspace;

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
    assert_eq!(replies[0]["result"]["serverInfo"]["name"], "bustly-mock-data");
    assert_eq!(replies[1]["result"]["tools"].as_array().unwrap().len(), 3);
    let generated = &replies[2]["result"];
    assert_eq!(generated["isError"], false);
    assert_eq!(generated["structuredContent"]["dry_run"], true);
    assert!(generated["content"][0]["text"].as_str().unwrap().contains("\"success\":true"));
    assert_eq!(replies[3]["result"]["isError"], true);
    assert_eq!(replies[4]["error"]["code"], -32601);

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
    let structured = &replies[5]["result"]["structuredContent"];
    assert!(structured["analysis"][0]["findings"].as_array().is_some_and(|f| !f.is_empty()), "{structured}");
    assert!(structured["warnings"].is_array(), "{structured}");
}
