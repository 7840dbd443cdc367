//! Ad metrics and the identities they keep on every row: clicks <=
//! impressions, conversions <= clicks, cost = clicks x CPC (cost_micros =
//! cost x 1,000,000, CPC in whole cents), CTR = clicks / impressions, ROAS =
//! conversion value / cost. Daily campaign figures are split down the
//! hierarchy (ad groups, keywords, search terms, ads, products) so that the
//! parts always add up to the whole and each part keeps the identities.

use crate::core::money::Cents;

/// Campaign channel (Google Ads' advertising_channel_type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Search,
    Shopping,
    PerformanceMax,
    Display,
}

/// A range to draw a campaign's rate from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub low: f64,
    pub high: f64,
}

impl Range {
    pub const fn new(low: f64, high: f64) -> Range {
        Range { low, high }
    }

    pub fn contains(&self, x: f64) -> bool {
        x >= self.low && x <= self.high
    }

    /// `center` +-20%, kept inside `bounds` (a measured rate, made a range).
    pub fn around(center: f64, bounds: Range) -> Range {
        Range::new((center * 0.8).max(bounds.low), (center * 1.2).min(bounds.high).max((center * 0.8).max(bounds.low)))
    }
}

/// What a channel typically does: benchmarks.md (WordStream/LocaliQ 2024
/// for Search; WordStream for Display; Sidecar 2020 for Shopping).
/// Performance Max has no published figure there; it mixes Shopping and
/// Display inventory, so its ranges sit between theirs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Benchmarks {
    /// Click-through rate.
    pub ctr: Range,
    /// Cost per click, in the account currency's major unit.
    pub cpc: Range,
    /// Conversions per click.
    pub cvr: Range,
    /// Impressions per day for a typical campaign.
    pub daily_impressions: Range,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Search, Channel::Shopping, Channel::PerformanceMax, Channel::Display];

    pub fn api_name(self) -> &'static str {
        match self {
            Channel::Search => "SEARCH",
            Channel::Shopping => "SHOPPING",
            Channel::PerformanceMax => "PERFORMANCE_MAX",
            Channel::Display => "DISPLAY",
        }
    }

    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.api_name().eq_ignore_ascii_case(name))
    }

    pub fn benchmarks(self) -> Benchmarks {
        match self {
            // Search CTR 5.3-13% by industry (2024), 3.17% all-industry (older);
            // CPC $1.72-$8.94 by industry; conversion rate 6.96% on average.
            Channel::Search => Benchmarks {
                ctr: Range::new(0.0317, 0.13),
                cpc: Range::new(1.72, 8.94),
                cvr: Range::new(0.04, 0.10),
                daily_impressions: Range::new(400.0, 4000.0),
            },
            // Shopping (retail): CTR 0.6-1.1%, CPC ~$0.56, conversion 1.5-4.2%.
            Channel::Shopping => Benchmarks {
                ctr: Range::new(0.006, 0.011),
                cpc: Range::new(0.40, 0.75),
                cvr: Range::new(0.015, 0.042),
                daily_impressions: Range::new(2000.0, 15000.0),
            },
            Channel::PerformanceMax => Benchmarks {
                ctr: Range::new(0.006, 0.02),
                cpc: Range::new(0.45, 1.20),
                cvr: Range::new(0.015, 0.05),
                daily_impressions: Range::new(3000.0, 25000.0),
            },
            // Display: CTR ~0.46%, CPC ~$0.63.
            Channel::Display => Benchmarks {
                ctr: Range::new(0.003, 0.0065),
                cpc: Range::new(0.45, 0.85),
                cvr: Range::new(0.005, 0.012),
                daily_impressions: Range::new(10000.0, 80000.0),
            },
        }
    }
}

/// One row's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    pub impressions: u64,
    pub clicks: u64,
    /// Cost per click in micros, a whole number of cents.
    pub cpc_micros: i64,
    pub conversions: u64,
    /// Conversion value in cents.
    pub value: Cents,
}

impl Metrics {
    pub fn cost_micros(&self) -> i64 {
        self.clicks as i64 * self.cpc_micros
    }

    pub fn ctr(&self) -> f64 {
        if self.impressions == 0 { 0.0 } else { self.clicks as f64 / self.impressions as f64 }
    }

    /// Average CPC in cents (exactly the CPC: it is the same for every click of a row).
    pub fn average_cpc_cents(&self) -> Cents {
        if self.clicks == 0 { 0 } else { self.cpc_micros / 10_000 }
    }

    /// Conversion value / cost.
    pub fn roas(&self) -> f64 {
        let cost = self.cost_micros();
        if cost == 0 { 0.0 } else { (self.value as f64 / 100.0) / (cost as f64 / 1_000_000.0) }
    }

