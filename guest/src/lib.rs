//! bustly-mock-data: realistic, correlated mock data for Bustly warehouses.
//!
//! Layers, pure first: `core` (seeded streams, marked keys, time, statistics),
//! `model` (tables, rows, column plans), `platforms` (one module per platform:
//! its tables, vocabulary and generator), `analysis` (what the workspace holds),
//! then `supabase` (PostgREST requests over a transport) and `service` (the
//! three tools). Only `component` and the wasi transport touch WASI; the rest
//! compiles natively and is unit-tested at native speed.

pub mod api;
#[cfg(target_arch = "wasm32")]
mod component;
pub mod core;
pub mod error;
pub mod model;
pub mod platforms;
pub mod service;
pub mod supabase;
