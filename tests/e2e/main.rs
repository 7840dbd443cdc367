//! End-to-end tests: the real component in the real host-runner against the
//! local warehouse (PostgreSQL + postrust). `scripts/test` starts the
//! warehouse and builds the components first.

mod agent;
mod files;
mod fresh;
mod hardening;
mod harness;
mod hosts;
mod inputs;
mod install;
mod no_escape;
mod node_host;
mod platforms;
mod plugin;
mod remote;
mod report;
mod sandbox;
mod shopify;
mod smart;
