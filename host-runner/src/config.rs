//! Where each environment is, from the files the design names:
//!
//! - `config/supabase.json`: per environment (`staging`, `production`, any
//!   other name) `SUPABASE_URL` and `SUPABASE_SERVICE_ROLE_KEY`, optionally
//!   `SUPABASE_REST_URL` and `WORKSPACE_ID`; plus `defaultEnv`. Git-ignored.
//! - `config/local.json`: the local warehouse, written by
//!   `scripts/local-warehouse start` (environment `local`).
//! - `~/.bustly/bustlyOauth.json` (or `$OPENCLAW_STATE_DIR/bustlyOauth.json`),
//!   key `bustlySearchData`: the workspace id, and the URL when a section
//!   has none.
//! - Environment: `MOCK_DATA_ENV` picks the default environment,
//!   `MOCK_DATA_WORKSPACE_ID` overrides the workspace.
//!
//! Every failure names the file and what to put in it. The key is held as a
//! `Secret`, which never prints.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::lookup::{LOCAL, Lookup, SUPABASE};
use crate::sandbox::Origin;

/// Where the errors about missing files send the user.
const LOOKUP_HINT: &str = "`host-runner config` shows where configuration is looked up";

/// A credential: usable, never displayed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One environment, resolved.
#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub rest_url: String,
    pub origin: Origin,
    pub service_key: Secret,
    pub workspace_id: String,
    pub production: bool,
}

/// What configuration is read from; fixed at start-up.
#[derive(Clone, Debug)]
pub struct Sources {
    /// Where supabase.json and local.json are looked up (see `lookup`).
    pub lookup: Lookup,
    pub state_dir: PathBuf,
    /// `--env` given on the command line.
    pub cli_env: Option<String>,
    pub env_var: Option<String>,
    pub workspace_override: Option<String>,
}

impl Sources {
    /// The default environment: `--env`, else MOCK_DATA_ENV, else the
    /// configuration's defaultEnv, else staging.
    pub fn default_environment(&self) -> String {
        if let Some(e) = self.cli_env.clone().or_else(|| self.env_var.clone()).filter(|e| !e.trim().is_empty()) {
            return e.trim().to_string();
        }
        read_json(&self.supabase_json())
            .ok()
            .flatten()
            .and_then(|v| v.get("defaultEnv").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "staging".to_string())
    }

    pub fn supabase_json(&self) -> PathBuf {
        self.lookup.path(SUPABASE)
    }

    pub fn local_json(&self) -> PathBuf {
        self.lookup.path(LOCAL)
    }

    pub fn oauth_json(&self) -> PathBuf {
        self.state_dir.join("bustlyOauth.json")
    }

