//! Before the component may query a warehouse, the host checks that the
//! warehouse's `run_select_ws` does not hand a query the secrets that
//! would let it act as anyone: the request's headers (PostgREST exposes
//! them to SQL as `request.headers`, the service key among them), and
//! settings whose name says they hold a secret (`app.settings.jwt_secret`,
//! set on some self-hosted Supabase), whether set for the session or stored
//! in the database's or a role's settings (`pg_db_role_setting`, which any
//! role may read). Two queries, sent together, once per warehouse per
//! process; a warehouse that shows a secret is refused. The same answer says
//! whether `run_select_ws` makes its queries read-only: if not, the gate
//! counts its calls as writes (refused in production the call did not
//! confirm). A probe that fails for another reason proves nothing: the call
//! goes on, with a warning, and `run_select_ws` counts as a write.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use serde_json::Value;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use crate::config::{Environment, Secret};
use crate::sender;
use crate::stop::{Level, Stop};

/// Warehouses found to show no secret, by REST URL, and whether their
/// run_select_ws is read-only.
static CHECKED: Mutex<Option<HashMap<String, bool>>> = Mutex::new(None);

/// Names of settings that hold secrets (extensions' and custom ones: the
/// name has a dot), as 20-access.sql clears them.
const SECRET_NAMES: &str = "(secret|password|passwd|token|apikey|api_key|private|credential|_key$)";

fn session_query() -> String {
    format!(
        "select current_setting('request.headers', true) as h, current_setting('request.header.apikey', true) as a, \
         current_setting('request.header.authorization', true) as b, \
         current_setting('transaction_read_only') as ro, \
         (select coalesce(jsonb_agg(name order by name), '[]'::jsonb) from pg_settings \
          where name like '%.%' and name ~* '{SECRET_NAMES}' and coalesce(setting, '') <> '') as visible"
    )
}

fn stored_query() -> String {
    format!(
        "select coalesce(jsonb_agg(distinct split_part(c, '=', 1)), '[]'::jsonb) as stored \
         from pg_catalog.pg_db_role_setting, unnest(setconfig) c \
         where split_part(c, '=', 1) like '%.%' and split_part(c, '=', 1) ~* '{SECRET_NAMES}'"
    )
}

/// What the probe found, when the warehouse shows no secret.
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    /// Why the probe could not tell, if it could not.
    pub note: Option<String>,
    /// run_select_ws runs its queries read-only.
    pub read_only_selects: bool,
}

/// Found, or (Err) a secret shown, or the call stopping.
pub type Outcome = Result<Found, String>;

/// A probe started ahead of the call (`ahead`), by REST URL.
type Ahead = (String, std::thread::JoinHandle<Outcome>);
static AHEAD: Mutex<Option<Ahead>> = Mutex::new(None);

/// Starts the probe of `env` now, on a thread of its own, so that its round
/// trip overlaps loading the component; `check` then waits for its answer.
/// It sends only what `check` would send; the component still gets no
/// connection before the answer is in.
pub fn ahead(env: Environment) {
    let url = env.rest_url.clone();
    let Ok(handle) = std::thread::Builder::new().name("probe".into()).spawn(move || check_now(&env, None)) else { return };
    if let Ok(mut a) = AHEAD.lock() {
        *a = Some((url, handle));
    }
}

