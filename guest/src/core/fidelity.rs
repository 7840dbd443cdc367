//! How closely generated data follows real data, scored as SDMetrics does:
//! KSComplement for numbers (1 - the two-sample Kolmogorov-Smirnov
//! statistic, the largest gap between the two CDFs) and TVComplement for
//! categories (1 - the total variation distance of the two frequency
//! tables). Both ignore missing values and lie in [0, 1], 1 meaning the
//! same distribution. Plus the binned shares a chart of each needs.
//!
//! The inputs are aggregates, never rows: counts per value, or a vector of
//! equally spaced quantiles (each carrying the same mass). A quantile
//! vector q_i = percentile_disc(i/n), i = 1..n, has the CDF floor(n F(x))/n,
//! so the KS statistic computed from two of them is off by less than 1/n.

/// A numerical distribution: distinct values, increasing, with their share
/// of the mass (the shares sum to 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Numeric {
    points: Vec<(f64, f64)>,
}

impl Numeric {
    /// From (value, count) pairs, in any order and with repeated values.
    /// Non-finite values and non-positive counts are left out (missing);
    /// None when nothing is left.
    pub fn from_counts(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<Numeric> {
        let mut pairs: Vec<(f64, f64)> = pairs.into_iter().filter(|(v, n)| v.is_finite() && n.is_finite() && *n > 0.0).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        if total <= 0.0 {
            return None;
        }
        let mut points: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
        for (v, n) in pairs {
            match points.last_mut() {
                Some(last) if last.0 == v => last.1 += n / total,
                _ => points.push((v, n / total)),
            }
        }
        Some(Numeric { points })
    }

    /// From observations, or from equally spaced quantiles: every value
    /// carries the same mass.
    pub fn from_values(values: &[f64]) -> Option<Numeric> {
        Numeric::from_counts(values.iter().map(|v| (*v, 1.0)))
    }

    /// Share of the mass at or below `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        let i = self.points.partition_point(|(v, _)| *v <= x);
        self.points[..i].iter().map(|p| p.1).sum::<f64>().min(1.0)
    }

    /// The smallest value whose CDF reaches `p` (as percentile_disc).
    pub fn quantile(&self, p: f64) -> f64 {
        let mut acc = 0.0;
        for (v, share) in &self.points {
            acc += share;
            if acc >= p - 1e-12 {
                return *v;
            }
        }
        self.max()
    }

    pub fn min(&self) -> f64 {
        self.points[0].0
    }

    pub fn max(&self) -> f64 {
        self.points[self.points.len() - 1].0
    }

    fn all_integers(&self) -> bool {
        self.points.iter().all(|(v, _)| v.fract() == 0.0)
    }
}

/// KSComplement: 1 - max over x of |F_real(x) - F_generated(x)|.
pub fn ks_complement(real: &Numeric, generated: &Numeric) -> f64 {
    let (a, b) = (&real.points, &generated.points);
    let (mut i, mut j) = (0, 0);
    let (mut fa, mut fb, mut gap) = (0.0f64, 0.0f64, 0.0f64);
    // Walk the union of values in order; after every value both CDFs are
    // exact there, and between values neither moves.
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(p), Some(q)) => p.0.min(q.0),
            (Some(p), None) => p.0,
            (None, Some(q)) => q.0,
            (None, None) => unreachable!(),
        };
        while i < a.len() && a[i].0 == x {
            fa += a[i].1;
            i += 1;
        }
        while j < b.len() && b[j].0 == x {
            fb += b[j].1;
            j += 1;
        }
        gap = gap.max((fa - fb).abs());
    }
    (1.0 - gap).clamp(0.0, 1.0)
}

/// TVComplement: 1 - 1/2 sum over categories of |p_real - p_generated|,
/// from counts per category (a category may appear on one side only).
/// None when a side has no observations.
pub fn tv_complement(real: &[(String, f64)], generated: &[(String, f64)]) -> Option<f64> {
    let (tr, tg) = (total(real), total(generated));
    if tr <= 0.0 || tg <= 0.0 {
        return None;
    }
    let mut distance = 0.0;
    for (label, _) in union(real, generated) {
        distance += (share(real, &label) / tr - share(generated, &label) / tg).abs();
    }
    Some((1.0 - distance / 2.0).clamp(0.0, 1.0))
}

fn total(counts: &[(String, f64)]) -> f64 {
    counts.iter().map(|c| c.1.max(0.0)).sum()
}

fn share(counts: &[(String, f64)], label: &str) -> f64 {
    counts.iter().filter(|c| c.0 == label).map(|c| c.1.max(0.0)).sum()
}

