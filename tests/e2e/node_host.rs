//! The Node host (scripts/node-host's package) with the real component, as
//! a user runs it: the same component as host-runner's, the same files byte
//! for byte, a run written, counted and cleaned in the warehouse, and bad
//! input refused with a message that says what to do. Its sandbox is tested
//! with the rogue component in hardening, no_escape and sandbox (both hosts).

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::harness::{AS_OF, Workspace, component, node_package};
use crate::shopify::orphans;

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `component: ... (N bytes, sha256 X)` of a `config` report: (N, X).
fn component_line(report: &str) -> (String, String) {
    let line = report.lines().find(|l| l.starts_with("component: ")).unwrap_or_else(|| panic!("no component line in:\n{report}"));
    let inner = line.split_once('(').and_then(|(_, r)| r.split_once(')')).map(|(i, _)| i).unwrap();
    let (bytes, sha) = inner.split_once(" bytes, sha256 ").unwrap_or_else(|| panic!("{line}"));
    (bytes.to_string(), sha.to_string())
}

#[test]
fn the_node_host_carries_the_component_host_runner_embeds() {
    let ws = Workspace::new("identity");
    let hr = component_line(&ws.hr(&["config"]).ok().stdout);
    let node = component_line(&ws.node(&["config"]).ok().stdout);
    assert_eq!(hr, node, "host-runner and the Node host name different components");
    let built = std::fs::read(component("bustly_mock_guest.wasm")).unwrap();
    let shipped = std::fs::read(node_package().join("component/bustly_mock_guest.wasm")).unwrap();
    assert!(built == shipped, "the package's .wasm is not the built one");
    assert_eq!(node, (built.len().to_string(), sha256(&built)));
}

fn empty_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2e-node-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    all.sort();
    all
}

