//! Read-only queries in rounds: a step that asks many independent
//! questions (analysis, the fidelity report) runs with the answers known so
//! far, an unknown answer reading as an empty result; every question it
//! asked and had no answer for goes out together (`Client::bounded_selects`,
//! each within its time limit), and the step runs again. The round without a
//! new question decides. A chain of dependent questions (the shop's time
//! zone, then the history's span, then the rest) costs a round trip per
//! link, not one per question.

use std::collections::HashMap;

use crate::error::Result;
use crate::platforms::Query;
use crate::service::{Host, LogLevel};
use crate::supabase::client::Client;
use crate::supabase::transport::Transport;

/// Past this, a step keeps asking new questions: the rest go one at a time.
const MAX_ROUNDS: usize = 12;

pub fn in_rounds<T: Transport, R>(
    client: &mut Client<T>,
    workspace: &str,
    host: &mut dyn Host,
    what: &str,
    mut step: impl FnMut(&mut Query) -> R,
) -> R {
    let mut answers: HashMap<String, Result<serde_json::Value>> = HashMap::new();
    for round in 1..=MAX_ROUNDS {
        let mut missing: Vec<String> = Vec::new();
        let outcome = step(&mut |sql| match answers.get(sql) {
            Some(answer) => answer.clone(),
            None => {
                if !missing.iter().any(|m| m == sql) {
                    missing.push(sql.to_string());
                }
                Ok(serde_json::json!([]))
            }
        });
        // A round that guessed may fail where the real answers would not.
        if missing.is_empty() {
            return outcome;
        }
        let started = host.millis();
        let got = client.bounded_selects(workspace, &missing);
        let took = host.millis().saturating_sub(started);
        host.log(LogLevel::Debug, &format!("{what} round {round}: {} queries together, {took} ms", missing.len()));
        for sql in &missing {
            let head: String = sql.chars().take(100).collect();
            host.log(LogLevel::Debug, &format!("  {head}..."));
        }
        answers.extend(missing.into_iter().zip(got));
    }
    step(&mut |sql| match answers.get(sql) {
        Some(answer) => answer.clone(),
        None => client.bounded_selects(workspace, &[sql.to_string()]).pop().expect("one answer"),
    })
}