    /// Whether the identities hold.
    pub fn consistent(&self) -> bool {
        self.clicks <= self.impressions
            && self.conversions <= self.clicks
            && self.cpc_micros % 10_000 == 0
            && (self.conversions > 0 || self.value == 0)
    }

    /// Splits these figures over parts weighted by `weights`: each part keeps
    /// the identities, and the parts add up to the whole.
    pub fn split(&self, weights: &[f64]) -> Vec<Metrics> {
        let impressions = split(self.impressions, weights, None);
        let shares: Vec<f64> = impressions.iter().map(|&n| n as f64).collect();
        let clicks = split(self.clicks, &shares, Some(&impressions));
        let shares: Vec<f64> = clicks.iter().map(|&n| n as f64).collect();
        let conversions = split(self.conversions, &shares, Some(&clicks));
        let shares: Vec<f64> = conversions.iter().map(|&n| n as f64).collect();
        let value = split(self.value.max(0) as u64, &shares, None);
        (0..weights.len())
            .map(|i| Metrics {
                impressions: impressions[i],
                clicks: clicks[i],
                cpc_micros: self.cpc_micros,
                conversions: conversions[i],
                value: value[i] as Cents,
            })
            .collect()
    }
}

/// `total` shared out by `weights` (largest remainder), each part at most
/// its cap; the parts add up to `total` whenever the caps allow it. Parts
/// with no weight get nothing unless the others are full.
pub fn split(total: u64, weights: &[f64], caps: Option<&[u64]>) -> Vec<u64> {
    let n = weights.len();
    let mut out = vec![0u64; n];
    if n == 0 || total == 0 {
        return out;
    }
    let cap = |i: usize| caps.map_or(u64::MAX, |c| c[i]);
    let sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    let weights: Vec<f64> = if sum > 0.0 { weights.iter().map(|w| w.max(0.0) / sum).collect() } else { vec![1.0 / n as f64; n] };
    let mut given = 0;
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(n);
    for i in 0..n {
        let exact = total as f64 * weights[i];
        let part = (exact.floor() as u64).min(cap(i));
        out[i] = part;
        given += part;
        remainders.push((exact - part as f64, i));
    }
    // Largest remainders first, then anyone with room left.
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    while given < total {
        let mut progressed = false;
        for &(_, i) in &remainders {
            if given == total {
                break;
            }
            if out[i] < cap(i) {
                out[i] += 1;
                given += 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_add_up_and_respect_caps() {
        assert_eq!(split(10, &[1.0, 1.0, 2.0], None), vec![3, 2, 5]);
        assert_eq!(split(7, &[1.0, 1.0], Some(&[2, 100])), vec![2, 5]);
        assert_eq!(split(5, &[0.0, 0.0], None).iter().sum::<u64>(), 5);
        assert_eq!(split(0, &[1.0], None), vec![0]);
        for total in [1u64, 17, 999] {
            let parts = split(total, &[0.2, 0.5, 0.3, 0.0], None);
            assert_eq!(parts.iter().sum::<u64>(), total);
        }
    }

    #[test]
    fn split_metrics_keep_every_identity_and_add_up() {
        let m = Metrics { impressions: 1234, clicks: 57, cpc_micros: 1_230_000, conversions: 4, value: 35_000 };
        assert!(m.consistent());
        let parts = m.split(&[5.0, 0.1, 3.0, 1.0, 0.0, 2.5]);
        assert!(parts.iter().all(Metrics::consistent), "{parts:?}");
        assert_eq!(parts.iter().map(|p| p.impressions).sum::<u64>(), m.impressions);
        assert_eq!(parts.iter().map(|p| p.clicks).sum::<u64>(), m.clicks);
        assert_eq!(parts.iter().map(|p| p.conversions).sum::<u64>(), m.conversions);
        assert_eq!(parts.iter().map(|p| p.value).sum::<i64>(), m.value);
        assert_eq!(parts.iter().map(Metrics::cost_micros).sum::<i64>(), m.cost_micros());
    }

    #[test]
    fn derived_figures_follow_their_definitions() {
        let m = Metrics { impressions: 1000, clicks: 50, cpc_micros: 1_500_000, conversions: 5, value: 60_000 };
        assert_eq!(m.cost_micros(), 75_000_000);
        assert!((m.ctr() - 0.05).abs() < 1e-12);
        assert_eq!(m.average_cpc_cents(), 150);
        assert!((m.roas() - 8.0).abs() < 1e-12);
    }

    #[test]
    fn benchmarks_are_ordered_ranges() {
        for c in Channel::ALL {
            let b = c.benchmarks();
            for r in [b.ctr, b.cpc, b.cvr, b.daily_impressions] {
                assert!(r.low > 0.0 && r.low < r.high, "{c:?}");
            }
            assert_eq!(Channel::parse(c.api_name()), Some(c));
        }
    }
}