/// Every category of either side once, in order of first appearance (real
/// side first), with the combined count.
fn union(real: &[(String, f64)], generated: &[(String, f64)]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for (label, n) in real.iter().chain(generated) {
        match out.iter_mut().find(|o| &o.0 == label) {
            Some(o) => o.1 += n.max(0.0),
            None => out.push((label.clone(), n.max(0.0))),
        }
    }
    out
}

/// CorrelationSimilarity (SDMetrics' column-pair trend): 1 - |r_real -
/// r_generated| / 2 for the two sides' Pearson correlations of one pair of
/// columns, in [0, 1]. A side whose correlation is undefined (a column
/// constant on that side) counts as uncorrelated, 0.
pub fn correlation_similarity(real: Option<f64>, generated: Option<f64>) -> f64 {
    let r = |c: Option<f64>| c.filter(|c| c.is_finite()).unwrap_or(0.0).clamp(-1.0, 1.0);
    1.0 - (r(real) - r(generated)).abs() / 2.0
}

/// The mean of the scores that exist; None when none does.
pub fn mean(scores: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let present: Vec<f64> = scores.into_iter().flatten().collect();
    (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
}

/// One bar of a chart: the share of each side's mass in it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Bin {
    pub label: String,
    /// Bounds of a numerical bin (the last one is open above).
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub real: f64,
    pub generated: f64,
}

/// At most `max_bins` bins over both distributions. Whole numbers with few
/// distinct values get a bin each; otherwise equal widths from the lowest
/// value to the higher of the two 99th percentiles, the last bin taking the
/// tail (so one outlier does not squash every other bar into one).
pub fn numeric_bins(real: &Numeric, generated: &Numeric, max_bins: usize) -> Vec<Bin> {
    let max_bins = max_bins.max(2);
    let lo = real.min().min(generated.min());
    let top = real.max().max(generated.max());
    let mut hi = real.quantile(0.99).max(generated.quantile(0.99));
    if hi <= lo {
        hi = top;
    }
    let bar = |label: String, low: f64, high: Option<f64>, below: &dyn Fn(&Numeric) -> f64, upto: &dyn Fn(&Numeric) -> f64| Bin {
        label,
        low: Some(low),
        high,
        real: (upto(real) - below(real)).max(0.0),
        generated: (upto(generated) - below(generated)).max(0.0),
    };
    let mut bins = Vec::new();
    if real.all_integers() && generated.all_integers() {
        let width = ((hi - lo + 1.0) / max_bins as f64).ceil().max(1.0);
        let mut start = lo;
        while start <= hi {
            let end = start + width - 1.0;
            let last = end >= hi;
            let label = match (last && end < top, width == 1.0) {
                (true, _) => format!("{}+", number(start)),
                (false, true) => number(start),
                (false, false) => format!("{}-{}", number(start), number(end)),
            };
            let high = if last { None } else { Some(end) };
            let upper = move |d: &Numeric| if last { 1.0 } else { d.cdf(end + 0.5) };
            bins.push(bar(label, start, high, &|d: &Numeric| if start == lo { 0.0 } else { d.cdf(start - 0.5) }, &upper));
            start += width;
        }
        return bins;
    }
    if hi <= lo {
        return vec![Bin { label: number(lo), low: Some(lo), high: None, real: 1.0, generated: 1.0 }];
    }
    let width = (hi - lo) / max_bins as f64;
    for k in 0..max_bins {
        let (a, b) = (lo + width * k as f64, lo + width * (k + 1) as f64);
        let last = k + 1 == max_bins;
        let label = if last && b < top { format!("{}+", number(a)) } else { format!("{}-{}", number(a), number(b)) };
        let lower = move |d: &Numeric| if k == 0 { 0.0 } else { d.cdf(a) };
        let upper = move |d: &Numeric| if last { 1.0 } else { d.cdf(b) };
        bins.push(bar(label, a, if last { None } else { Some(b) }, &lower, &upper));
    }
    bins
}

/// At most `max_bins` bins over both sides' categories. `ordered`: keep the
/// categories in the order given (hours, weekdays); otherwise the most
/// common first. Beyond `max_bins`, the least common go into "(other)".
pub fn category_bins(real: &[(String, f64)], generated: &[(String, f64)], max_bins: usize, ordered: bool) -> Vec<Bin> {
    let (tr, tg) = (total(real).max(f64::MIN_POSITIVE), total(generated).max(f64::MIN_POSITIVE));
    let mut labels = union(real, generated);
    let weight = |label: &str| share(real, label) / tr + share(generated, label) / tg;
    let keep = if labels.len() > max_bins { max_bins.max(2) - 1 } else { labels.len() };
    let mut kept: Vec<String> = {
        let mut by_weight = labels.clone();
        by_weight.sort_by(|a, b| weight(&b.0).total_cmp(&weight(&a.0)));
        by_weight.into_iter().take(keep).map(|l| l.0).collect()
    };
    if ordered {
        labels.retain(|l| kept.contains(&l.0));
        kept = labels.into_iter().map(|l| l.0).collect();
    }
    let mut bins: Vec<Bin> = kept
        .iter()
        .map(|l| Bin { label: l.clone(), low: None, high: None, real: share(real, l) / tr, generated: share(generated, l) / tg })
        .collect();
    let (rest_real, rest_generated) = (1.0 - bins.iter().map(|b| b.real).sum::<f64>(), 1.0 - bins.iter().map(|b| b.generated).sum::<f64>());
    if keep < union(real, generated).len() {
        bins.push(Bin { label: "(other)".into(), low: None, high: None, real: rest_real.max(0.0), generated: rest_generated.max(0.0) });
    }
    bins
}

