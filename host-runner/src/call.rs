//! What the host fixes for one tool call before the component runs: the
//! environment (the component cannot switch it), whether production writes
//! are confirmed, and how long the call may take.
//!
//! Agent arguments are read the way the component reads them: `confirm_production`,
//! `confirmProduction` and `confirm-production` are one argument, and `true`
//! may come as a string.

use std::time::Duration;

use serde_json::Value;

/// How long a call may run when `--timeout` is not given.
pub fn default_timeout() -> Duration {
    crate::sandbox::rules().calls.deadline()
}

#[derive(Clone, Debug)]
pub struct CallPolicy {
    /// The environment of the call: `--env`, the call's `env` argument, or the default.
    pub environment: String,
    /// The call asked to write to production.
    pub confirmed: bool,
    /// An agent made the call (MCP, `host-runner call`): its own confirmation
    /// is not enough to write to production.
    pub agent: bool,
    /// The host was started with `--allow-production`.
    pub allow_production: bool,
    pub deadline: Duration,
}

impl CallPolicy {
    /// Whether the gate may let production writes through.
    pub fn production_writes(&self) -> bool {
        self.confirmed && (!self.agent || self.allow_production)
    }

    /// The refusal for an agent's confirmed production write the host was
    /// not started to allow.
    pub fn agent_refusal(&self, environment: &str) -> Option<String> {
        (self.agent && self.confirmed && !self.allow_production).then(|| {
            let flag = &crate::sandbox::rules().production.agents_need_host_flag;
            format!(
                "environment '{environment}' is production: an agent's confirmation is not enough to change it. Start the host with {flag} (host-runner mcp {flag}, or host-runner {flag} call ...) to let confirmed calls write there; nothing was changed"
            )
        })
    }

    /// Refuses a component's request for another environment than the call's.
    pub fn check_environment(&self, requested: Option<&str>) -> Result<(), String> {
        match requested.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) if e != self.environment => Err(format!(
                "the component asked for environment '{e}', but this call is for '{}' (from --env, the call's env argument or the default): the host fixes a call's environment; nothing was sent",
                self.environment
            )),
            _ => Ok(()),
        }
    }
}

/// `forceCount`, `force-count` and `force_count` are the same argument (as
/// in the component's `api::json`).
fn normalise(key: &str) -> String {
    key.chars().filter(|c| *c != '_' && *c != '-').flat_map(char::to_lowercase).collect()
}

/// An argument of a JSON object, under any of its spellings.
pub fn argument<'a>(arguments: &'a Value, name: &str) -> Option<&'a Value> {
    arguments.as_object()?.iter().find(|(k, _)| normalise(k) == normalise(name)).map(|(_, v)| v).filter(|v| !v.is_null())
}

/// Whether the arguments confirm production writes (true, or "true").
pub fn confirms_production(arguments: &Value) -> bool {
    match argument(arguments, "confirm_production") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The environment the arguments name, if any.
pub fn environment_argument(arguments: &Value) -> Option<String> {
    match argument(arguments, "env")? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(agent: bool, confirmed: bool, allow: bool) -> CallPolicy {
        CallPolicy { environment: "prod-eu".into(), confirmed, agent, allow_production: allow, deadline: default_timeout() }
    }

    #[test]
    fn every_spelling_of_the_confirmation_counts() {
        for args in [json!({"confirm_production": true}), json!({"confirmProduction": true}), json!({"confirm-production": "TRUE"})] {
            assert!(confirms_production(&args), "{args}");
        }
        assert!(!confirms_production(&json!({"confirm_production": false})));
        assert!(!confirms_production(&json!({"confirm_production": "yes please"})));
        assert_eq!(environment_argument(&json!({"ENV": " prod "})).as_deref(), Some("prod"));
    }

    #[test]
    fn agents_need_the_host_to_allow_production() {
        assert!(policy(false, true, false).production_writes(), "a person at the CLI confirms with the flag");
        assert!(!policy(true, true, false).production_writes());
        assert!(policy(true, true, true).production_writes());
        let m = policy(true, true, false).agent_refusal("prod-eu").unwrap();
        assert!(m.contains("--allow-production") && m.contains("nothing was changed"), "{m}");
        assert!(policy(true, false, false).agent_refusal("prod-eu").is_none(), "reads need nothing");
    }

    #[test]
    fn the_component_cannot_switch_environments() {
        let p = policy(false, false, false);
        assert!(p.check_environment(None).is_ok());
        assert!(p.check_environment(Some("prod-eu")).is_ok());
        let m = p.check_environment(Some("staging")).unwrap_err();
        assert!(m.contains("'staging'") && m.contains("'prod-eu'"), "{m}");
    }
}
