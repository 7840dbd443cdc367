//! The sandbox: what every host of the component enforces, whatever the
//! component asks. It is the product's promise, so it lives here on its
//! own, as data and pure judgements, with no wasmtime types:
//!
//! - `rules.json`: the rules themselves (schema, methods, agent RPCs, caps,
//!   timeouts, output names), read by host-runner and by the Node host, so a
//!   second host enforces the same rules from the same source;
//! - `origin`: where requests may go (the configured REST API only);
//! - `request`: which requests, as what kind of access;
//! - `files`: which files a call may write, and how much;
//! - `sql`: SQL files the host writes itself from rows.
//!
//! `gate` (wasmtime's `send_request` hook) and `output` (the host's file
//! writing) apply them; `limits` and `sender` take their figures from here.

pub mod files;
pub mod origin;
pub mod request;
pub mod rules;
pub mod sql;

pub use origin::Origin;
pub use rules::{Access, rules};
