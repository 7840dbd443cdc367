//! `host-runner config`: which configuration files are used and where they
//! were looked for. It names files and environments, never a key or any
//! part of one.

use std::fmt::Write;

use serde_json::Value;

use crate::component::Component;
use crate::config::{Sources, read_json};
use crate::lookup::{LOCAL, SUPABASE};

/// The shape of supabase.json, for someone without the repository's example.
const EXAMPLE: &str = r#"{"staging": {"SUPABASE_URL": "https://<project>.supabase.co", "SUPABASE_SERVICE_ROLE_KEY": "<service-role key>"}, "defaultEnv": "staging"}"#;

pub fn report(sources: &Sources, component: &Component) -> String {
    let mut out = String::new();
    let places = &sources.lookup.places;
    let _ = writeln!(out, "Configuration is looked up in{}:", if places.len() > 1 { " (per file, the first that has it)" } else { "" });
    for p in places {
        let _ = writeln!(out, "  {}: {}", p.origin, p.dir.display());
    }
    if let Some(rule) = &sources.lookup.repository_rule {
        let _ = writeln!(out, "repository: {rule}");
    }
    let supabase = sources.lookup.find(SUPABASE);
    let local = sources.lookup.find(LOCAL);
    match &supabase {
        Some((path, place)) => {
            let _ = writeln!(out, "{SUPABASE}: {} (from {}){}", path.display(), place.origin, environments(path));
        }
        None => {
            let _ = writeln!(out, "{SUPABASE}: none found");
        }
    }
    match &local {
        Some((path, place)) => {
            let _ = writeln!(out, "{LOCAL}: {} (from {}), environment local", path.display(), place.origin);
        }
        None => {
            let _ = writeln!(out, "{LOCAL}: none found");
        }
    }
    let oauth = sources.oauth_json();
    let _ = writeln!(out, "bustlyOauth.json: {} ({})", oauth.display(), if oauth.is_file() { "found" } else { "not found" });
    if supabase.is_none() && local.is_none() {
        let home = &places[0].dir;
        let _ = writeln!(
            out,
            "No configuration found. To add one, put {SUPABASE} in {} (or pass --config-dir DIR, or set BUSTLY_MOCK_CONFIG_DIR), shaped like\n  {EXAMPLE}\nor, for the local warehouse, run scripts/local-warehouse start in the repository. platforms, tools and completions need no configuration.",
            home.display()
        );
    } else {
        let _ = writeln!(out, "default environment: {} ({})", sources.default_environment(), default_origin(sources));
    }
    let _ = writeln!(out, "component: {component}");
    let r = crate::sandbox::rules();
    let _ = writeln!(
        out,
        "sandbox: host-runner/src/sandbox/rules.json, built in: schema {} only, the agent RPCs {}, at most {} requests at once, calls end after {} s",
        r.requests.schema,
        r.requests.agent_rpcs.join(", "),
        r.requests.max_in_flight,
        r.calls.deadline().as_secs()
    );
    out
}

/// The same as JSON (`config --json`): `{success, config: {...}}`.
pub fn json(sources: &Sources, component: &Component) -> Value {
    let file = |name: &str| match sources.lookup.find(name) {
        Some((path, place)) => serde_json::json!({"path": path, "from": place.origin.to_string()}),
        None => Value::Null,
    };
    let environments: Vec<Value> = match sources.lookup.find(SUPABASE).map(|(p, _)| read_json(&p)) {
        Some(Ok(Some(Value::Object(map)))) => map
            .iter()
            .filter(|(k, _)| *k != "defaultEnv")
            .map(|(k, v)| serde_json::json!({"name": k, "production": crate::config::is_production(k, v.get("production").and_then(Value::as_bool))}))
            .collect(),
        _ => Vec::new(),
    };
    let oauth = sources.oauth_json();
    serde_json::json!({
        "success": true,
        "config": {
            "lookup": sources.lookup.places.iter().map(|p| serde_json::json!({"from": p.origin.to_string(), "dir": p.dir})).collect::<Vec<_>>(),
            "repository": sources.lookup.repository_rule,
            "supabase_json": file(SUPABASE),
            "local_json": file(LOCAL),
            "environments": environments,
            "oauth_json": {"path": oauth, "found": oauth.is_file()},
            "default_environment": sources.default_environment(),
            "default_environment_from": default_origin(sources),
            "component": component.to_string(),
            "sandbox": "host-runner/src/sandbox/rules.json (built in)",
        }
    })
}

