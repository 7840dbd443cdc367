//! What callers see: the tools' request and result types, and their JSON
//! form for generic agent hosts.

pub mod json;
pub mod report;
pub mod types;
