//! Distributions the generators sample from: prices given by percentiles
//! (measured in the workspace, or industry defaults), and weighted choices.
//! Sampling uses `rand_distr`; this module only adapts measured figures.

use rand::RngExt;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;

/// A distribution given by a few percentiles, sampled by inverse transform
/// with linear interpolation between them. It reproduces the measured
/// p10..p90 exactly and extends the tails linearly, never below `floor`.
#[derive(Clone, Debug, PartialEq)]
pub struct Percentiles {
    /// (probability, value), increasing in both.
    points: Vec<(f64, f64)>,
    floor: f64,
}

impl Percentiles {
    /// `points` are (p, value) pairs with p in (0, 1); they are sorted and
    /// made monotone. Needs at least two distinct points.
    pub fn new(mut points: Vec<(f64, f64)>, floor: f64) -> Option<Percentiles> {
        points.retain(|(p, v)| p.is_finite() && v.is_finite() && *p > 0.0 && *p < 1.0);
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        for i in 1..points.len() {
            points[i].1 = points[i].1.max(points[i - 1].1);
        }
        if points.len() < 2 || points.last()?.1 <= points.first()?.1 {
            return None;
        }
        // Extend to p = 0 and p = 1 with the slopes of the outer segments.
        let (p0, v0) = points[0];
        let (p1, v1) = points[1];
        let low = (v0 - (v1 - v0) / (p1 - p0) * p0).max(floor);
        let (pn, vn) = points[points.len() - 1];
        let (pm, vm) = points[points.len() - 2];
        let high = vn + (vn - vm) / (pn - pm) * (1.0 - pn);
        points.insert(0, (0.0, low));
        points.push((1.0, high));
        Some(Percentiles { points, floor })
    }

    /// The value at probability `u` in [0, 1].
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let i = self.points.partition_point(|(p, _)| *p < u).clamp(1, self.points.len() - 1);
        let (pa, va) = self.points[i - 1];
        let (pb, vb) = self.points[i];
        let t = if pb > pa { (u - pa) / (pb - pa) } else { 0.0 };
        (va + t * (vb - va)).max(self.floor)
    }

    pub fn sample<R: RngExt + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(rng.random())
    }

    pub fn median(&self) -> f64 {
        self.quantile(0.5)
    }
}

/// Percentiles of a log-normal with the given median and spread (sigma of
/// the log): the default shape of retail prices when a workspace has none.
pub fn log_normal_percentiles(median: f64, sigma: f64, floor: f64) -> Percentiles {
    // Percentiles of the log-normal, from the standard normal's quantiles.
    let z = [(-1.2816, 0.10), (-0.6745, 0.25), (0.0, 0.50), (0.6745, 0.75), (1.2816, 0.90), (1.6449, 0.95)];
    let points = z.iter().map(|(z, p)| (*p, (median.ln() + sigma * z).exp())).collect();
    Percentiles::new(points, floor).expect("increasing")
}

/// A choice among labelled options with fixed weights.
#[derive(Clone, Debug)]
pub struct Weighted<T> {
    items: Vec<T>,
    index: WeightedIndex<f64>,
}

impl<T: Clone> Weighted<T> {
    /// Panics on an empty list or weights that are all zero: tables are
    /// written in code and checked by tests.
    pub fn new(pairs: &[(T, f64)]) -> Weighted<T> {
        let index = WeightedIndex::new(pairs.iter().map(|(_, w)| *w)).expect("a weighted table needs a positive weight");
        Weighted { items: pairs.iter().map(|(t, _)| t.clone()).collect(), index }
    }

    pub fn pick<R: RngExt + ?Sized>(&self, rng: &mut R) -> T {
        self.items[self.index.sample(rng)].clone()
    }
}

/// An empirical distribution over whole numbers (lines per order, units per
/// line, orders per customer), sampled in proportion to how often each value
/// was seen: the histogram itself is the model, so its shape (a peak at 10
/// lines, a long tail) survives where a mean would not.
#[derive(Clone, Debug)]
pub struct Discrete {
    values: Vec<u32>,
    counts: Vec<f64>,
    index: WeightedIndex<f64>,
}

impl Discrete {
    /// `(value, count)` pairs; None when no count is positive.
    pub fn new(pairs: impl IntoIterator<Item = (u32, f64)>) -> Option<Discrete> {
        let mut pairs: Vec<(u32, f64)> = pairs.into_iter().filter(|(_, c)| c.is_finite() && *c > 0.0).collect();
        pairs.sort_by_key(|(v, _)| *v);
        pairs.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
        let index = WeightedIndex::new(pairs.iter().map(|(_, c)| *c)).ok()?;
        Some(Discrete { values: pairs.iter().map(|(v, _)| *v).collect(), counts: pairs.iter().map(|(_, c)| *c).collect(), index })
    }

