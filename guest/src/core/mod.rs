//! Pure building blocks: seeded streams, marked keys, time, statistics.
//! No I/O here: everything compiles natively and is unit-tested.

pub mod bytes;
pub mod fidelity;
pub mod keys;
pub mod money;
pub mod perm;
pub mod rng;
pub mod stats;
pub mod strategy;
pub mod time;
