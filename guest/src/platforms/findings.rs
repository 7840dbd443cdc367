//! What analysis learnt about a workspace, aspect by aspect: the figures a
//! generation follows, where each came from and how many rows it rests on.
//! It travels in the tool result, so an agent or a person can see why the
//! new rows look the way they do.

use serde::Serialize;
use serde_json::Value as Json;

/// Where an aspect's figures came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Measured in the workspace.
    Workspace,
    /// Too little data (or a failed query): the industry figures of
    /// `shared/reference/benchmarks.md` and the design.
    Defaults,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The analyzer that measured it: scale, distribution, association,
    /// funnel or time.
    pub analyzer: &'static str,
    /// What it is about: "unit price", "orders per customer", ...
    pub aspect: &'static str,
    pub source: Source,
    /// Rows the figures rest on (0 for defaults).
    pub rows: u64,
    /// The key figures, as numbers an agent can read.
    pub figures: Json,
    /// One line for people.
    pub summary: String,
}

/// One platform's analysis.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Analysis {
    pub platform: String,
    pub findings: Vec<Finding>,
    /// Failed queries, missing columns, unusual figures: what a person
    /// should know, none of which stopped the run.
    pub warnings: Vec<String>,
}

impl Analysis {
    pub fn new(platform: &str) -> Analysis {
        Analysis { platform: platform.to_string(), ..Analysis::default() }
    }

    pub fn measured(&mut self, analyzer: &'static str, aspect: &'static str, rows: u64, figures: Json, summary: String) {
        self.findings.push(Finding { analyzer, aspect, source: Source::Workspace, rows, figures, summary });
    }

    pub fn defaults(&mut self, analyzer: &'static str, aspect: &'static str, figures: Json, summary: String) {
        self.findings.push(Finding { analyzer, aspect, source: Source::Defaults, rows: 0, figures, summary });
    }

    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    pub fn finding(&self, aspect: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.aspect == aspect)
    }

    /// One line: how many aspects came from the workspace.
    pub fn headline(&self) -> String {
        let measured: Vec<&str> = self.findings.iter().filter(|f| f.source == Source::Workspace).map(|f| f.aspect).collect();
        if measured.is_empty() {
            "nothing to learn from in the workspace: industry defaults".to_string()
        } else {
            format!("learnt {} of {} aspects from the workspace", measured.len(), self.findings.len())
        }
    }
}
