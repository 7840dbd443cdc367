//! Before the component may query a warehouse, the host checks that the
//! warehouse's `run_select_ws` does not hand a query the secrets that
//! would let it act as anyone: the request's headers (PostgREST exposes
//! them to SQL as `request.headers`, the service key among them), and
//! settings whose name says they hold a secret (`app.settings.jwt_secret`,
//! set on some self-hosted Supabase), whether set for the session or stored
//! in the database's or a role's settings (`pg_db_role_setting`, which any
//! role may read). Two queries, sent together, once per warehouse per
//! process; a warehouse that shows a secret is refused. A probe that fails
//! for another reason proves nothing: the call goes on, with a warning.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use serde_json::Value;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use crate::config::{Environment, Secret};
use crate::sender;

/// Warehouses found to show no secret, by REST URL.
static CHECKED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Names of settings that hold secrets.
const SECRET_NAMES: &str = "(secret|password|passwd|token|apikey|api_key|private)";

fn session_query() -> String {
    format!(
        "select current_setting('request.headers', true) as h, current_setting('request.header.apikey', true) as a, \
         current_setting('request.header.authorization', true) as b, \
         (select coalesce(jsonb_agg(name order by name), '[]'::jsonb) from pg_settings \
          where name like '%.%' and name ~* '{SECRET_NAMES}' and coalesce(setting, '') <> '') as visible"
    )
}

fn stored_query() -> String {
    format!(
        "select coalesce(jsonb_agg(distinct split_part(c, '=', 1)), '[]'::jsonb) as stored \
         from pg_catalog.pg_db_role_setting, unnest(setconfig) c where split_part(c, '=', 1) ~* '{SECRET_NAMES}'"
    )
}

/// What the probe found: nothing (or a note why it could not look), or a secret.
pub type Outcome = Result<Option<String>, String>;

/// A probe started ahead of the call (`ahead`), by REST URL.
type Ahead = (String, std::thread::JoinHandle<Outcome>);
static AHEAD: Mutex<Option<Ahead>> = Mutex::new(None);

/// Starts the probe of `env` now, on a thread of its own, so that its round
/// trip overlaps loading the component; `check` then waits for its answer.
/// It sends only what `check` would send; the component still gets no
/// connection before the answer is in.
pub fn ahead(env: Environment) {
    let url = env.rest_url.clone();
    let Ok(handle) = std::thread::Builder::new().name("probe".into()).spawn(move || check_now(&env)) else { return };
    if let Ok(mut a) = AHEAD.lock() {
        *a = Some((url, handle));
    }
}

/// Refuses a warehouse that shows a query a secret: Err, naming what and
/// the fix. Ok(Some(note)) when the probe could not tell.
pub fn check(env: &Environment) -> Outcome {
    let started = AHEAD.lock().ok().and_then(|mut a| a.take_if(|(url, _)| *url == env.rest_url));
    if let Some((_, handle)) = started
        && let Ok(outcome) = handle.join()
    {
        return outcome;
    }
    check_now(env)
}

fn check_now(env: &Environment) -> Outcome {
    if CHECKED.lock().ok().and_then(|c| c.as_ref().map(|c| c.contains(&env.rest_url))).unwrap_or(false) {
        return Ok(None);
    }
    let (session_sql, stored_sql) = (session_query(), stored_query());
    let (session, stored) = wasmtime_wasi::runtime::in_tokio(async { tokio::join!(ask(env, &session_sql), ask(env, &stored_sql)) });
    let verdict = judge(&env.name, &env.service_key, session, stored);
    if matches!(verdict, Ok(None))
        && let Ok(mut c) = CHECKED.lock()
    {
        c.get_or_insert_with(HashSet::new).insert(env.rest_url.clone());
    }
    verdict
}

/// An answer: the HTTP status and the body.
type Answer = Result<(u16, String), String>;

fn judge(name: &str, key: &Secret, session: Answer, stored: Answer) -> Outcome {
    let mut unknown = Vec::new();
    match &session {
        Ok((200, body)) if leaks(body, key) => {
            return Err(format!(
                "the warehouse of environment '{name}' leaks the service key: its run_select_ws lets a query read the request headers (current_setting('request.headers')). Fix the function first: it must clear request.headers, request.jwt.claims and request.cookies before running the query (scripts/warehouse/20-access.sql shows how; README, \"Threat model\"); nothing was sent to the component"
            ));
        }
        Ok((200, body)) => {
            let visible = names(body, "visible");
            if !visible.is_empty() {
                return Err(format!(
                    "the warehouse of environment '{name}' shows queries secret settings through run_select_ws: {}. Its run_select_ws must clear them before running the query (scripts/warehouse/20-access.sql shows how; README, \"Threat model\"); nothing was sent to the component",
                    visible.join(", ")
                ));
            }
        }
        Ok((status, _)) => unknown.push(format!("run_select_ws answered {status}")),
        Err(e) => unknown.push(e.clone()),
    }
    match &stored {
        Ok((200, body)) => {
            let stored = names(body, "stored");
            if !stored.is_empty() {
                return Err(format!(
                    "the warehouse of environment '{name}' keeps secrets in database or role settings that any query can read (pg_catalog.pg_db_role_setting): {}. Remove them (alter database ... reset {}; keep such secrets in Supabase Vault), or revoke select on pg_catalog.pg_db_role_setting from public; nothing was sent to the component",
                    stored.join(", "),
                    stored[0]
                ));
            }
        }
        // Refused: the catalog is not readable, which is what we want.
        Ok((status, body)) if (400..500).contains(status) && body.contains("42501") => {}
        Ok((status, _)) => unknown.push(format!("the settings query answered {status}")),
        Err(e) => unknown.push(e.clone()),
    }
    Ok((!unknown.is_empty()).then(|| {
        format!(
            "could not check that the warehouse of environment '{name}' keeps its secrets from queries ({}); going on",
            unknown.join("; ")
        )
    }))
}

