//! Before the component may query a warehouse, the host checks that the
//! warehouse's `run_select_ws` does not hand the request's headers (and so
//! the service key) to the query: PostgREST exposes them to SQL as
//! `request.headers`, and a component could read the key back. One query,
//! once per warehouse per process; a warehouse that leaks is refused.

use std::collections::HashSet;
use std::sync::Mutex;

use http_body_util::{BodyExt, Full};
use std::time::Duration;

use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use crate::config::{Environment, Secret};
use crate::sender;

/// Warehouses found not to leak, by REST URL.
static CHECKED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

const QUERY: &str = "select current_setting('request.headers', true) as h, current_setting('request.header.apikey', true) as a, current_setting('request.header.authorization', true) as b";

/// A probe started ahead of the call (`ahead`), by REST URL.
type Ahead = (String, std::thread::JoinHandle<Result<(), String>>);
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

/// Refuses a warehouse whose `run_select_ws` shows the key to queries. A
/// probe that fails for another reason (no such function, network) proves
/// nothing and lets the call go on: the component meets that failure itself.
pub fn check(env: &Environment) -> Result<(), String> {
    let started = AHEAD.lock().ok().and_then(|mut a| a.take_if(|(url, _)| *url == env.rest_url));
    if let Some((_, handle)) = started
        && let Ok(outcome) = handle.join()
    {
        return outcome;
    }
    check_now(env)
}

fn check_now(env: &Environment) -> Result<(), String> {
    if CHECKED.lock().ok().and_then(|c| c.as_ref().map(|c| c.contains(&env.rest_url))).unwrap_or(false) {
        return Ok(());
    }
    let answer = wasmtime_wasi::runtime::in_tokio(ask(env));
    if answer.as_deref().is_some_and(|a| leaks(a, &env.service_key)) {
        return Err(format!(
            "the warehouse of environment '{}' leaks the service key: its run_select_ws lets a query read the request headers (current_setting('request.headers')). Fix the function first: it must clear request.headers, request.jwt.claims and request.cookies before running the query (scripts/warehouse/20-access.sql shows how; README, \"Threat model\"); nothing was sent to the component",
            env.name
        ));
    }
    if let Ok(mut c) = CHECKED.lock() {
        c.get_or_insert_with(HashSet::new).insert(env.rest_url.clone());
    }
    Ok(())
}

/// Whether an answer carries the key (or a sizeable part of it).
fn leaks(answer: &str, key: &Secret) -> bool {
    let key = key.expose();
    let part = &key[..key.len().min(32)];
    !part.is_empty() && answer.contains(part)
}

async fn ask(env: &Environment) -> Option<String> {
    let body = serde_json::json!({ "p_query": QUERY, "p_workspace_id": env.workspace_id }).to_string();
    let url = format!("{}/rpc/run_select_ws", env.rest_url.trim_end_matches('/'));
    let key = env.service_key.expose();
    let mut request =
        http::Request::post(url).header("content-type", "application/json").header("accept", "application/json").header("apikey", key);
    if !key.starts_with("sb_") {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let body: WasiBody =
        Full::new(bytes::Bytes::from(body)).map_err(|never: std::convert::Infallible| -> Error { match never {} }).boxed_unsync();
    let request = request.body(body).ok()?;
    // A warehouse too slow to answer this proves nothing: the call goes on.
    let options = RequestOptions { connect_timeout: None, first_byte_timeout: Some(Duration::from_secs(20)), between_bytes_timeout: None };
    let (response, _) = sender::send(sender::pool(), request, Some(options)).await.ok()?;
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leak_is_the_key_in_the_answer() {
        let key = Secret::new("eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig");
        assert!(leaks(r#"[{"h":"{\"apikey\":\"eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig\"}"}]"#, &key));
        assert!(!leaks(r#"[{"h":"","a":null,"b":null}]"#, &key));
    }
}
