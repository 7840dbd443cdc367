//! Talking to the warehouse: PostgREST requests over a transport.
//! Everything here but `wasi` is plain Rust and tested with a fake transport.

pub mod client;
pub mod errors;
pub mod inserter;
pub mod transport;
#[cfg(target_arch = "wasm32")]
pub mod wasi;
pub mod window;