/// The names in a one-row answer's JSON array column.
fn names(body: &str, column: &str) -> Vec<String> {
    let rows: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    rows.get(0)
        .and_then(|r| r.get(column))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| v.as_str().map(|s| crate::text::clean(s).into_owned())).collect())
        .unwrap_or_default()
}

/// Whether an answer carries the key (or a sizeable part of it).
fn leaks(answer: &str, key: &Secret) -> bool {
    let key = key.expose();
    let part = &key[..key.len().min(32)];
    !part.is_empty() && answer.contains(part)
}

async fn ask(env: &Environment, query: &str) -> Answer {
    let body = serde_json::json!({ "p_query": query, "p_workspace_id": env.workspace_id }).to_string();
    let url = format!("{}/rpc/run_select_ws", env.rest_url.trim_end_matches('/'));
    let key = env.service_key.expose();
    let mut request =
        http::Request::post(url).header("content-type", "application/json").header("accept", "application/json").header("apikey", key);
    if !key.starts_with(crate::sandbox::rules().requests.bearer_unless_key_starts_with.as_str()) {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let body: WasiBody =
        Full::new(bytes::Bytes::from(body)).map_err(|never: std::convert::Infallible| -> Error { match never {} }).boxed_unsync();
    let request = request.body(body).map_err(|e| e.to_string())?;
    // A warehouse too slow to answer this proves nothing: the call goes on.
    let options = RequestOptions { connect_timeout: None, first_byte_timeout: Some(Duration::from_secs(20)), between_bytes_timeout: None };
    let (response, _) = sender::send(sender::pool(), request, Some(options)).await.map_err(|e| format!("no answer ({e})"))?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.map_err(|e| format!("no answer ({e})"))?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig";
    fn ok(body: &str) -> Answer {
        Ok((200, body.to_string()))
    }
    const CLEAN: &str = r#"[{"h":"","a":null,"b":null,"visible":[]}]"#;
    const NONE_STORED: &str = r#"[{"stored":[]}]"#;

    #[test]
    fn a_leak_is_the_key_in_the_answer() {
        let key = Secret::new(KEY);
        let leaking = ok(&format!(r#"[{{"h":"{{\"apikey\":\"{KEY}\"}}","visible":[]}}]"#));
        assert!(judge("e", &key, leaking, ok(NONE_STORED)).unwrap_err().contains("leaks the service key"));
        assert_eq!(judge("e", &key, ok(CLEAN), ok(NONE_STORED)), Ok(None));
    }

    #[test]
    fn secret_settings_are_refused_by_name_never_shown_by_value() {
        let key = Secret::new(KEY);
        let visible = ok(r#"[{"h":"","visible":["app.settings.jwt_secret"]}]"#);
        let m = judge("e", &key, visible, ok(NONE_STORED)).unwrap_err();
        assert!(m.contains("app.settings.jwt_secret") && m.contains("must clear them"), "{m}");
        let m = judge("e", &key, ok(CLEAN), ok(r#"[{"stored":["app.settings.jwt_secret"]}]"#)).unwrap_err();
        assert!(m.contains("pg_db_role_setting") && m.contains("reset app.settings.jwt_secret"), "{m}");
        // A catalog the query may not read is what we want.
        let refused = Ok((403, r#"{"code":"42501","message":"permission denied for table pg_db_role_setting"}"#.to_string()));
        assert_eq!(judge("e", &key, ok(CLEAN), refused), Ok(None));
    }

    #[test]
    fn a_probe_that_cannot_tell_says_so() {
        let key = Secret::new(KEY);
        let note = judge("e", &key, Err("no answer (connection refused)".into()), ok(NONE_STORED)).unwrap().unwrap();
        assert!(note.contains("could not check") && note.contains("connection refused"), "{note}");
        let note = judge("e", &key, Ok((404, "{}".into())), Ok((404, "{}".into()))).unwrap().unwrap();
        assert!(note.contains("answered 404"), "{note}");
    }
}