/// Refuses a warehouse that shows a query a secret: Err, naming what and
/// the fix. A stop of the call ends the wait.
pub fn check(env: &Environment, stop: &Stop) -> Outcome {
    let started = AHEAD.lock().ok().and_then(|mut a| a.take_if(|(url, _)| *url == env.rest_url));
    if let Some((_, handle)) = started {
        while !handle.is_finished() {
            if stop.level() >= Level::Stopping {
                return Err(stopped(stop));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Ok(outcome) = handle.join() {
            return outcome;
        }
    }
    check_now(env, Some(stop))
}

fn stopped(stop: &Stop) -> String {
    format!("the call is stopping ({}): the warehouse was not probed", stop.reason().unwrap_or_default())
}

fn check_now(env: &Environment, stop: Option<&Stop>) -> Outcome {
    if let Some(read_only_selects) = CHECKED.lock().ok().and_then(|c| c.as_ref().and_then(|c| c.get(&env.rest_url).copied())) {
        return Ok(Found { note: None, read_only_selects });
    }
    let (session_sql, stored_sql) = (session_query(), stored_query());
    let answers = wasmtime_wasi::runtime::in_tokio(async {
        let both = async { tokio::join!(ask(env, &session_sql), ask(env, &stored_sql)) };
        match stop {
            Some(stop) => tokio::select! {
                answers = both => Some(answers),
                () = stop.reached(Level::Stopping) => None,
            },
            None => Some(both.await),
        }
    });
    let Some((session, stored)) = answers else { return Err(stopped(stop.expect("only a stop ends it early"))) };
    let verdict = judge(&env.name, &env.service_key, session, stored);
    if let Ok(Found { note: None, read_only_selects }) = &verdict
        && let Ok(mut c) = CHECKED.lock()
    {
        c.get_or_insert_with(HashMap::new).insert(env.rest_url.clone(), *read_only_selects);
    }
    verdict
}

/// An answer: the HTTP status and the body.
type Answer = Result<(u16, String), String>;

fn judge(name: &str, key: &Secret, session: Answer, stored: Answer) -> Outcome {
    let mut unknown = Vec::new();
    let mut read_only = false;
    match &session {
        Ok((200, body)) if leaks(body, key) => {
            return Err(format!(
                "the warehouse of environment '{name}' leaks the service key: its run_select_ws lets a query read the request headers (current_setting('request.headers')). Fix the function first: it must clear request.headers, request.jwt.claims and request.cookies before running the query (scripts/warehouse/20-access.sql shows how; README, \"Threat model\"); nothing was sent to the component"
            ));
        }
        Ok((200, body)) => {
            read_only = text_column(body, "ro").as_deref() == Some("on");
            if !read_only {
                unknown.push(format!(
                    "its run_select_ws does not make its queries read-only, so the host counts them as writes (refused in production unless confirmed); fix the function as scripts/warehouse/20-access.sql does (README, \"Threat model\")"
                ));
            }
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
    let note = (!unknown.is_empty())
        .then(|| format!("could not check all of the warehouse of environment '{name}' ({}); going on", unknown.join("; ")));
    Ok(Found { note, read_only_selects: read_only })
}

/// A text column of a one-row answer.
fn text_column(body: &str, name: &str) -> Option<String> {
    let rows: Value = serde_json::from_str(body).ok()?;
    rows.get(0)?.get(name)?.as_str().map(str::to_string)
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
    let (apikey, bearer) = crate::gate::credentials(&env.service_key).ok_or("an unusable key")?;
    let mut request =
        http::Request::post(url).header("content-type", "application/json").header("accept", "application/json").header("apikey", apikey);
    if let Some(bearer) = bearer {
        request = request.header(http::header::AUTHORIZATION, bearer);
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
    const CLEAN: &str = r#"[{"h":"","a":null,"b":null,"ro":"on","visible":[]}]"#;
    fn found(read_only_selects: bool) -> Outcome {
        Ok(Found { note: None, read_only_selects })
    }
    const NONE_STORED: &str = r#"[{"stored":[]}]"#;

    #[test]
    fn a_leak_is_the_key_in_the_answer() {
        let key = Secret::new(KEY);
        let leaking = ok(&format!(r#"[{{"h":"{{\"apikey\":\"{KEY}\"}}","visible":[]}}]"#));
        assert!(judge("e", &key, leaking, ok(NONE_STORED)).unwrap_err().contains("leaks the service key"));
        assert_eq!(judge("e", &key, ok(CLEAN), ok(NONE_STORED)), found(true));
    }

    #[test]
    fn a_run_select_ws_that_is_not_read_only_counts_as_writing() {
        let key = Secret::new(KEY);
        let old = ok(r#"[{"h":"","ro":"off","visible":[]}]"#);
        let f = judge("e", &key, old, ok(NONE_STORED)).unwrap();
        assert!(!f.read_only_selects);
        assert!(f.note.unwrap().contains("does not make its queries read-only"));
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
        assert_eq!(judge("e", &key, ok(CLEAN), refused), found(true));
    }

    #[test]
    fn a_probe_that_cannot_tell_says_so() {
        let key = Secret::new(KEY);
        let note = judge("e", &key, Err("no answer (connection refused)".into()), ok(NONE_STORED)).unwrap().note.unwrap();
        assert!(note.contains("could not check") && note.contains("connection refused"), "{note}");
        let note = judge("e", &key, Ok((404, "{}".into())), Ok((404, "{}".into()))).unwrap().note.unwrap();
        assert!(note.contains("answered 404"), "{note}");
    }
}
