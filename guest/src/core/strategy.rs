//! How many orders a run generates (the design's scale rule).

/// How much to generate when no count is forced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Smart,
    Minimal,
    Comprehensive,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::Smart, Strategy::Minimal, Strategy::Comprehensive];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Smart => "smart",
            Strategy::Minimal => "minimal",
            Strategy::Comprehensive => "comprehensive",
        }
    }

    pub fn parse(text: &str) -> Option<Strategy> {
        Strategy::ALL.into_iter().find(|s| s.name().eq_ignore_ascii_case(text.trim()))
    }
}

pub const MINIMAL_ORDERS: u64 = 10;
pub const COMPREHENSIVE_ORDERS: u64 = 500;
pub const SMART_MIN: u64 = 10;
pub const SMART_MAX: u64 = 1000;

/// Orders to generate: a forced count wins (and is not clamped: asking for a
/// million gets a million); otherwise the strategy decides, smart from the
/// orders the workspace already has: under 50 x5, 50 to 200 x2, over 200
/// +20%, clamped to 10..=1000.
pub fn target_orders(strategy: Strategy, existing_orders: u64, forced: Option<u64>) -> u64 {
    if let Some(n) = forced {
        return n;
    }
    match strategy {
        Strategy::Minimal => MINIMAL_ORDERS,
        Strategy::Comprehensive => COMPREHENSIVE_ORDERS,
        Strategy::Smart => {
            let e = existing_orders;
            let n = if e < 50 {
                e * 5
            } else if e <= 200 {
                e * 2
            } else {
                e / 5
            };
            n.clamp(SMART_MIN, SMART_MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_follows_the_design_rule() {
        let t = |e| target_orders(Strategy::Smart, e, None);
        assert_eq!(t(0), 10);
        assert_eq!(t(20), 100);
        assert_eq!(t(49), 245);
        assert_eq!(t(50), 100);
        assert_eq!(t(200), 400);
        assert_eq!(t(300), 60);
        assert_eq!(t(10_000), 1000);
        assert_eq!(t(100_000), 1000);
    }

    #[test]
    fn fixed_strategies_and_forced_counts() {
        assert_eq!(target_orders(Strategy::Minimal, 999, None), 10);
        assert_eq!(target_orders(Strategy::Comprehensive, 0, None), 500);
        assert_eq!(target_orders(Strategy::Smart, 20, Some(1_000_000)), 1_000_000);
        assert_eq!(Strategy::parse("Comprehensive"), Some(Strategy::Comprehensive));
        assert_eq!(Strategy::parse("huge"), None);
    }
}
