//! Run from anywhere: the built binary, started in a folder outside the
//! repository with no BUSTLY_MOCK_COMPONENT and no configuration, uses its
//! embedded component, answers --version, completions, platforms and
//! config, and finds configuration in the user config folder.
//! (`cargo install` itself is too slow for every test run; the ship-install
//! acceptance check runs it.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::harness::{Run, Workspace, repo, warehouse};

/// A fresh folder outside the repository, standing in for a new user's
/// machine: `home/` (HOME), `work/` (the working directory), `xdg/`.
fn machine(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("e2e-install-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for d in ["home", "work", "xdg"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    assert!(!dir.starts_with(repo()), "{} must be outside the repository", dir.display());
    dir
}

/// host-runner run in `cwd` as a new user would, with `env` on top.
fn run_in(m: &Path, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_host-runner"));
    cmd.args(args).current_dir(cwd).env("HOME", m.join("home"));
    for var in [
        "BUSTLY_MOCK_COMPONENT",
        "BUSTLY_MOCK_CONFIG_DIR",
        "XDG_CONFIG_HOME",
        "MOCK_DATA_ENV",
        "MOCK_DATA_WORKSPACE_ID",
        "OPENCLAW_STATE_DIR",
    ] {
        cmd.env_remove(var);
    }
    // One compile cache for this test process: compiling each time is slow, not wrong.
    cmd.env("BUSTLY_MOCK_CACHE_DIR", std::env::temp_dir().join(format!("e2e-install-cache-{}", std::process::id())));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.stdin(Stdio::null()).output().expect("host-runner runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn outside_the_repository_with_no_configuration_what_needs_no_warehouse_works() {
    let m = machine("bare");
    let work = m.join("work");
    // Some other project's config/ in a parent is not this one's.
    std::fs::create_dir_all(m.join("config")).unwrap();
    std::fs::write(m.join("config/supabase.json"), r#"{"staging":{"SUPABASE_URL":"https://other.supabase.co"}}"#).unwrap();

    let run = run_in(&m, &work, &["--version"], &[]);
    assert_eq!(run.ok().stdout.trim(), format!("host-runner {}", env!("CARGO_PKG_VERSION")));

    let run = run_in(&m, &work, &["completions", "bash"], &[]);
    assert!(run.ok().stdout.contains("generate") && run.stdout.contains("--config-dir"), "{}", run.stdout);
    for shell in ["zsh", "fish"] {
        assert!(run_in(&m, &work, &["completions", shell], &[]).ok().stdout.contains("generate"), "{shell}");
    }

    // The embedded component: nothing under target/ is reachable from here.
    let run = run_in(&m, &work, &["platforms"], &[]);
    assert!(run.ok().stdout.contains("shopify") && run.stdout.contains("google-ads"), "{}", run.output());
    assert!(run_in(&m, &work, &["tools"], &[]).ok().stdout.contains("generate_mock_data"));

    let user_dir = m.join("home/.config/bustly-mock-data");
    let run = run_in(&m, &work, &["config"], &[]);
    let out = run.ok().stdout.clone();
    assert!(out.contains("supabase.json: none found") && out.contains("local.json: none found"), "{out}");
    assert!(out.contains(&format!("put supabase.json in {}", user_dir.display())), "{out}");
    assert!(!out.contains("other.supabase.co") && !out.contains(&m.join("config").display().to_string()), "{out}");
    assert!(out.contains("component: built in"), "{out}");

    // A command that needs a warehouse says where the file goes.
    let run = run_in(&m, &work, &["status", "--env", "staging"], &[]);
    let err = run.failed().stderr.clone();
    assert!(err.contains(&format!("{}/supabase.json does not exist", user_dir.display())) && err.contains("host-runner config"), "{err}");

    // The override stays.
    let run = run_in(&m, &work, &["--component", "/nonexistent/c.wasm", "platforms"], &[]);
    assert!(run.failed().stderr.contains("/nonexistent/c.wasm does not exist"), "{}", run.stderr);
    let rogue = crate::harness::component("rogue_guest.wasm");
    let run = run_in(&m, &work, &["platforms"], &[("BUSTLY_MOCK_COMPONENT", rogue.to_str().unwrap())]);
    assert!(!run.output().contains("shopify"), "BUSTLY_MOCK_COMPONENT was ignored:\n{}", run.output());
    let _ = std::fs::remove_dir_all(&m);
}

#[test]
fn the_user_config_folder_is_used_outside_the_repository() {
    let ws = Workspace::new("install");
    let m = machine("xdg");
    let local: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(repo().join("config/local.json")).unwrap()).unwrap();
    let dir = m.join("xdg/bustly-mock-data");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("supabase.json"), serde_json::json!({ "local": local, "defaultEnv": "local" }).to_string()).unwrap();
    let env = [("XDG_CONFIG_HOME", m.join("xdg").to_str().unwrap().to_string()), ("MOCK_DATA_WORKSPACE_ID", ws.id.clone())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = &warehouse().service_key;

    let run = run_in(&m, &m.join("work"), &["config"], &env);
    let out = run.ok().stdout.clone();
    assert!(out.contains(&format!("{}/supabase.json (from the user config folder); environments: local", dir.display())), "{out}");
    assert!(out.contains("default environment: local (defaultEnv)"), "{out}");
    assert!(!out.contains(key.as_str()) && !out.contains(&key[key.len() - 8..]), "config showed the key");

    let run = run_in(&m, &m.join("work"), &["status", "--env", "local"], &env);
    run.ok();
    assert!(!run.output().contains(key.as_str()), "status showed the key");
    let run = run_in(&m, &m.join("work"), &["status"], &env);
    run.ok();
    let _ = std::fs::remove_dir_all(&m);
}

#[test]
fn inside_the_repository_its_config_folder_is_used() {
    let _hold = crate::harness::shared();
    warehouse(); // config/local.json exists once the warehouse is up
    let m = machine("repo");
    let run = run_in(&m, &repo().join("host-runner/src"), &["config"], &[]);
    let out = run.ok().stdout.clone();
    let expected = format!("local.json: {} (from this repository's config/)", repo().join("config/local.json").display());
    assert!(out.contains(&expected), "{out}");
    let _ = std::fs::remove_dir_all(&m);
}
