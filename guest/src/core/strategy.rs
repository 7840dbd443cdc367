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
    target(strategy, existing_orders, forced, "orders").count
}

/// How many units (orders, campaign-day rows) a run makes, and the rule
/// that gave the figure, in words a person can check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub count: u64,
    /// "3,040 real orders (over 200): +20% = 608".
    pub rule: String,
}

/// The target and its rule; `unit` names what is counted ("orders"). The
/// smart rule reads the workspace's own (real) rows only: rows of earlier
/// runs do not count, so runs do not compound.
pub fn target(strategy: Strategy, existing: u64, forced: Option<u64>, unit: &str) -> Target {
    if let Some(n) = forced {
        return Target { count: n, rule: format!("--count {}: exactly {} {unit}", thousands(n), thousands(n)) };
    }
    match strategy {
        Strategy::Minimal => Target { count: MINIMAL_ORDERS, rule: format!("minimal: {MINIMAL_ORDERS} {unit}") },
        Strategy::Comprehensive => Target { count: COMPREHENSIVE_ORDERS, rule: format!("comprehensive: {COMPREHENSIVE_ORDERS} {unit}") },
        Strategy::Smart => {
            let e = existing;
            let (band, step, n) = if e < 50 {
                ("under 50", "x5", e * 5)
            } else if e <= 200 {
                ("50-200", "x2", e * 2)
            } else {
                ("over 200", "+20%", e / 5)
            };
            let clamped = n.clamp(SMART_MIN, SMART_MAX);
            let mut rule = format!("{} real {unit} ({band}): {step} = {}", thousands(e), thousands(n));
            if clamped != n {
                let bound = if clamped == SMART_MIN { "at least" } else { "at most" };
                rule.push_str(&format!(", {bound} {}", thousands(clamped)));
            }
            Target { count: clamped, rule }
        }
    }
}

/// 12345 as "12,345".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    fn the_rule_says_what_it_did() {
        let rule = |e| target(Strategy::Smart, e, None, "orders").rule;
        assert_eq!(rule(3040), "3,040 real orders (over 200): +20% = 608");
        assert_eq!(rule(30), "30 real orders (under 50): x5 = 150");
        assert_eq!(rule(120), "120 real orders (50-200): x2 = 240");
        assert_eq!(rule(0), "0 real orders (under 50): x5 = 0, at least 10");
        assert_eq!(rule(1_000_000), "1,000,000 real orders (over 200): +20% = 200,000, at most 1,000");
        assert_eq!(target(Strategy::Smart, 5, Some(1234), "orders").rule, "--count 1,234: exactly 1,234 orders");
        assert_eq!(target(Strategy::Minimal, 5, None, "campaign-days").rule, "minimal: 10 campaign-days");
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