/// CSV and NDJSON are the component's bytes; SQL files are the host's own
/// statements around the rows, encoded again as serde encodes them: the same
/// bytes from either host, and they load and clean as any run.
#[test]
fn both_hosts_write_the_same_files_byte_for_byte() {
    let mut ws = Workspace::new("node-files");
    let before = ws.checksum();
    for (platform, format) in [("shopify", "csv"), ("shopify", "ndjson"), ("shopify", "sql"), ("google-ads", "sql")] {
        let (a, b) = (empty_dir(&format!("{platform}-{format}-hr")), empty_dir(&format!("{platform}-{format}-node")));
        for (dir, node) in [(&a, false), (&b, true)] {
            let d = dir.to_str().unwrap();
            let args =
                ["generate", platform, "minimal", "--seed", "12", "--as-of", AS_OF, "--workspace", &ws.id, "--format", format, "--out", d];
            if node {
                assert_eq!(ws.node(&args).ok().json()["success"], json!(true));
            } else {
                ws.hr(&args).ok();
            }
        }
        let (fa, fb) = (files(&a), files(&b));
        assert!(!fa.is_empty(), "{platform} {format}: no files");
        assert_eq!(fa.iter().map(|f| &f.0).collect::<Vec<_>>(), fb.iter().map(|f| &f.0).collect::<Vec<_>>(), "{format}: file names");
        for ((name, x), (_, y)) in fa.iter().zip(&fb) {
            assert!(x == y, "{platform} {format}: {name} differs between the hosts");
        }
        if (platform, format) == ("shopify", "sql") {
            for (name, text) in &fb {
                let text = std::str::from_utf8(text).unwrap();
                assert!(text.starts_with("begin;\n") && text.ends_with("commit;\n"), "{name}: one transaction, committed");
                ws.execute(text);
            }
            assert_eq!(ws.count("dm_orders_shopify", "t.order_id like 'mock-%'"), 10);
            assert_eq!(orphans(&mut ws), 0);
            // Rows loaded from a file are cleaned as any run's.
            ws.node(&["--env", "local", "call", "clean_mock_data", r#"{"platform":"shopify","confirm":true}"#]).ok();
            assert_eq!(ws.checksum(), before, "clean removed exactly the loaded rows");
        }
        let _ = std::fs::remove_dir_all(&a);
        let _ = std::fs::remove_dir_all(&b);
    }
}

#[test]
fn the_node_host_writes_counts_and_cleans_a_run() {
    let mut ws = Workspace::new("node-run");
    ws.load_demo_store();
    let before = ws.checksum();
    let args = json!({"platform": "shopify", "strategy": "minimal", "env": "local", "seed": 23, "as_of": AS_OF}).to_string();
    let generated = ws.node(&["call", "generate_mock_data", &args]).ok().json();
    assert_eq!(generated["success"], json!(true));
    let run = generated["run_id"].as_str().unwrap().to_string();
    let orders = ws.count("dm_orders_shopify", "t.order_id like 'mock-%'");
    let reported = generated["platforms"][0]["tables"].as_array().unwrap();
    let inserted = reported.iter().find(|t| t["table"] == json!("semantic.dm_orders_shopify")).unwrap()["inserted"].as_i64().unwrap();
    assert_eq!(orders, inserted, "what landed is what it reported");
    assert_eq!(orphans(&mut ws), 0);
    assert!(
        generated["analysis"][0]["findings"].as_array().unwrap().iter().any(|f| f["source"] == json!("workspace")),
        "smart analysis read the store"
    );
    let status = ws.node(&["--env", "local", "call", "get_mock_data_status", r#"{"platform":"shopify"}"#]).ok().json();
    assert_eq!(status["report"]["runs"][0]["run_id"], json!(run));
    // The same seed again is refused, nothing written.
    let again = ws.node(&["call", "generate_mock_data", &args]);
    assert!(again.failed().stdout.contains("already has"), "{}", again.stdout);
    let clean = json!({"platform": "shopify", "confirm": true, "env": "local", "run_id": run}).to_string();
    ws.node(&["call", "clean_mock_data", &clean]).ok();
    assert_eq!(ws.checksum(), before, "the workspace is as before");
}

#[test]
fn bad_input_is_refused_with_the_fix_and_writes_nothing() {
    let mut ws = Workspace::new("node-bad");
    let before = ws.checksum();
    for (args, says) in [
        (vec!["call", "generate_mock_data", r#"{"platform":"shopfy"}"#], "shopfy"),
        (vec!["call", "generate_mock_data", "{not json"], "not valid JSON"),
        (vec!["call", "drop_tables", "{}"], "unknown tool 'drop_tables'"),
        (vec!["call", "clean_mock_data", r#"{"platform":"shopify"}"#], "confirm"),
        (vec!["--env", "nowhere", "call", "get_mock_data_status", "{}"], "environment 'nowhere'"),
    ] {
        let run = ws.node(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.output());
        assert_eq!(run.json()["success"], json!(false), "{args:?}");
        assert!(run.stdout.contains(says), "{args:?} should say {says}: {}", run.stdout);
    }
    for (args, says) in [
        (vec!["frobnicate"], "unknown command 'frobnicate'"),
        (vec!["call", "generate_mock_data"], "call takes a tool name and its JSON arguments"),
        (vec!["--timeout", "0", "call", "get_mock_data_status", "{}"], "--timeout must be a whole number of 1 or more"),
        (vec!["generate", "shopify"], "--out DIR"),
    ] {
        let run = ws.node(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.output());
        assert!(run.stderr.contains(says) && run.stderr.contains("Usage: bustly-mock-data"), "{args:?}: {}", run.stderr);
    }
    let out = empty_dir("taken");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("01-dm_shop_info_shopify.csv"), "x").unwrap();
    let run = ws.node(&["generate", "shopify", "minimal", "--out", out.to_str().unwrap()]);
    assert!(run.failed().stderr.contains("already holds generated files"), "{}", run.output());
    assert_eq!(std::fs::read_to_string(out.join("01-dm_shop_info_shopify.csv")).unwrap(), "x");
    assert_eq!(ws.checksum(), before, "nothing was written");
    let _ = std::fs::remove_dir_all(&out);
}