    /// Resolves `requested` (or the default) to an environment.
    pub fn resolve(&self, requested: Option<&str>) -> Result<Environment, String> {
        let name = requested.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).unwrap_or_else(|| self.default_environment());
        let supabase = read_json(&self.supabase_json())?;
        let section = supabase.as_ref().and_then(|v| v.get(&name)).cloned();
        let (section, file) = match (section, name.as_str()) {
            (Some(s), _) => (s, self.supabase_json()),
            (None, "local") => match read_json(&self.local_json())? {
                Some(v) => (v, self.local_json()),
                None => {
                    return Err(format!(
                        "environment 'local' is not configured: {} does not exist. Run scripts/local-warehouse start in the repository, which starts the local warehouse and writes it, or add a \"local\" section to {} ({LOOKUP_HINT})",
                        self.local_json().display(),
                        self.supabase_json().display()
                    ));
                }
            },
            (None, _) => return Err(self.missing_environment(&name, supabase.as_ref())),
        };
        let file_name = file.display().to_string();
        let Value::Object(section) = section else {
            return Err(format!("\"{name}\" in {file_name} must be an object with SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"));
        };
        let get = |k: &str| section.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let oauth = self.oauth()?;
        let url = get("SUPABASE_URL")
            .or_else(|| oauth.as_ref().and_then(|o| o.url.clone()))
            .ok_or_else(|| format!("environment '{name}' has no SUPABASE_URL: add it to the \"{name}\" section of {file_name}"))?;
        let rest_url = get("SUPABASE_REST_URL").unwrap_or_else(|| format!("{}/rest/v1", url.trim_end_matches('/')));
        let origin = Origin::parse(&rest_url).map_err(|e| format!("environment '{name}' in {file_name}: {e}"))?;
        let key = get("SUPABASE_SERVICE_ROLE_KEY").ok_or_else(|| {
            format!("environment '{name}' has no SUPABASE_SERVICE_ROLE_KEY: add the project's service-role key to the \"{name}\" section of {file_name}")
        })?;
        if http::HeaderValue::from_str(&key).is_err() {
            return Err(format!(
                "SUPABASE_SERVICE_ROLE_KEY for '{name}' in {file_name} has characters an HTTP header cannot carry: copy it again from the Supabase dashboard (Settings > API)"
            ));
        }
        if key.starts_with("your-") || key.contains("service-role-key-here") {
            return Err(format!(
                "SUPABASE_SERVICE_ROLE_KEY for '{name}' in {file_name} is still the example's placeholder: replace it with the project's service-role key (Supabase dashboard: Settings > API)"
            ));
        }
        let workspace_id = self
            .workspace_override
            .clone()
            .filter(|w| !w.trim().is_empty())
            .or_else(|| get("WORKSPACE_ID"))
            .or_else(|| oauth.as_ref().and_then(|o| o.workspace.clone()))
            .ok_or_else(|| {
                format!(
                    "no workspace id for environment '{name}': log in with the Bustly desktop app (it writes {}), or add WORKSPACE_ID to the \"{name}\" section of {file_name}, or set MOCK_DATA_WORKSPACE_ID",
                    self.oauth_json().display()
                )
            })?;
        let production = is_production(&name, section.get("production").and_then(Value::as_bool));
        Ok(Environment { name, rest_url, origin, service_key: Secret::new(key), workspace_id, production })
    }

    fn missing_environment(&self, name: &str, supabase: Option<&Value>) -> String {
        let file = self.supabase_json();
        match supabase.and_then(Value::as_object) {
            None => format!(
                "environment '{name}' is not configured: {} does not exist. Copy config/supabase.json.example (in the repository) to {} and fill in each environment's SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (or use --env local with scripts/local-warehouse; {LOOKUP_HINT})",
                file.display(),
                file.display()
            ),
            Some(map) => {
                let known: Vec<&str> = map.keys().map(String::as_str).filter(|k| *k != "defaultEnv").collect();
                format!(
                    "environment '{name}' is not in {} (it has: {}): add a \"{name}\" section with SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY, or choose one of those with --env",
                    file.display(),
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )
            }
        }
    }

    fn oauth(&self) -> Result<Option<OauthConfig>, String> {
        let Some(v) = read_json(&self.oauth_json())? else { return Ok(None) };
        let Some(s) = v.get("bustlySearchData") else { return Ok(None) };
        let get = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string).filter(|x| !x.is_empty());
        Ok(Some(OauthConfig { url: get("SEARCH_DATA_SUPABASE_URL"), workspace: get("SEARCH_DATA_WORKSPACE_ID") }))
    }
}

/// An environment is production when it says so, or when its name contains
/// `prod` in any case (`Production`, `prod-eu`), unless it says
/// `"production": false`: a missed production is worse than one more flag.
pub fn is_production(name: &str, marked: Option<bool>) -> bool {
    marked.unwrap_or_else(|| name.to_ascii_lowercase().contains(&crate::sandbox::rules().production.name_contains))
}

struct OauthConfig {
    url: Option<String>,
    workspace: Option<String>,
}

/// A JSON file, None if it does not exist; an error naming the file if it
/// cannot be read or parsed.
pub fn read_json(path: &Path) -> Result<Option<Value>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("{} is not valid JSON ({e}): fix it; config/supabase.json.example shows the expected shape", path.display()))
}

