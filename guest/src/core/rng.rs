//! Seeded random streams with random access.
//!
//! Every generated entity draws from its own stream, derived from the run's
//! seed, a domain (which kind of entity) and the entity's index. Any row can
//! then be regenerated on its own, in any order, which is what lets tables
//! stream batch by batch with bounded memory: a customer row can compute its
//! orders' totals without any order being kept.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator behind every stream: xoshiro256++, with a documented,
/// portable output, so the same seed gives the same rows on every build of
/// the tool. 64-bit arithmetic only: PCG's 128-bit multiply is a library
/// call in WebAssembly, and a stream is seeded for every order and session.
pub type Stream = Xoshiro256PlusPlus;

/// What a stream is for; keeps the streams of different entities apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Domain {
    Shop = 1,
    Catalogue = 2,
    Product = 3,
    Customer = 4,
    Order = 5,
    OrderTime = 6,
    Session = 7,
    Permutation = 8,
    ExistingCustomer = 9,
    Ads = 10,
    AdsDay = 11,
    Attribution = 12,
    Platform = 13,
    Gaps = 14,
}

/// SplitMix64 finaliser: a cheap, well-mixed 64-bit hash.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The stream for entity `index` of `domain` under `seed`.
pub fn stream(seed: u64, domain: Domain, index: u64) -> Stream {
    Stream::seed_from_u64(key(seed, domain, index))
}

/// A stream keyed by two indices (e.g. a campaign and a day).
pub fn stream2(seed: u64, domain: Domain, a: u64, b: u64) -> Stream {
    Stream::seed_from_u64(mix(key(seed, domain, a) ^ mix(b.wrapping_add(0x5851_F42D_4C95_7F2D))))
}

fn key(seed: u64, domain: Domain, index: u64) -> u64 {
    mix(mix(seed ^ mix(domain as u64)) ^ index)
}

/// A uniform number in [0, 1) for `index`, without building a stream.
pub fn unit(seed: u64, domain: Domain, index: u64) -> f64 {
    (key(seed, domain, index) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u32> = (0..4).map(|_| 0).scan(stream(7, Domain::Order, 3), |s, _| Some(s.random())).collect();
        let b: Vec<u32> = (0..4).map(|_| 0).scan(stream(7, Domain::Order, 3), |s, _| Some(s.random())).collect();
        let c: Vec<u32> = (0..4).map(|_| 0).scan(stream(7, Domain::Order, 4), |s, _| Some(s.random())).collect();
        let d: Vec<u32> = (0..4).map(|_| 0).scan(stream(7, Domain::Customer, 3), |s, _| Some(s.random())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn unit_is_in_range_and_spread() {
        let xs: Vec<f64> = (0..10_000).map(|i| unit(1, Domain::OrderTime, i)).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }
}