    pub fn sample<R: RngExt + ?Sized>(&self, rng: &mut R) -> u32 {
        self.values[self.index.sample(rng)]
    }

    /// The value at cumulative share `u` in [0, 1): with evenly spread `u`
    /// (a Weyl sequence) a run reproduces the histogram closely.
    pub fn quantile(&self, u: f64) -> u32 {
        let target = u.clamp(0.0, 1.0) * self.total();
        let mut acc = 0.0;
        for (v, c) in self.values.iter().zip(&self.counts) {
            acc += c;
            if target < acc {
                return *v;
            }
        }
        *self.values.last().expect("a histogram has a value")
    }

    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }

    pub fn mean(&self) -> f64 {
        self.values.iter().zip(&self.counts).map(|(v, c)| f64::from(*v) * c).sum::<f64>() / self.total()
    }

    /// (value, share) pairs, ascending.
    pub fn shares(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        let total = self.total();
        self.values.iter().zip(&self.counts).map(move |(v, c)| (*v, c / total))
    }
}

/// 1 + a Poisson count, capped: counts that are at least one with the given mean.
pub fn one_plus_poisson<R: RngExt + ?Sized>(rng: &mut R, mean: f64, cap: u32) -> u32 {
    let extra = (mean - 1.0).max(0.0);
    if extra < 1e-9 {
        return 1;
    }
    // Means repeat from call to call (a store's basket size, a funnel's
    // page views): the distribution, with its exp(-mean), is kept.
    let poisson = POISSONS.with(|kept| {
        let mut kept = kept.borrow_mut();
        match kept.iter().find(|(mean, _)| *mean == extra) {
            Some((_, p)) => *p,
            None => {
                let p = rand_distr::Poisson::new(extra).expect("positive mean");
                if kept.len() == 8 {
                    kept.remove(0);
                }
                kept.push((extra, p));
                p
            }
        }
    });
    let k: f64 = poisson.sample(rng);
    (1 + k as u32).min(cap)
}

thread_local! {
    /// The last few means asked for (a run alternates between a handful).
    static POISSONS: std::cell::RefCell<Vec<(f64, rand_distr::Poisson<f64>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rng::{Domain, stream};

    #[test]
    fn percentiles_reproduce_their_points() {
        let p = Percentiles::new(vec![(0.25, 20.0), (0.5, 45.0), (0.75, 70.0), (0.9, 100.0)], 1.0).unwrap();
        assert!((p.quantile(0.5) - 45.0).abs() < 1e-9);
        assert!((p.quantile(0.75) - 70.0).abs() < 1e-9);
        assert!(p.quantile(0.0) >= 1.0);
        let mut rng = stream(1, Domain::Catalogue, 0);
        let mut xs: Vec<f64> = (0..20_000).map(|_| p.sample(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[xs.len() / 2];
        assert!((median - 45.0).abs() < 2.0, "median {median}");
    }

    #[test]
    fn degenerate_percentiles_are_refused() {
        assert!(Percentiles::new(vec![(0.5, 10.0)], 0.0).is_none());
        assert!(Percentiles::new(vec![(0.25, 10.0), (0.75, 10.0)], 0.0).is_none());
    }

    #[test]
    fn log_normal_default_has_the_asked_median() {
        let p = log_normal_percentiles(25.0, 0.7, 1.0);
        assert!((p.median() - 25.0).abs() < 1e-6);
        assert!(p.quantile(0.9) > 2.0 * p.quantile(0.25));
    }

    #[test]
    fn discrete_keeps_the_histogram_shape() {
        let d = Discrete::new([(10, 60.0), (1, 20.0), (25, 20.0), (3, 0.0), (10, 0.0)]).unwrap();
        assert!((d.mean() - (0.6 * 10.0 + 0.2 + 0.2 * 25.0)).abs() < 1e-9);
        let mut rng = stream(5, Domain::Order, 1);
        let n = 20_000;
        let tens = (0..n).filter(|_| d.sample(&mut rng) == 10).count() as f64 / n as f64;
        assert!((tens - 0.6).abs() < 0.02, "{tens}");
        assert!((0..1000).all(|_| [1, 10, 25].contains(&d.sample(&mut rng))), "never a value it did not see");
        assert!(Discrete::new([(1, 0.0)]).is_none());
        assert_eq!(
            (d.quantile(0.0), d.quantile(0.19), d.quantile(0.2), d.quantile(0.79), d.quantile(0.8), d.quantile(0.999)),
            (1, 1, 10, 10, 25, 25)
        );
    }

    #[test]
    fn one_plus_poisson_has_its_mean() {
        let mut rng = stream(3, Domain::Order, 0);
        let n = 20_000;
        let mean = (0..n).map(|_| one_plus_poisson(&mut rng, 2.2, 12) as f64).sum::<f64>() / n as f64;
        assert!((mean - 2.2).abs() < 0.05, "{mean}");
    }
}