/// The state directory the Bustly desktop app writes: OPENCLAW_STATE_DIR,
/// else ~/.bustly.
pub fn state_dir() -> PathBuf {
    let home = crate::lookup::home_dir().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    match std::env::var("OPENCLAW_STATE_DIR").ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        Some(dir) if dir == "~" => home,
        Some(dir) if dir.starts_with("~/") => home.join(&dir[2..]),
        Some(dir) => PathBuf::from(dir),
        None => home.join(".bustly"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> (Sources, PathBuf) {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hr-config-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::create_dir_all(dir.join("state")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        (
            Sources {
                lookup: Lookup {
                    places: vec![crate::lookup::Place { dir: dir.join("config"), origin: crate::lookup::Origin::Flag }],
                    repository_rule: None,
                },
                state_dir: dir.join("state"),
                cli_env: None,
                env_var: None,
                workspace_override: None,
            },
            dir,
        )
    }

    #[test]
    fn resolves_the_design_files_without_showing_the_key() {
        let (s, _) = sources(&[
            (
                "config/supabase.json",
                r#"{"staging":{"SUPABASE_URL":"https://abc.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"sekrit-key"},"defaultEnv":"staging"}"#,
            ),
            ("state/bustlyOauth.json", r#"{"bustlySearchData":{"SEARCH_DATA_WORKSPACE_ID":"ws-1"}}"#),
        ]);
        let e = s.resolve(None).unwrap();
        assert_eq!(e.rest_url, "https://abc.supabase.co/rest/v1");
        assert_eq!(e.workspace_id, "ws-1");
        assert!(!e.production);
        assert!(!format!("{e:?}").contains("sekrit"));
    }

    #[test]
    fn failures_name_the_file_and_the_fix() {
        let (s, _) = sources(&[]);
        let m = s.resolve(Some("staging")).unwrap_err();
        assert!(m.contains("supabase.json does not exist") && m.contains("Copy config/supabase.json.example"), "{m}");
        let m = s.resolve(Some("local")).unwrap_err();
        assert!(m.contains("scripts/local-warehouse start"), "{m}");

        let (s, _) = sources(&[("config/supabase.json", "{ not json")]);
        assert!(s.resolve(Some("staging")).unwrap_err().contains("is not valid JSON"));

        let (s, _) = sources(&[(
            "config/supabase.json",
            r#"{"production":{"SUPABASE_URL":"https://p.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"k"}}"#,
        )]);
        let m = s.resolve(Some("staging")).unwrap_err();
        assert!(m.contains("it has: production"), "{m}");
        let m = s.resolve(Some("production")).unwrap_err();
        assert!(m.contains("no workspace id") && m.contains("MOCK_DATA_WORKSPACE_ID"), "{m}");

        let (s, _) = sources(&[(
            "config/supabase.json",
            r#"{"staging":{"SUPABASE_URL":"https://x.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"your-staging-service-role-key-here","WORKSPACE_ID":"w"}}"#,
        )]);
        assert!(s.resolve(Some("staging")).unwrap_err().contains("placeholder"));

        let (s, _) = sources(&[(
            "config/supabase.json",
            r#"{"staging":{"SUPABASE_URL":"http://x.supabase.co","SUPABASE_SERVICE_ROLE_KEY":"k","WORKSPACE_ID":"w"}}"#,
        )]);
        assert!(s.resolve(Some("staging")).unwrap_err().contains("https"));
    }

    #[test]
    fn production_is_told_by_flag_or_name() {
        for name in ["production", "Production", "PROD", "prod-eu", "eu-prod-2"] {
            assert!(is_production(name, None), "{name}");
            assert!(!is_production(name, Some(false)), "{name} said false");
        }
        assert!(!is_production("staging", None));
        assert!(is_production("staging", Some(true)));
    }

    #[test]
    fn local_comes_from_the_warehouse_file_and_overrides_apply() {
        let (mut s, _) = sources(&[(
            "config/local.json",
            r#"{"SUPABASE_URL":"http://127.0.0.1:54330","SUPABASE_REST_URL":"http://127.0.0.1:54330","SUPABASE_SERVICE_ROLE_KEY":"k","WORKSPACE_ID":"local-workspace"}"#,
        )]);
        s.env_var = Some("local".into());
        s.workspace_override = Some("ws-test".into());
        let e = s.resolve(None).unwrap();
        assert_eq!((e.name.as_str(), e.rest_url.as_str(), e.workspace_id.as_str()), ("local", "http://127.0.0.1:54330", "ws-test"));
    }
}
