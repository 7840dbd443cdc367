//! Bad input gets an error that names the problem and the fix, and writes
//! nothing.

use std::path::PathBuf;

use crate::harness::{Workspace, repo};

/// A config directory of the test's own, holding `files`.
fn config_dir(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2e-config-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

fn local_section() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap()
}

#[test]
fn bad_parameters_are_refused_before_anything_is_written() {
    let mut ws = Workspace::new("badargs");
    ws.load_demo_store();
    let before = ws.checksum();
    let cases: &[(&[&str], &str)] = &[
        (&["generate", "shopfy"], "unknown platform 'shopfy': choose one of shopify"),
        (&["generate", "shopify", "huge"], "possible values: smart, minimal, comprehensive"),
        (&["generate", "shopify", "--count", "0"], "count must be at least 1"),
        (&["generate", "shopify", "--count", "many"], "invalid value 'many'"),
        (&["generate", "shopify", "--batch-size", "0"], "batch size must be between 1 and 10000"),
        // The host lets 32 requests go at once (sandbox/rules.json): more would fail the run.
        (&["generate", "shopify", "--max-in-flight", "33"], "max in flight must be between 1 and 32"),
        (&["generate", "shopify", "--as-of", "yesterday"], "is not a date"),
        (&["generate", "shopify", "--env", "nowhere"], "environment 'nowhere'"),
        (&["clean", "shopify"], "--confirm"),
        (&["clean", "shopify", "--confirm", "--run", "abc"], "'abc' is not a run id"),
        (&["clean", "tiktok", "--confirm"], "unknown platform 'tiktok'"),
        (&["call", "generate_mock_data", "{\"platform\":\"shopify\",\"colour\":1}"], "unknown argument 'colour'"),
        (&["call", "generate_mock_data", "not json"], "not valid JSON"),
    ];
    for (args, expected) in cases {
        let run = ws.hr(args);
        run.failed();
        assert!(run.output().contains(expected), "host-runner {args:?} should say {expected:?}, said:\n{}", run.output());
    }
    assert_eq!(ws.checksum(), before);
}

#[test]
fn missing_or_broken_configuration_says_which_file_and_what_to_put_in_it() {
    let ws = Workspace::new("config");
    let empty = config_dir("empty", &[]);
    let run = ws.hr(&["generate", "shopify", "--env", "staging", "--config-dir", empty.to_str().unwrap()]);
    run.failed();
    assert!(
        run.stderr.contains("supabase.json does not exist") && run.stderr.contains("Copy config/supabase.json.example"),
        "{}",
        run.stderr
    );

    let run = ws.hr(&["status", "--env", "local", "--config-dir", empty.to_str().unwrap()]);
    run.failed();
    assert!(run.stderr.contains("scripts/local-warehouse start"), "{}", run.stderr);

    let broken = config_dir("broken", &[("supabase.json", "{\"staging\": {\"SUPABASE_URL\": ")]);
    let run = ws.hr(&["generate", "shopify", "--env", "staging", "--config-dir", broken.to_str().unwrap()]);
    run.failed();
    assert!(run.stderr.contains("supabase.json is not valid JSON"), "{}", run.stderr);

    let placeholder =
        config_dir("example", &[("supabase.json", &std::fs::read_to_string(repo().join("config/supabase.json.example")).unwrap())]);
    let run = ws.hr(&["generate", "shopify", "--config-dir", placeholder.to_str().unwrap(), "--env", "staging"]);
    run.failed();
    assert!(run.stderr.contains("placeholder"), "{}", run.stderr);
}

#[test]
fn production_needs_its_own_confirmation() {
    let mut ws = Workspace::new("prod");
    let mut local = local_section();
    local["WORKSPACE_ID"] = serde_json::json!(ws.id);
    let prod = serde_json::json!({ "production": local, "defaultEnv": "production" });
    let dir = config_dir("prod", &[("supabase.json", &prod.to_string())]);
    let d = dir.to_str().unwrap();
    let before = ws.checksum();
    let run = ws.hr(&["generate", "shopify", "minimal", "--env", "production", "--config-dir", d]);
    run.failed();
    assert!(run.stderr.contains("--confirm-production"), "{}", run.stderr);
    assert_eq!(ws.checksum(), before);
    // A dry run writes nothing, so it needs no confirmation.
    ws.hr(&["generate", "shopify", "minimal", "--dry-run", "--env", "production", "--config-dir", d]).ok();
    ws.hr(&["generate", "shopify", "minimal", "--env", "production", "--config-dir", d, "--confirm-production"]).ok();
    assert!(ws.rows("dm_orders_shopify") > 0);
    let run = ws.hr(&["clean", "shopify", "--confirm", "--env", "production", "--config-dir", d]);
    run.failed();
    assert!(run.stderr.contains("--confirm-production"));
    ws.hr(&["clean", "shopify", "--confirm", "--confirm-production", "--env", "production", "--config-dir", d]).ok();
    assert_eq!(ws.checksum(), before);
}

#[test]
fn a_wrong_key_is_reported_without_showing_it() {
    let ws = Workspace::new("badkey");
    let mut local = local_section();
    let wrong = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.not-the-signature";
    local["SUPABASE_SERVICE_ROLE_KEY"] = serde_json::json!(wrong);
    let dir = config_dir("badkey", &[("supabase.json", &serde_json::json!({ "local": local }).to_string())]);
    let run = ws.hr(&["status", "shopify", "--env", "local", "--config-dir", dir.to_str().unwrap()]);
    run.failed();
    assert!(run.stderr.contains("SUPABASE_SERVICE_ROLE_KEY"), "{}", run.stderr);
    assert!(!run.output().contains(wrong) && !run.output().contains("not-the-signature"));
}
