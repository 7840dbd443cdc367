//! The component reaches the configured Supabase host and nothing else,
//! through either host; host-runner's compiled component is cached.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use crate::harness::Workspace;
use crate::hosts::{Host, call, call_with, on_both_hosts};

on_both_hosts!(a_request_to_another_host_is_denied_and_never_leaves, the_host_refuses_production_writes_the_call_did_not_confirm);

fn a_request_to_another_host_is_denied_and_never_leaves(host: Host) {
    let ws = Workspace::new("sandbox");
    // A listener standing in for "another host": it must see no connection.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let watcher = std::thread::spawn(move || {
        for _ in 0..200 {
            if listener.accept().is_ok() {
                counter.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
    });
    let target = format!("http://127.0.0.1:{port}/steal");
    let run = call(&ws, host, &target, &[]);
    run.run.failed();
    let out = run.out;
    assert!(out.contains("configured host: answered"), "the allowed host is reachable:\n{out}");
    assert!(out.contains("other host GET: denied"), "{out}");
    assert!(out.contains("other host POST: denied"), "a denied upload reports the denial, not a broken stream:\n{out}");
    assert!(out.contains(&format!("denied: the component tried to reach 127.0.0.1:{port}")), "{out}");
    watcher.join().unwrap();
    assert_eq!(seen.load(Ordering::SeqCst), 0, "no connection reached the other host");
}

fn the_host_refuses_production_writes_the_call_did_not_confirm(host: Host) {
    let ws = Workspace::new("prodgate");
    let mut local: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(crate::harness::repo().join("config/local.json")).unwrap()).unwrap();
    local["WORKSPACE_ID"] = serde_json::json!(ws.id);
    let dir = std::env::temp_dir().join(format!("e2e-config-prodgate-{}-{host:?}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("supabase.json"), serde_json::json!({ "production": local }).to_string()).unwrap();
    let flags = ["--config-dir", dir.to_str().unwrap(), "--env", "production"];
    let out = call(&ws, host, "http://127.0.0.1:9/", &flags).out;
    assert!(out.contains("configured host: answered"), "reads go through:\n{out}");
    assert!(out.contains("configured host write: denied"), "an unconfirmed production write is refused by the host itself:\n{out}");
    assert!(out.contains("a write to production without --confirm-production"), "{out}");
    // An agent's confirmation, on a host started to allow it.
    let confirmed = json!({"platform": "http://127.0.0.1:9/", "confirm_production": true});
    let out = call_with(&ws, host, confirmed, &[&flags[..], &["--allow-production"]].concat()).out;
    assert!(out.contains("configured host write: answered"), "a confirmed write goes through (the empty delete is answered):\n{out}");
}

#[test]
fn the_compiled_component_is_cached() {
    let cache = std::env::temp_dir().join(format!("e2e-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let ws = Workspace::new("cache").with_env("BUSTLY_MOCK_CACHE_DIR", cache.to_str().unwrap());
    let first = ws.hr(&["platforms", "-v"]);
    assert!(first.ok().stderr.contains("compiled now"), "{}", first.stderr);
    let second = ws.hr(&["platforms", "-v"]);
    assert!(second.ok().stderr.contains("from the cache"), "{}", second.stderr);
    let files: Vec<_> = std::fs::read_dir(&cache).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "one compiled component");
    assert!(files[0].path().extension().is_some_and(|e| e == "cwasm"));
}