/// `; environments: a, b (production); defaultEnv: a`, or why they cannot be read.
fn environments(path: &std::path::Path) -> String {
    match read_json(path) {
        Err(e) => format!("; {e}"),
        Ok(Some(Value::Object(map))) => {
            let names: Vec<String> = map
                .iter()
                .filter(|(k, _)| *k != "defaultEnv")
                .map(|(k, v)| {
                    let marked = v.get("production").and_then(Value::as_bool);
                    if crate::config::is_production(k, marked) { format!("{k} (production)") } else { k.clone() }
                })
                .collect();
            let default = map.get("defaultEnv").and_then(Value::as_str).map(|d| format!("; defaultEnv: {d}")).unwrap_or_default();
            format!("; environments: {}{default}", if names.is_empty() { "none".to_string() } else { names.join(", ") })
        }
        Ok(_) => "; not a JSON object".to_string(),
    }
}

fn default_origin(sources: &Sources) -> &'static str {
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    if set(&sources.cli_env) {
        "--env"
    } else if set(&sources.env_var) {
        "MOCK_DATA_ENV"
    } else if read_json(&sources.supabase_json()).ok().flatten().is_some_and(|v| v.get("defaultEnv").is_some()) {
        "defaultEnv"
    } else {
        "the built-in default"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::{Lookup, Origin, Place};

    fn sources(files: &[(&str, &str)]) -> Sources {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hr-config-report-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        Sources {
            lookup: Lookup { places: vec![Place { dir: dir.clone(), origin: Origin::User }], repository_rule: None },
            state_dir: dir.join("state"),
            cli_env: None,
            env_var: None,
            workspace_override: None,
        }
    }

    #[test]
    fn names_the_files_and_environments_never_the_key() {
        let s = sources(&[
            (
                SUPABASE,
                r#"{"staging":{"SUPABASE_URL":"https://a.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"sekrit-key-123"},"prod-eu":{},"defaultEnv":"staging"}"#,
            ),
            (LOCAL, r#"{"SUPABASE_SERVICE_ROLE_KEY":"local-sekrit"}"#),
        ]);
        let r = report(&s, &Component::Embedded);
        assert!(
            r.contains("supabase.json (from the user config folder); environments: prod-eu (production), staging; defaultEnv: staging"),
            "{r}"
        );
        assert!(r.contains("local.json (from the user config folder), environment local"), "{r}");
        assert!(r.contains("default environment: staging (defaultEnv)"), "{r}");
        assert!(r.contains("component: built in"), "{r}");
        assert!(!r.contains("sekrit") && !r.contains("No configuration found"), "{r}");
    }

    #[test]
    fn with_nothing_says_where_to_put_it() {
        let s = sources(&[]);
        let r = report(&s, &Component::Embedded);
        let home = s.lookup.places[0].dir.display().to_string();
        assert!(r.contains("supabase.json: none found") && r.contains(&format!("put supabase.json in {home}")), "{r}");
        assert!(r.contains("SUPABASE_SERVICE_ROLE_KEY") && r.contains("scripts/local-warehouse start"), "{r}");
    }

    #[test]
    fn a_broken_file_is_named() {
        let r = report(&sources(&[(SUPABASE, "{ nope")]), &Component::Embedded);
        assert!(r.contains("is not valid JSON"), "{r}");
    }
}