/// A bin edge as people read it: whole numbers plain, others to 2 places.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{}", x as i64);
    }
    let s = if x.abs() >= 100.0 { format!("{x:.0}") } else { format!("{x:.2}") };
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cats(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|(l, n)| (l.to_string(), *n)).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn ks_matches_hand_computed_cases() {
        // Identical samples: no gap.
        let a = Numeric::from_values(&[1.0, 2.0, 3.0]).unwrap();
        assert!(close(ks_complement(&a, &a), 1.0));
        // Disjoint supports: the CDFs are 1 apart between them.
        let b = Numeric::from_values(&[10.0, 11.0]).unwrap();
        assert!(close(ks_complement(&a, &b), 0.0));
        // real {1,2,3,4}, generated {3,4,5,6}: at x = 2, F_r = 0.5 and F_g = 0.
        let r = Numeric::from_values(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        let g = Numeric::from_values(&[3.0, 4.0, 5.0, 6.0]).unwrap();
        assert!(close(ks_complement(&r, &g), 0.5));
        // Ties across sides: real {1,1,2}, generated {1,2,2}: at x = 1,
        // 2/3 against 1/3; at 2 both are 1. KS = 1/3.
        let r = Numeric::from_values(&[1.0, 1.0, 2.0]).unwrap();
        let g = Numeric::from_values(&[1.0, 2.0, 2.0]).unwrap();
        assert!(close(ks_complement(&r, &g), 2.0 / 3.0));
        // Sizes differ (scipy's ks_2samp([1,2,3],[2,3,4,5]) = 0.5 at x = 3:
        // 1 against 0.5).
        let r = Numeric::from_values(&[1.0, 2.0, 3.0]).unwrap();
        let g = Numeric::from_values(&[2.0, 3.0, 4.0, 5.0]).unwrap();
        assert!(close(ks_complement(&r, &g), 0.5));
        // Symmetric in its arguments.
        assert!(close(ks_complement(&g, &r), 0.5));
    }

    #[test]
    fn counts_and_samples_give_the_same_distribution() {
        let from_counts = Numeric::from_counts([(2.0, 3.0), (1.0, 1.0), (2.0, 1.0), (f64::NAN, 5.0), (9.0, 0.0)]).unwrap();
        let from_values = Numeric::from_values(&[1.0, 2.0, 2.0, 2.0, 2.0]).unwrap();
        assert_eq!(from_counts, from_values);
        assert!(close(from_counts.cdf(1.5), 0.2) && close(from_counts.cdf(0.0), 0.0) && close(from_counts.cdf(2.0), 1.0));
        assert_eq!((from_counts.quantile(0.2), from_counts.quantile(0.21)), (1.0, 2.0));
        assert!(Numeric::from_values(&[]).is_none());
        assert!(Numeric::from_counts([(1.0, 0.0)]).is_none());
    }

    #[test]
    fn ks_from_quantile_vectors_is_within_one_step_of_the_exact_figure() {
        // Two uniform samples, 0..5000 and 1000..6000: exact KS = 0.2.
        let real: Vec<f64> = (0..5000).map(f64::from).collect();
        let generated: Vec<f64> = (1000..6000).map(f64::from).collect();
        let exact = ks_complement(&Numeric::from_values(&real).unwrap(), &Numeric::from_values(&generated).unwrap());
        assert!(close(exact, 0.8));
        // percentile_disc(i/1000), i = 1..1000: the smallest value whose
        // CDF reaches i/1000.
        let disc = |xs: &[f64]| -> Vec<f64> { (1..=1000).map(|i| xs[((i * xs.len()).div_ceil(1000)) - 1]).collect() };
        let approx = ks_complement(&Numeric::from_values(&disc(&real)).unwrap(), &Numeric::from_values(&disc(&generated)).unwrap());
        assert!((approx - exact).abs() <= 0.001, "{approx} vs {exact}");
    }

    #[test]
    fn tv_matches_hand_computed_cases() {
        // SDMetrics' own example shape: {a: .5, b: .5} vs {a: .25, b: .25, c: .5}:
        // |.5-.25| + |.5-.25| + |0-.5| = 1, TVD 0.5.
        let r = cats(&[("a", 2.0), ("b", 2.0)]);
        let g = cats(&[("a", 1.0), ("b", 1.0), ("c", 2.0)]);
        assert!(close(tv_complement(&r, &g).unwrap(), 0.5));
        assert!(close(tv_complement(&r, &r).unwrap(), 1.0));
        assert!(close(tv_complement(&cats(&[("x", 3.0)]), &cats(&[("y", 1.0)])).unwrap(), 0.0));
        // paid 90 / refunded 10 against paid 80 / refunded 20: TVD 0.1.
        let r = cats(&[("paid", 90.0), ("refunded", 10.0)]);
        let g = cats(&[("refunded", 2.0), ("paid", 8.0)]);
        assert!(close(tv_complement(&r, &g).unwrap(), 0.9));
        assert_eq!(tv_complement(&r, &[]), None);
    }

    #[test]
    fn correlation_similarity_is_half_the_gap_between_correlations() {
        assert!(close(correlation_similarity(Some(0.8), Some(0.8)), 1.0));
        assert!(close(correlation_similarity(Some(1.0), Some(-1.0)), 0.0));
        assert!(close(correlation_similarity(Some(0.9), Some(0.5)), 0.8));
        assert!(close(correlation_similarity(None, Some(0.5)), 0.75));
    }

    #[test]
    fn the_mean_covers_the_scores_that_exist() {
        assert_eq!(mean([Some(0.5), None, Some(1.0)]), Some(0.75));
        assert_eq!(mean([None, None]), None);
    }

    #[test]
    fn whole_numbers_get_a_bin_each_when_few() {
        let r = Numeric::from_counts([(1.0, 6.0), (2.0, 3.0), (3.0, 1.0)]).unwrap();
        let g = Numeric::from_counts([(1.0, 1.0), (4.0, 1.0)]).unwrap();
        let bins = numeric_bins(&r, &g, 40);
        let labels: Vec<&str> = bins.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["1", "2", "3", "4"]);
        let real: Vec<f64> = bins.iter().map(|b| b.real).collect();
        let generated: Vec<f64> = bins.iter().map(|b| b.generated).collect();
        assert!(real.iter().zip([0.6, 0.3, 0.1, 0.0]).all(|(a, b)| close(*a, b)), "{real:?}");
        assert!(generated.iter().zip([0.5, 0.0, 0.0, 0.5]).all(|(a, b)| close(*a, b)), "{generated:?}");
    }

    #[test]
    fn wide_ranges_get_equal_bins_and_a_tail() {
        // 0..999 with one outlier at 1,000,000: 40 bins over 0..p99, the
        // outlier in the last one, every share accounted for.
        let mut values: Vec<f64> = (0..1000).map(|v| f64::from(v) + 0.5).collect();
        values.push(1_000_000.0);
        let r = Numeric::from_values(&values).unwrap();
        let bins = numeric_bins(&r, &r, 40);
        assert_eq!(bins.len(), 40);
        assert!(close(bins.iter().map(|b| b.real).sum(), 1.0));
        assert!(bins[0].real > 0.02 && bins[0].real < 0.03, "{:?}", bins[0]);
        assert!(bins[39].label.ends_with('+') && bins[39].high.is_none());
        // Whole numbers over a wide range: integer bins of equal width.
        let wide = Numeric::from_values(&(1..=200).map(f64::from).collect::<Vec<_>>()).unwrap();
        let bins = numeric_bins(&wide, &wide, 40);
        assert!(bins.len() <= 40);
        assert_eq!(bins[0].label, "1-5");
        assert!(close(bins[0].real, 5.0 / 200.0));
        assert!(close(bins.iter().map(|b| b.generated).sum(), 1.0));
    }

    #[test]
    fn categories_beyond_the_limit_become_other() {
        let r: Vec<(String, f64)> = (0..50).map(|i| (format!("t{i}"), f64::from(50 - i))).collect();
        let g = cats(&[("t0", 1.0), ("new", 1.0)]);
        let bins = category_bins(&r, &g, 40, false);
        assert_eq!(bins.len(), 40);
        assert_eq!(bins[0].label, "t0");
        assert_eq!(bins[39].label, "(other)");
        assert!(close(bins.iter().map(|b| b.real).sum(), 1.0));
        assert!(close(bins.iter().map(|b| b.generated).sum(), 1.0));
        // Ordered categories keep their order, the missing ones at 0.
        let r = cats(&[("00", 1.0), ("01", 0.0), ("02", 3.0)]);
        let g = cats(&[("02", 1.0)]);
        let bins = category_bins(&r, &g, 40, true);
        let labels: Vec<&str> = bins.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["00", "01", "02"]);
        assert!(close(bins[2].generated, 1.0) && close(bins[0].real, 0.25));
    }
}
