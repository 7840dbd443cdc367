//! A seeded permutation of 0..n with O(1) memory, evaluated in both
//! directions: a balanced Feistel network over the smallest even power of two
//! that covers n, with cycle walking back into range.
//!
//! It shuffles which order slots belong to which customer without a table:
//! `forward(slot)` tells an order its customer, `inverse(position)` tells a
//! customer its orders.

use crate::core::rng::mix;

const ROUNDS: u64 = 4;

#[derive(Clone, Debug)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    key: u64,
}

impl Permutation {
    pub fn new(n: u64, key: u64) -> Permutation {
        let bits = 64 - n.max(2).saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        Permutation { n, half_bits, key }
    }

    pub fn len(&self) -> u64 {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn forward(&self, mut x: u64) -> u64 {
        debug_assert!(x < self.n);
        loop {
            x = self.encrypt(x);
            if x < self.n {
                return x;
            }
        }
    }

    pub fn inverse(&self, mut y: u64) -> u64 {
        debug_assert!(y < self.n);
        loop {
            y = self.decrypt(y);
            if y < self.n {
                return y;
            }
        }
    }

    fn mask(&self) -> u64 {
        (1u64 << self.half_bits) - 1
    }

    fn round(&self, r: u64, half: u64) -> u64 {
        mix(self.key ^ mix(r) ^ half) & self.mask()
    }

    fn encrypt(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x >> self.half_bits, x & self.mask());
        for r in 0..ROUNDS {
            let next = left ^ self.round(r, right);
            left = right;
            right = next;
        }
        (left << self.half_bits) | right
    }

    fn decrypt(&self, y: u64) -> u64 {
        let (mut left, mut right) = (y >> self.half_bits, y & self.mask());
        for r in (0..ROUNDS).rev() {
            let prev = right ^ self.round(r, left);
            right = left;
            left = prev;
        }
        (left << self.half_bits) | right
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_bijection_with_an_exact_inverse() {
        for n in [1u64, 2, 3, 10, 97, 1000, 4097] {
            let p = Permutation::new(n, 42);
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = p.forward(x);
                assert!(y < n);
                assert!(!seen[y as usize], "n={n}: {y} hit twice");
                seen[y as usize] = true;
                assert_eq!(p.inverse(y), x);
            }
        }
    }

    #[test]
    fn shuffles() {
        let p = Permutation::new(1000, 7);
        let fixed = (0..1000).filter(|&x| p.forward(x) == x).count();
        assert!(fixed < 20, "{fixed} fixed points");
        assert_ne!(Permutation::new(1000, 8).forward(1), p.forward(1));
    }
}
