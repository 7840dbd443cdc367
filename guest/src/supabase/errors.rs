//! PostgREST answers turned into errors a person can act on, and which
//! failures are worth another try (postgrest.md, "Retrying").

use crate::error::{ErrorKind, ToolError};
use crate::supabase::transport::{Response, TransportError};

/// PostgREST's error body: `{code, message, details, hint}`.
#[derive(Debug, Default, serde::Deserialize)]
struct Body {
    code: Option<String>,
    message: Option<String>,
    details: Option<String>,
    hint: Option<String>,
}

/// Whether a status is transient: rate limits, gateway trouble (502 from a
/// proxy between deploys), a database pool that is momentarily full
/// (PGRST003 is 504; PGRST000-002 are 503).
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504 | 520..=524)
}

/// How long to wait before try `attempt` (1-based retry count): the
/// server's Retry-After if it gave one, else exponential from 250 ms;
/// capped at 10 s either way.
pub fn backoff_ms(attempt: u32, response: Option<&Response>) -> u64 {
    let retry_after = response.and_then(retry_after_ms);
    retry_after.unwrap_or(250 << attempt.saturating_sub(1).min(6)).min(10_000)
}

/// Retry-After as seconds, or as an HTTP date (RFC 9110), counted from the
/// response's own Date header when it has one (the server's clock), else
/// from this machine's.
fn retry_after_ms(r: &Response) -> Option<u64> {
    let value = r.header("retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs.saturating_mul(1000));
    }
    let at = http_date(value)?;
    let now = r.header("date").and_then(http_date).unwrap_or_else(jiff::Timestamp::now);
    Some(u64::try_from(at.duration_since(now).as_millis()).unwrap_or(0))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (and the other forms RFC 2822 allows).
fn http_date(text: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(text.trim()).ok()
}

/// The error for a refused request. `doing` says what was attempted
/// ("insert into semantic.dm_orders_shopify"); `environment` names where.
pub fn from_response(doing: &str, environment: &str, r: &Response) -> ToolError {
    let body: Body = serde_json::from_slice(&r.body).unwrap_or_default();
    let code = body.code.clone().unwrap_or_default();
    let mut message = format!("{doing} was refused (HTTP {}", r.status);
    if !code.is_empty() {
        message.push_str(&format!(", {code}"));
    }
    message.push(')');
    if let Some(m) = &body.message {
        message.push_str(&format!(": {m}"));
    } else if !r.body.is_empty() && r.body.len() < 300 {
        message.push_str(&format!(": {}", String::from_utf8_lossy(&r.body).trim()));
    }
    if let Some(d) = body.details.as_deref().filter(|d| !d.is_empty()) {
        message.push_str(&format!(" ({d})"));
    }
    let (kind, fix) = advice(r.status, &code, environment);
    if let Some(h) = body.hint.as_deref().filter(|h| !h.is_empty()) {
        message.push_str(&format!(". Hint: {h}"));
    }
    if let Some(fix) = fix {
        message.push_str(&format!(". {fix}"));
    }
    ToolError::new(kind, message)
}

fn advice(status: u16, code: &str, environment: &str) -> (ErrorKind, Option<String>) {
    match (status, code) {
        (401 | 403, _) | (_, "42501" | "PGRST301" | "PGRST302" | "PGRST303") => (
            ErrorKind::Configuration,
            Some(format!(
                "Check SUPABASE_SERVICE_ROLE_KEY for environment '{environment}' (config/supabase.json; for 'local', run scripts/local-warehouse start): the key must be the project's service-role key"
            )),
        ),
        (_, "PGRST106") => (
            ErrorKind::Configuration,
            Some("Expose schema 'semantic' to the REST API (Supabase dashboard: Settings > API > Exposed schemas)".into()),
        ),
        (404, _) | (_, "PGRST205" | "42P01" | "PGRST202") => (
            ErrorKind::Schema,
            Some("The table or function does not exist in this warehouse, or the REST API's schema cache is stale (reload it, or check the table name)".into()),
        ),
        (_, "23505") => (
            ErrorKind::Database,
            Some("A generated row collides with an existing one: try another --seed, or --conflict skip".into()),
        ),
        (_, "23503") => (ErrorKind::Database, Some("A referenced row is missing: was it deleted while the run was going?".into())),
        (_, "42P10") => (
            ErrorKind::Schema,
            Some("The table has no unique constraint on its workspace and key columns, which every insert names as its conflict target so that a duplicate can only be this run's own row: add one (alter table <table> add unique (tenant_id, <key column>), or make those columns the primary key), then try again".into()),
        ),
        (_, "57014") => (ErrorKind::Database, Some("The statement timed out: lower --batch-size".into())),
        (s, _) if retryable_status(s) => (ErrorKind::Network, Some("The service stayed unavailable after retries; try again later".into())),
        _ => (ErrorKind::Database, None),
    }
}

pub fn from_transport(doing: &str, e: &TransportError) -> ToolError {
    match e {
        TransportError::Denied(m) => ToolError::new(
            ErrorKind::Denied,
            format!(
                "{doing}: the host refused the request ({m}): it lets the component reach only the configured Supabase REST API, writes to production only when confirmed, and no writes once a call is interrupted or past its deadline"
            ),
        ),
        TransportError::Connection(m) => ToolError::new(
            ErrorKind::Network,
            format!("{doing}: could not reach the Supabase REST API ({m}); check SUPABASE_URL and that the service is up"),
        ),
        TransportError::Other(m) => ToolError::new(ErrorKind::Network, format!("{doing}: {m}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supabase::transport::response;

    #[test]
    fn postgrest_errors_become_actionable() {
        let r = response(
            409,
            r#"{"code":"23505","message":"duplicate key value violates unique constraint","details":"Key (id)=(1) already exists.","hint":null}"#,
        );
        let e = from_response("insert into semantic.t", "staging", &r);
        assert_eq!(e.kind, ErrorKind::Database);
        assert!(e.message.contains("HTTP 409, 23505"), "{}", e.message);
        assert!(e.message.contains("already exists"));
        assert!(e.message.contains("--conflict skip"));

        let e = from_response("count semantic.t", "production", &response(401, r#"{"code":"PGRST301","message":"JWT invalid"}"#));
        assert_eq!(e.kind, ErrorKind::Configuration);
        assert!(e.message.contains("environment 'production'"));

        let e = from_response("insert", "local", &response(406, r#"{"code":"PGRST106","message":"Invalid schema: semantic"}"#));
        assert!(e.message.contains("Exposed schemas"));
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        for s in [429, 502, 503, 504, 520, 522, 524] {
            assert!(retryable_status(s));
        }
        for s in [400, 401, 404, 409, 500] {
            assert!(!retryable_status(s));
        }
    }

    #[test]
    fn backoff_grows_honours_retry_after_and_is_capped() {
        assert_eq!(backoff_ms(1, None), 250);
        assert_eq!(backoff_ms(2, None), 500);
        assert_eq!(backoff_ms(3, None), 1000);
        let mut r = response(503, "");
        r.headers.push(("Retry-After".into(), "2".into()));
        assert_eq!(backoff_ms(1, Some(&r)), 2000);
        r.headers[0].1 = "600".into();
        assert_eq!(backoff_ms(1, Some(&r)), 10_000);
    }

    #[test]
    fn retry_after_may_be_an_http_date() {
        let mut r = response(503, "");
        r.headers.push(("Date".into(), "Sun, 06 Nov 1994 08:49:37 GMT".into()));
        r.headers.push(("Retry-After".into(), "Sun, 06 Nov 1994 08:49:40 GMT".into()));
        assert_eq!(backoff_ms(1, Some(&r)), 3000);
        r.headers[1].1 = "Sun, 06 Nov 1994 08:49:30 GMT".into();
        assert_eq!(backoff_ms(1, Some(&r)), 0, "a date already past: go now");
        r.headers[1].1 = "soon".into();
        assert_eq!(backoff_ms(1, Some(&r)), 250, "unreadable: the usual backoff");
    }
}
