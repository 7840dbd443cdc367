//! Instants, the generated period, and when in it things happen.
//!
//! Times are whole seconds since the Unix epoch (UTC). The period's shape
//! (time of day and day of week in the shop's own time zone, a gentle growth
//! trend) is a density over hours; the n-th of N orders happens at the
//! density's (n + jitter)/N quantile. That gives every order a time by index
//! alone, in increasing order, so order numbers rise with time and any order's
//! time can be recomputed without the others.

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub type Seconds = i64;
pub const MINUTE: Seconds = 60;
pub const HOUR: Seconds = 3600;
pub const DAY: Seconds = 86_400;

thread_local! {
    /// The last day formatted, as `YYYY-MM-DD`: rows come in time order, so
    /// most timestamps share it and only the time of day needs writing.
    static LAST_DAY: std::cell::RefCell<(i64, [u8; 10])> = const { std::cell::RefCell::new((i64::MIN, [0; 10])) };
}

fn with_date<R>(secs: Seconds, f: impl FnOnce(&[u8; 10]) -> R) -> R {
    let day = secs.div_euclid(DAY);
    LAST_DAY.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != day {
            let text = timestamp(day * DAY).to_zoned(TimeZone::UTC).date().to_string();
            match <[u8; 10]>::try_from(text.as_bytes()) {
                Ok(bytes) => *cache = (day, bytes),
                // Years beyond 9999 or before 0: no fast path.
                Err(_) => {
                    return f(&{
                        let mut b = [b'0'; 10];
                        b.copy_from_slice(&text.as_bytes()[..10]);
                        b
                    });
                }
            }
        }
        f(&cache.1)
    })
}

fn two(out: &mut Vec<u8>, n: i64) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// Writes `secs` as an RFC 3339 UTC timestamp in JSON quotes.
pub fn write_json_timestamp(secs: Seconds, out: &mut Vec<u8>) {
    out.push(b'"');
    with_date(secs, |d| out.extend_from_slice(d));
    let t = secs.rem_euclid(DAY);
    out.push(b'T');
    two(out, t / HOUR);
    out.push(b':');
    two(out, t % HOUR / MINUTE);
    out.push(b':');
    two(out, t % MINUTE);
    out.extend_from_slice(b"Z\"");
}

/// Writes the UTC date of `secs` (YYYY-MM-DD) in JSON quotes.
pub fn write_json_date(secs: Seconds, out: &mut Vec<u8>) {
    out.push(b'"');
    with_date(secs, |d| out.extend_from_slice(d));
    out.push(b'"');
}

pub fn format_timestamp(secs: Seconds) -> String {
    timestamp(secs).to_string()
}

fn timestamp(secs: Seconds) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Parses an RFC 3339 timestamp or a plain date (midnight UTC).
pub fn parse_instant(text: &str) -> Option<Seconds> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    // PostgreSQL's JSON form of timestamptz: "2026-01-02T03:04:05+00:00" is
    // RFC 3339 already; "2026-01-02 03:04:05+00" is not.
    if let Ok(ts) = text.replacen(' ', "T", 1).parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    if let Ok(ts) = format!("{}:00", text.replacen(' ', "T", 1)).parse::<Timestamp>() {
        return Some(ts.as_second());
    }
    text.parse::<jiff::civil::Date>().ok().and_then(|d| d.to_zoned(TimeZone::UTC).ok()).map(|z| z.timestamp().as_second())
}

/// Midnight UTC at or before `secs`.
pub fn start_of_day(secs: Seconds) -> Seconds {
    secs.div_euclid(DAY) * DAY
}

/// The shop's time zone, or UTC when the name is unknown.
pub fn time_zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Local hour (0-23) and weekday (0 = Monday) of an instant.
pub fn local_hour_weekday(tz: &TimeZone, secs: Seconds) -> (usize, usize) {
    let z = timestamp(secs).to_zoned(tz.clone());
    (z.hour() as usize, z.weekday().to_monday_zero_offset() as usize)
}

/// The period generated data spans: [start, end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub start: Seconds,
    pub end: Seconds,
}

impl Period {
    pub fn days(&self) -> i64 {
        ((self.end - self.start) / DAY).max(1)
    }
}

/// Relative weights of the 24 local hours and 7 local weekdays.
#[derive(Clone, Debug, PartialEq)]
pub struct WeeklyShape {
    pub hours: [f64; 24],
    /// Monday first.
    pub weekdays: [f64; 7],
}

impl Default for WeeklyShape {
    /// Online orders peak in the afternoon and evening, local time, and dip
    /// overnight (benchmarks.md, "time of day"); weekdays are close to even,
    /// with a slight Sunday/Monday lift common in retail data.
    fn default() -> Self {
        WeeklyShape {
            hours: [
                0.30, 0.20, 0.14, 0.11, 0.11, 0.16, 0.30, 0.52, 0.76, 0.92, 1.02, 1.10, //
                1.16, 1.18, 1.22, 1.27, 1.31, 1.36, 1.42, 1.52, 1.60, 1.52, 1.15, 0.65,
            ],
            weekdays: [1.06, 1.00, 0.99, 0.98, 0.94, 0.93, 1.10],
        }
    }
}

