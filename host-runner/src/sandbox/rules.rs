//! `rules.json`, typed. Read once; a rule the code does not know, or one
//! missing, fails the tests (and the build's first run), never silently.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde::Deserialize;

/// The rules as the Node host reads them too.
pub const TEXT: &str = include_str!("rules.json");

/// The rules of this build.
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| serde_json::from_str(TEXT).expect("sandbox/rules.json matches sandbox::rules::Rules (a unit test checks)"))
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// What the file is, for its readers.
    #[allow(dead_code)]
    pub about: String,
    pub requests: Requests,
    pub production: Production,
    pub calls: Calls,
    pub output: Output,
    pub resources: Resources,
    pub mcp: Mcp,
}

/// What one request may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
    Delete,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// The one schema the component reaches.
    pub schema: String,
    /// The profile header a read (GET, HEAD) names the schema with.
    pub read_profile_header: String,
    /// The profile header a write or delete names it with.
    pub write_profile_header: String,
    /// The methods allowed, and what each is.
    pub methods: BTreeMap<String, Access>,
    pub rpc_prefix: String,
    /// The database functions the component may call (POST, read-only),
    /// the only paths without a profile header.
    pub agent_rpcs: Vec<String>,
    /// `loopback`: plain http only to a loopback address.
    pub plain_http_hosts: String,
    /// Percent-escapes refused in a path (servers and proxies decode them differently).
    pub refused_encoded_characters: Vec<String>,
    pub refused_segments: Vec<String>,
    /// Headers of the component's own the host replaces with the credentials.
    pub credential_headers: Vec<String>,
    /// Keys with this prefix go in `apikey` only; others also as a bearer token.
    pub bearer_unless_key_starts_with: String,
    pub max_in_flight: usize,
    pub connect_timeout_ms: u64,
    pub first_byte_timeout_ms: Bounded,
    pub idle_timeout_ms: Bounded,
    /// Of a refused request's body, how much is read (and dropped) so the
    /// component sees the refusal, not a broken stream.
    pub denied_body_drain_bytes: u64,
    /// How many distinct refused targets the report names (the rest are counted).
    pub denied_targets_kept: usize,
}

/// A limit the component may lower but not raise.
#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct Bounded {
    pub default: u64,
    pub max: u64,
}

impl Bounded {
    /// The component's wish (or the default), within the bound.
    pub fn within(&self, wish: Option<Duration>) -> Duration {
        wish.unwrap_or(Duration::from_millis(self.default)).min(Duration::from_millis(self.max))
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Production {
    /// An environment whose name contains this (any case) is production
    /// unless it says `"production": false`.
    pub name_contains: String,
    /// What a call that did not confirm production may do there.
    pub unconfirmed_access: Vec<Access>,
    pub agents_need_host_flag: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Calls {
    pub deadline_ms: u64,
    /// What a stopping call may still do (its rollback's deletes, and reads).
    pub stopping_access: Vec<Access>,
    pub grace_fraction: f64,
    pub grace_min_ms: u64,
    pub grace_max_ms: u64,
    pub last_wait_ms: u64,
}

impl Calls {
    pub fn deadline(&self) -> Duration {
        Duration::from_millis(self.deadline_ms)
    }

    /// How long a stopping call's writes may be refused before wasm is
    /// interrupted: room for the run's deletes.
    pub fn grace(&self, deadline: Duration) -> Duration {
        deadline.mul_f64(self.grace_fraction).clamp(Duration::from_millis(self.grace_min_ms), Duration::from_millis(self.grace_max_ms))
    }

    pub fn last_wait(&self) -> Duration {
        Duration::from_millis(self.last_wait_ms)
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Output {
    pub name_digits: usize,
    pub name_table_characters: String,
    pub extensions: Vec<String>,
    /// Files the host writes from rows (`write-sql-rows`), never from bytes.
    pub host_written_extensions: Vec<String>,
    pub max_files: usize,
    pub max_write_bytes: u64,
    pub max_total_bytes: u64,
    /// Of the component's stderr, how much reaches the terminal.
    pub max_stderr_bytes: usize,
    /// One batch of rows for a SQL file, at most: it is parsed whole.
    pub max_sql_rows_bytes: usize,
    /// One log line of the component's, at most (longer ones are cut).
    pub max_log_line_bytes: usize,
    /// The component's log lines in all, at most (later ones are dropped).
    pub max_log_bytes: usize,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub max_memory_bytes: usize,
    pub max_total_memory_bytes: usize,
    pub max_table_elements: usize,
    pub max_instances: usize,
    pub max_memories: usize,
    pub max_tables: usize,
    /// What one call of the component into the host may copy over; past it
    /// wasmtime traps the call (our own caps refuse less, cleanly).
    pub max_hostcall_bytes: usize,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Mcp {
    /// A longer input line is refused whole (and read no further into memory).
    pub max_line_bytes: usize,
    /// Tool calls running at once; one more is refused until one ends.
    pub max_calls_at_once: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_parse_and_hold_together() {
        let r = rules();
        let q = &r.requests;
        assert_eq!(q.schema, "semantic");
        assert_eq!(q.methods.get("GET"), Some(&Access::Read));
        assert_eq!(q.methods.get("DELETE"), Some(&Access::Delete));
        assert!(!q.methods.contains_key("PATCH") && !q.methods.contains_key("PUT"), "nothing updates rows in place");
        assert!(q.agent_rpcs.iter().all(|f| f.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        assert!(q.first_byte_timeout_ms.default <= q.first_byte_timeout_ms.max);
        assert!(q.credential_headers.iter().all(|h| h == &h.to_ascii_lowercase()));
        assert_eq!(r.production.unconfirmed_access, [Access::Read]);
        assert!(!r.calls.stopping_access.contains(&Access::Write), "a stopping call inserts nothing");
        assert!(r.output.host_written_extensions.iter().all(|e| r.output.extensions.contains(e)));
        assert!(r.output.max_write_bytes <= r.output.max_total_bytes);
        assert!((r.output.max_write_bytes as usize) < r.resources.max_hostcall_bytes, "a write too large is refused, not trapped");
        assert!(r.output.max_sql_rows_bytes <= r.output.max_write_bytes as usize);
        assert!(r.output.max_log_line_bytes <= r.output.max_log_bytes);
        assert!(r.resources.max_memory_bytes <= r.resources.max_total_memory_bytes);
    }

    #[test]
    fn grace_is_bounded() {
        let c = &rules().calls;
        assert_eq!(c.grace(Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(c.grace(Duration::from_secs(3600)), Duration::from_secs(120));
        assert_eq!(c.grace(Duration::from_secs(40)), Duration::from_secs(10));
    }

    #[test]
    fn the_component_cannot_lift_a_bound() {
        let b = Bounded { default: 10, max: 20 };
        assert_eq!(b.within(None), Duration::from_millis(10));
        assert_eq!(b.within(Some(Duration::from_secs(86_400))), Duration::from_millis(20));
        assert_eq!(b.within(Some(Duration::from_millis(5))), Duration::from_millis(5));
    }
}
