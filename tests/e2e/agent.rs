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
    ]
    .join("\n");
    let run = ws.hr_in(&["mcp"], Some(&requests));
    run.ok();
    let replies: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("one JSON-RPC message per line")).collect();
    assert_eq!(replies.len(), 5, "no reply to the notification:\n{}", run.stdout);
    assert_eq!(replies[0]["result"]["serverInfo"]["name"], "bustly-mock-data");
    assert_eq!(replies[1]["result"]["tools"].as_array().unwrap().len(), 3);
    let generated = &replies[2]["result"];
    assert_eq!(generated["isError"], false);
    assert_eq!(generated["structuredContent"]["dry_run"], true);
    assert!(generated["content"][0]["text"].as_str().unwrap().contains("\"success\":true"));
    assert_eq!(replies[3]["result"]["isError"], true);
    assert_eq!(replies[4]["error"]["code"], -32601);
}