impl WeeklyShape {
    /// Observed counts, blended with the default so that a handful of orders
    /// does not leave whole hours empty.
    pub fn from_counts(hours: &[f64; 24], weekdays: &[f64; 7]) -> WeeklyShape {
        let prior = WeeklyShape::default();
        let blend = |observed: &[f64], prior: &[f64]| -> Vec<f64> {
            let total: f64 = observed.iter().sum();
            let n = observed.len() as f64;
            // Weight of the prior, in orders: strong for small samples.
            let prior_mass = 10.0 * n;
            let prior_total: f64 = prior.iter().sum();
            observed.iter().zip(prior).map(|(o, p)| (o + prior_mass * p / prior_total) / (total + prior_mass) * n).collect()
        };
        WeeklyShape {
            hours: blend(hours, &prior.hours).try_into().expect("24 hours"),
            weekdays: blend(weekdays, &prior.weekdays).try_into().expect("7 days"),
        }
    }
}

/// When events happen within a period: a density over its hours.
#[derive(Clone, Debug)]
pub struct Timeline {
    period: Period,
    /// Cumulative weight at the end of each hour.
    cumulative: Vec<f64>,
}

impl Timeline {
    /// `growth` is the relative rise of activity from start to end (0.15 =
    /// 15% busier at the end), the trend of a store that is not shrinking.
    pub fn new(period: Period, shape: &WeeklyShape, tz: &TimeZone, growth: f64) -> Timeline {
        let hours = ((period.end - period.start + HOUR - 1) / HOUR).max(1) as usize;
        let mut cumulative = Vec::with_capacity(hours);
        let mut total = 0.0;
        for h in 0..hours {
            let at = period.start + h as i64 * HOUR;
            let (hour, weekday) = local_hour_weekday(tz, at);
            let trend = 1.0 + growth * h as f64 / hours as f64;
            total += shape.hours[hour] * shape.weekdays[weekday] * trend;
            cumulative.push(total);
        }
        Timeline { period, cumulative }
    }

    pub fn period(&self) -> Period {
        self.period
    }

    /// The instant at quantile `q` in [0, 1).
    pub fn at(&self, q: f64) -> Seconds {
        let total = *self.cumulative.last().expect("at least one hour");
        let target = q.clamp(0.0, 1.0) * total;
        let hour = self.cumulative.partition_point(|c| *c <= target).min(self.cumulative.len() - 1);
        let before = if hour == 0 { 0.0 } else { self.cumulative[hour - 1] };
        let width = self.cumulative[hour] - before;
        let frac = if width > 0.0 { (target - before) / width } else { 0.0 };
        let t = self.period.start + hour as i64 * HOUR + (frac * HOUR as f64) as i64;
        t.min(self.period.end - 1)
    }

    /// The time of the i-th of n evenly spread, jittered events: increasing
    /// in i, and computable for any i alone.
    pub fn nth(&self, i: u64, n: u64, jitter: f64) -> Seconds {
        self.at((i as f64 + jitter.clamp(0.0, 0.999_999)) / n.max(1) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period() -> Period {
        let end = parse_instant("2026-06-01").unwrap();
        Period { start: end - 28 * DAY, end }
    }

    #[test]
    fn fast_timestamps_match_jiff() {
        for secs in [0, 59, 86_399, 86_400, 951_782_400, 1_780_000_123, -1, -86_401] {
            let mut out = Vec::new();
            write_json_timestamp(secs, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("\"{}\"", timestamp(secs)), "{secs}");
        }
    }

    #[test]
    fn timestamps_round_trip() {
        let t = parse_instant("2026-03-04T05:06:07Z").unwrap();
        assert_eq!(format_timestamp(t), "2026-03-04T05:06:07Z");
        assert_eq!(parse_instant("2026-03-04 05:06:07+00"), Some(t));
        assert_eq!(parse_instant("2026-03-04T05:06:07+00:00"), Some(t));
        let mut out = Vec::new();
        write_json_date(t, &mut out);
        assert_eq!(out, b"\"2026-03-04\"");
    }

    #[test]
    fn nth_is_increasing_and_inside_the_period() {
        let tl = Timeline::new(period(), &WeeklyShape::default(), &TimeZone::UTC, 0.15);
        let mut last = i64::MIN;
        for i in 0..5000 {
            let t = tl.nth(i, 5000, 0.999);
            assert!(t >= last, "order {i} went back in time");
            assert!(t >= period().start && t < period().end);
            last = t;
        }
    }

    #[test]
    fn evenings_are_busier_than_nights_in_local_time() {
        let tz = time_zone("America/New_York");
        let tl = Timeline::new(period(), &WeeklyShape::default(), &tz, 0.0);
        let mut by_hour = [0u32; 24];
        for i in 0..20_000 {
            let (h, _) = local_hour_weekday(&tz, tl.nth(i, 20_000, 0.5));
            by_hour[h] += 1;
        }
        assert!(by_hour[20] > 4 * by_hour[3], "{by_hour:?}");
    }

    #[test]
    fn observed_shape_pulls_towards_the_data() {
        let mut hours = [0.0; 24];
        hours[9] = 1000.0;
        let shape = WeeklyShape::from_counts(&hours, &[100.0; 7]);
        assert!(shape.hours[9] > 5.0 * shape.hours[20]);
        assert!(shape.hours[3] > 0.0, "no hour is ever impossible");
    }
}
