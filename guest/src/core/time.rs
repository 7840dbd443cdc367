//! Instants, the generated period, and when in it things happen.
//!
//! Times are whole seconds since the Unix epoch (UTC). The period's shape
//! (time of day and day of week in the shop's own time zone, a gentle growth
//! trend) is a density over hours; the n-th of N orders happens at the
//! density's (n + jitter)/N quantile. That gives every order a time by index
//! alone, in increasing order, so order numbers rise with time and any order's
//! time can be recomputed without the others.

use std::cell::Cell;

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub type Seconds = i64;
pub const MINUTE: Seconds = 60;
pub const HOUR: Seconds = 3600;
pub const DAY: Seconds = 86_400;

/// The civil (proleptic Gregorian) date of a day number since 1970-01-01,
/// for years 0..=9999 (None outside): Howard Hinnant's `civil_from_days`, in
/// 32-bit arithmetic, since every row writes a date or two and WebAssembly
/// divides 64-bit numbers slowly.
fn civil(day: i64) -> Option<(u32, u32, u32)> {
    // Days since 0000-03-01; 10000-01-01 is 3,652,425 - 60 (25 eras of
    // 146,097 days, less January and February).
    let z = u32::try_from(day + 719_468).ok().filter(|z| *z < 3_652_365)?;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    Some((yoe + era * 400 + u32::from(m <= 2), m, d))
}

thread_local! {
    /// The day `put_date` wrote last, and its text: rows come day by day,
    /// and most dates are the previous row's.
    static LAST_DATE: Cell<(i64, [u8; 11])> = const { Cell::new((i64::MIN, [0; 11])) };
}

/// `"YYYY-MM-DD` (with the opening quote) into `text[..11]`; false for a
/// year outside 0..=9999, which takes the slow path.
fn put_date(secs: Seconds, text: &mut [u8]) -> bool {
    let day = secs.div_euclid(DAY);
    let (seen, date) = LAST_DATE.get();
    if seen == day {
        text[..11].copy_from_slice(&date);
        return true;
    }
    let Some((y, m, d)) = civil(day) else { return false };
    text[0] = b'"';
    text[1..5].copy_from_slice(&[b'0' + (y / 1000) as u8, b'0' + (y / 100 % 10) as u8, b'0' + (y / 10 % 10) as u8, b'0' + (y % 10) as u8]);
    text[5] = b'-';
    text[6..8].copy_from_slice(&[b'0' + (m / 10) as u8, b'0' + (m % 10) as u8]);
    text[8] = b'-';
    text[9..11].copy_from_slice(&[b'0' + (d / 10) as u8, b'0' + (d % 10) as u8]);
    LAST_DATE.set((day, text[..11].try_into().expect("eleven bytes")));
    true
}

/// Writes `secs` as an RFC 3339 UTC timestamp in JSON quotes.
pub fn write_json_timestamp(secs: Seconds, out: &mut Vec<u8>) {
    let mut text = *b"\"0000-00-00T00:00:00Z\"";
    if !put_date(secs, &mut text) {
        out.push(b'"');
        out.extend_from_slice(timestamp(secs).to_string().as_bytes());
        out.push(b'"');
        return;
    }
    let t = secs.rem_euclid(DAY) as u32;
    for (at, n) in [(12, t / 3600), (15, t % 3600 / 60), (18, t % 60)] {
        text[at] = b'0' + (n / 10) as u8;
        text[at + 1] = b'0' + (n % 10) as u8;
    }
    out.extend_from_slice(&text);
}

/// Writes the UTC date of `secs` (YYYY-MM-DD) in JSON quotes.
pub fn write_json_date(secs: Seconds, out: &mut Vec<u8>) {
    let mut text = *b"\"0000-00-00\"";
    if put_date(secs, &mut text) {
        out.extend_from_slice(&text);
    } else {
        out.push(b'"');
        out.extend_from_slice(timestamp(secs).to_zoned(TimeZone::UTC).date().to_string().as_bytes());
        out.push(b'"');
    }
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

/// Default weights of the 24 local hours: online orders peak in the
/// afternoon and evening, local time, and dip overnight (benchmarks.md,
/// "time of day").
const DEFAULT_HOURS: [f64; 24] = [
    0.30, 0.20, 0.14, 0.11, 0.11, 0.16, 0.30, 0.52, 0.76, 0.92, 1.02, 1.10, //
    1.16, 1.18, 1.22, 1.27, 1.31, 1.36, 1.42, 1.52, 1.60, 1.52, 1.15, 0.65,
];
/// Weekdays (Monday first) are close to even, with a slight Sunday/Monday
/// lift common in retail data.
const DEFAULT_WEEKDAYS: [f64; 7] = [1.06, 1.00, 0.99, 0.98, 0.94, 0.93, 1.10];

/// Relative weights of the 168 hours of a local week (Monday 00:00 first):
/// one profile, so a store whose Saturday mornings are busy keeps them.
#[derive(Clone, Debug, PartialEq)]
pub struct WeeklyShape {
    pub week: [f64; 168],
}

impl Default for WeeklyShape {
    fn default() -> Self {
        let mut week = [0.0; 168];
        for (i, w) in week.iter_mut().enumerate() {
            *w = DEFAULT_WEEKDAYS[i / 24] * DEFAULT_HOURS[i % 24];
        }
        WeeklyShape { week }
    }
}

impl WeeklyShape {
    /// Observed counts per hour of the week, blended with the default by a
    /// tenth of an order per hour, so that a handful of orders does not
    /// leave whole hours impossible while a thousand speak for themselves.
    pub fn from_counts(counts: &[f64; 168]) -> WeeklyShape {
        let prior = WeeklyShape::default();
        let prior_total: f64 = prior.week.iter().sum();
        let prior_mass = 0.1 * 168.0;
        let mut week = [0.0; 168];
        for (i, w) in week.iter_mut().enumerate() {
            *w = counts[i].max(0.0) + prior_mass * prior.week[i] / prior_total;
        }
        WeeklyShape { week }
    }

    pub fn weight(&self, weekday: usize, hour: usize) -> f64 {
        self.week[(weekday % 7) * 24 + hour % 24]
    }

    /// Relative weight of a weekday (its 24 hours together), mean 1.
    pub fn weekday(&self, weekday: usize) -> f64 {
        let total: f64 = self.week.iter().sum();
        self.week[(weekday % 7) * 24..(weekday % 7) * 24 + 24].iter().sum::<f64>() * 7.0 / total
    }
}

/// Slow change over the period: the workspace's own calendar when it has
/// one (see `Calendar`), else month-of-year weights and a trend from the
/// period's start to its end.
#[derive(Clone, Debug, PartialEq)]
pub struct Season {
    /// January first; all 1 when the data cannot tell.
    pub months: [f64; 12],
    /// Relative rise from start to end (0.15 = 15% busier at the end).
    pub growth: f64,
    /// The history's volume by calendar date, where it has one.
    pub calendar: Option<Calendar>,
}

impl Default for Season {
    /// A store that is growing gently, with no seasonality known.
    fn default() -> Self {
        Season { months: [1.0; 12], growth: 0.15, calendar: None }
    }
}

impl Season {
    /// The weight of local day `day` (days since 1970-01-01), in `month`
    /// (0 = January), at `position` in [0, 1) of the period.
    fn weight(&self, day: i64, month: usize, position: f64) -> f64 {
        match &self.calendar {
            Some(c) => c.weight(day, position),
            None => self.months[month].max(0.0) * (1.0 + self.growth * position).max(0.05),
        }
    }
}

/// `YYYY-MM` of a day number (days since 1970-01-01).
pub fn month_of_day(day: i64) -> Option<String> {
    civil(day).map(|(y, m, _)| format!("{y:04}-{m:02}"))
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's
/// `days_from_civil`, proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The history's volume by calendar date. A generated day takes the
/// (smoothed, detrended) volume of the same calendar day in the latest
/// year of the history that has it, so a holiday peak lands on the holiday
/// wherever the history ended; days the history never saw are average. The
/// history's trend is laid over the period by position (its start to its
/// end), since a trend belongs to the history's course, not to a date.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    /// Local day number (days since 1970-01-01) of the history's first day.
    pub first: i64,
    /// The volume of each day of the history, smoothed over whole weeks
    /// (weekdays are the weekly shape's) and divided by the trend: mean ~1.
    pub seasonal: Vec<f64>,
    /// The trend's level at the history's start and end (mean 1).
    pub trend: (f64, f64),
}

/// Orders a smoothing window should hold at least, so that a quiet store's
/// days do not read as seasons.
const ORDERS_PER_WINDOW: f64 = 40.0;

impl Calendar {
    /// From orders per local day (day number, count), in any order; None
    /// for fewer than two weeks of history.
    pub fn from_daily(days: &[(i64, f64)]) -> Option<Calendar> {
        let first = days.iter().map(|d| d.0).min()?;
        let last = days.iter().map(|d| d.0).max()?;
        let len = (last - first + 1) as usize;
        if len < 14 {
            return None;
        }
        let mut counts = vec![0.0; len];
        for (d, n) in days {
            counts[(d - first) as usize] += n.max(0.0);
        }
        let total: f64 = counts.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mean = total / len as f64;
        // Whole weeks, an odd number of them (centred), wide enough to hold
        // ORDERS_PER_WINDOW orders.
        let weeks = [1usize, 3, 5, 7, 9].into_iter().find(|w| mean * (7 * w) as f64 >= ORDERS_PER_WINDOW).unwrap_or(9);
        let half = 7 * weeks / 2;
        let mut prefix = vec![0.0; len + 1];
        for (i, c) in counts.iter().enumerate() {
            prefix[i + 1] = prefix[i] + c;
        }
        let smoothed: Vec<f64> = (0..len)
            .map(|t| {
                let (a, b) = (t.saturating_sub(half), (t + half + 1).min(len));
                (prefix[b] - prefix[a]) / (b - a) as f64
            })
            .collect();
        // A straight line through the days: the trend.
        let n = len as f64;
        let tm = (n - 1.0) / 2.0;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (t, c) in counts.iter().enumerate() {
            sxy += (t as f64 - tm) * (c - mean);
            sxx += (t as f64 - tm).powi(2);
        }
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        let level = |t: f64| (mean + slope * (t - tm)).max(0.1 * mean);
        let seasonal = smoothed.iter().enumerate().map(|(t, s)| s / level(t as f64)).collect();
        Some(Calendar { first, seasonal, trend: (level(0.0) / mean, level(n - 1.0) / mean) })
    }

    fn last(&self) -> i64 {
        self.first + self.seasonal.len() as i64 - 1
    }

    /// The seasonal volume of the history's latest day with `day`'s month
    /// and day of month, if the history has one.
    pub fn seasonal_at(&self, day: i64) -> Option<f64> {
        let at = |d: i64| (d >= self.first && d <= self.last()).then(|| self.seasonal[(d - self.first) as usize]);
        if day <= self.last() {
            return at(day);
        }
        let (y, m, d) = civil(day)?;
        (1..=8).map(|k| i64::from(y) - k).find_map(|year| {
            // 29 February in a year without one: the 28th.
            let dd = if m == 2 && d == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) { 28 } else { d };
            let same = days_from_civil(year, m, dd);
            (same <= self.last()).then(|| at(same))
        })?
    }

    pub fn weight(&self, day: i64, position: f64) -> f64 {
        let trend = self.trend.0 + (self.trend.1 - self.trend.0) * position.clamp(0.0, 1.0);
        self.seasonal_at(day).unwrap_or(1.0).max(0.0) * trend.max(0.05)
    }
}

/// The golden ratio's fractional part: a Weyl sequence `frac(k * PHI)`
/// spreads any run of indices evenly over [0, 1).
pub const PHI: f64 = 0.618_033_988_749_894_9;

/// The k-th point of a Weyl sequence with step `alpha`: evenly spread draws
/// for stratified sampling (a run of 300 orders then has its histogram's
/// shape, not a random sample's noise).
pub fn weyl(k: u64, alpha: f64) -> f64 {
    (k as f64 * alpha).fract()
}

/// Orders on a day below which their times within the day are spread by
/// the Weyl sequence over all orders (a day with one order still lands its
/// hour where the profile says, across days), above which they are
/// stratified within the day itself.
const FEW_PER_DAY: u64 = 8;

/// When events happen within a period: a density over its hours.
#[derive(Clone, Debug)]
pub struct Timeline {
    period: Period,
    /// Cumulative weight at the end of each hour.
    cumulative: Vec<f64>,
}

impl Timeline {
    pub fn new(period: Period, shape: &WeeklyShape, season: &Season, tz: &TimeZone) -> Timeline {
        let hours = ((period.end - period.start + HOUR - 1) / HOUR).max(1) as usize;
        let mut cumulative = Vec::with_capacity(hours);
        let mut total = 0.0;
        for h in 0..hours {
            let at = period.start + h as i64 * HOUR;
            let z = timestamp(at).to_zoned(tz.clone());
            let (hour, weekday, month) = (z.hour() as usize, z.weekday().to_monday_zero_offset() as usize, z.month() as usize - 1);
            let day = (at + i64::from(z.offset().seconds())).div_euclid(DAY);
            total += shape.weight(weekday, hour) * season.weight(day, month, h as f64 / hours as f64);
            cumulative.push(total);
        }
        if total <= 0.0 {
            // Weights that cancel out everywhere: spread evenly instead.
            cumulative = (1..=hours).map(|h| h as f64).collect();
        }
        Timeline { period, cumulative }
    }

    pub fn period(&self) -> Period {
        self.period
    }

    fn total(&self) -> f64 {
        *self.cumulative.last().expect("at least one hour")
    }

    /// Cumulative weight at the end of 24-hour block `d` (from the start).
    fn day_end(&self, d: usize) -> f64 {
        self.cumulative[((d + 1) * 24).min(self.cumulative.len()) - 1]
    }

    /// The instant at cumulative weight `target`.
    fn at_weight(&self, target: f64) -> Seconds {
        let target = target.clamp(0.0, self.total());
        let hour = self.cumulative.partition_point(|c| *c <= target).min(self.cumulative.len() - 1);
        let before = if hour == 0 { 0.0 } else { self.cumulative[hour - 1] };
        let width = self.cumulative[hour] - before;
        let frac = if width > 0.0 { (target - before) / width } else { 0.0 };
        let t = self.period.start + hour as i64 * HOUR + (frac * HOUR as f64) as i64;
        t.min(self.period.end - 1)
    }

    /// The share of the period's weight before instant `t`.
    pub fn quantile_of(&self, t: Seconds) -> f64 {
        let h = (t - self.period.start) as f64 / HOUR as f64;
        if h <= 0.0 {
            return 0.0;
        }
        let i = h.floor() as usize;
        if i >= self.cumulative.len() {
            return 1.0;
        }
        let before = if i == 0 { 0.0 } else { self.cumulative[i - 1] };
        (before + (self.cumulative[i] - before) * h.fract()) / self.total()
    }

    /// The instant at quantile `q` in [0, 1).
    pub fn at(&self, q: f64) -> Seconds {
        self.at_weight(q.clamp(0.0, 1.0) * self.total())
    }

    /// The time of the i-th of n events: increasing in i, and computable
    /// for any i alone. Days get their share of the n events by the
    /// density (stratified, so weekdays and seasons come out as weighted);
    /// within a day, times follow the day's hours, spread evenly across the
    /// run so that hours of the day come out as weighted too. `jitter` in
    /// [0, 1) moves an event within its own stratum.
    pub fn nth(&self, i: u64, n: u64, jitter: f64) -> Seconds {
        let n = n.max(1);
        let total = self.total();
        let per = total / n as f64;
        // The day holding the i-th event's stratum.
        let q = (i as f64 + 0.5) * per;
        let days = self.cumulative.len().div_ceil(24);
        let (mut lo, mut hi) = (0, days - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.day_end(mid) <= q { lo = mid + 1 } else { hi = mid }
        }
        let d = lo;
        let start = if d == 0 { 0.0 } else { self.day_end(d - 1) };
        let end = self.day_end(d);
        // Events whose stratum centre falls in this day: [first, last).
        let first = ((start / per - 0.5).ceil().max(0.0)) as u64;
        let last = (((end / per - 0.5).ceil().max(0.0)) as u64).min(n).max(first + 1);
        let (k, j) = (last - first, i.saturating_sub(first).min(last - first - 1));
        let u = if k >= FEW_PER_DAY {
            (j as f64 + jitter.clamp(0.0, 0.999_999)) / k as f64
        } else {
            let mut us: Vec<f64> = (first..last).map(|m| weyl(m, PHI)).collect();
            us.sort_by(f64::total_cmp);
            us[j as usize]
        };
        self.at_weight(start + u * (end - start))
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
    fn civil_dates_end_with_9999() {
        let last = 2_932_896; // 9999-12-31, days since 1970-01-01
        assert_eq!(civil(last), Some((9999, 12, 31)));
        assert_eq!(civil(last + 1), None, "year 10000 takes the slow path");
        assert_eq!(civil(0), Some((1970, 1, 1)));
    }

    #[test]
    fn fast_timestamps_match_jiff() {
        // Every day of 1600..2500 (leap centuries included), at a varying time.
        let days = (-135_140..193_000).map(|d: i64| d * DAY + (d * 7_919).rem_euclid(DAY));
        for secs in [0, 59, 86_399, 86_400, 951_782_400, 1_780_000_123, -1, -86_401, -62_167_219_200].into_iter().chain(days) {
            let mut out = Vec::new();
            write_json_timestamp(secs, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("\"{}\"", timestamp(secs)), "{secs}");
            let mut out = Vec::new();
            write_json_date(secs, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), format!("\"{}\"", timestamp(secs).to_zoned(TimeZone::UTC).date()), "{secs}");
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
        let tl = Timeline::new(period(), &WeeklyShape::default(), &Season::default(), &TimeZone::UTC);
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
        let tl = Timeline::new(period(), &WeeklyShape::default(), &Season { growth: 0.0, ..Season::default() }, &tz);
        let mut by_hour = [0u32; 24];
        for i in 0..20_000 {
            let (h, _) = local_hour_weekday(&tz, tl.nth(i, 20_000, 0.5));
            by_hour[h] += 1;
        }
        assert!(by_hour[20] > 4 * by_hour[3], "{by_hour:?}");
    }

    #[test]
    fn observed_shape_pulls_towards_the_data() {
        let mut counts = [0.0; 168];
        counts[5 * 24 + 9] = 1000.0; // Saturday 9:00
        let shape = WeeklyShape::from_counts(&counts);
        assert!(shape.weight(5, 9) > 50.0 * shape.weight(5, 20));
        assert!(shape.weight(1, 3) > 0.0, "no hour is ever impossible");
        let tl = Timeline::new(period(), &shape, &Season::default(), &TimeZone::UTC);
        let saturday_nine = (0..10_000).filter(|i| local_hour_weekday(&TimeZone::UTC, tl.nth(*i, 10_000, 0.5)) == (9, 5)).count();
        assert!(saturday_nine > 8_000, "{saturday_nine}");
    }

    #[test]
    fn few_events_still_follow_the_hours_of_the_day() {
        // 300 events over a year: about one every day or two, so each
        // day's hour must come from across the run, not from chance.
        let end = parse_instant("2026-01-01").unwrap();
        let year = Period { start: end - 365 * DAY, end };
        let shape = WeeklyShape::default();
        let tl = Timeline::new(year, &shape, &Season { growth: 0.0, ..Season::default() }, &TimeZone::UTC);
        let n = 300;
        let mut by_hour = [0.0; 24];
        let mut last = i64::MIN;
        for i in 0..n {
            let t = tl.nth(i, n, 0.5);
            assert!(t >= last, "event {i} went back in time");
            last = t;
            by_hour[local_hour_weekday(&TimeZone::UTC, t).0] += 1.0 / n as f64;
        }
        let weights: Vec<f64> = (0..24).map(|h| (0..7).map(|d| shape.weight(d, h)).sum::<f64>()).collect();
        let total: f64 = weights.iter().sum();
        let tv: f64 = (0..24).map(|h| (by_hour[h] - weights[h] / total).abs()).sum::<f64>() / 2.0;
        // A random sample of 300 would be off by about 0.1.
        assert!(tv < 0.04, "total variation {tv}");
    }

    #[test]
    fn days_from_civil_inverts_civil() {
        for day in [-700_000, -1, 0, 59, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil(day).unwrap();
            assert_eq!(days_from_civil(i64::from(y), m, d), day);
        }
    }

    /// Orders per day over `days` ending at `end`: `base` a day, `peak` on
    /// 1-24 December.
    fn history(end: Seconds, days: i64, base: f64, peak: f64) -> Vec<(i64, f64)> {
        let last = end.div_euclid(DAY) - 1;
        (0..days)
            .map(|k| {
                let day = last - k;
                let (_, m, d) = civil(day).unwrap();
                (day, if m == 12 && d <= 24 { peak } else { base })
            })
            .collect()
    }

    #[test]
    fn seasons_follow_the_calendar_wherever_the_history_ended() {
        // A year of history that ended in March 2024; the period is the
        // year up to June 2026: December's peak lands in December 2025.
        let calendar = Calendar::from_daily(&history(parse_instant("2024-03-01").unwrap(), 365, 10.0, 40.0)).unwrap();
        let end = parse_instant("2026-06-01").unwrap();
        let year = Period { start: end - 365 * DAY, end };
        let season = Season { calendar: Some(calendar), ..Season::default() };
        let tl = Timeline::new(year, &WeeklyShape::default(), &season, &TimeZone::UTC);
        let (dec_start, dec_end) = (parse_instant("2025-12-01").unwrap(), parse_instant("2025-12-25").unwrap());
        let n = 10_000;
        let share = (0..n).filter(|i| (dec_start..dec_end).contains(&tl.nth(*i, n, 0.5))).count() as f64 / n as f64;
        // 24 days at 4x the other 341: 96 / 437 of the year, less smoothing.
        assert!(share > 0.15 && share < 0.23, "{share}");
        // The same history laid by position would have put the peak 9 months off.
        let early_summer = (0..n)
            .filter(|i| (parse_instant("2025-06-05").unwrap()..parse_instant("2025-07-01").unwrap()).contains(&tl.nth(*i, n, 0.5)))
            .count();
        assert!((early_summer as f64 / n as f64) < 0.06, "{early_summer}");
    }

    #[test]
    fn a_growing_history_grows_over_the_period() {
        // Volume doubling over the history: the period's later half busier.
        let end = parse_instant("2026-01-01").unwrap();
        let days: Vec<(i64, f64)> = (0..360).map(|k| (end.div_euclid(DAY) - 360 + k, 10.0 + 10.0 * k as f64 / 360.0)).collect();
        let c = Calendar::from_daily(&days).unwrap();
        assert!(c.trend.1 / c.trend.0 > 1.8 && c.trend.1 / c.trend.0 < 2.2, "{:?}", c.trend);
        assert!(c.seasonal.iter().all(|s| (s - 1.0).abs() < 0.1), "detrended, the days are even");
    }

    #[test]
    fn seasons_and_trend_move_volume() {
        let end = parse_instant("2026-01-01").unwrap();
        let year = Period { start: end - 365 * DAY, end };
        let mut months = [1.0; 12];
        months[11] = 4.0;
        let tl = Timeline::new(year, &WeeklyShape::default(), &Season { months, growth: 0.0, calendar: None }, &TimeZone::UTC);
        let december = parse_instant("2025-12-01").unwrap();
        let n = 12_000;
        let in_december = (0..n).filter(|i| tl.nth(*i, n, 0.5) >= december).count() as f64 / n as f64;
        assert!((in_december - 4.0 * 31.0 / (334.0 + 4.0 * 31.0)).abs() < 0.02, "{in_december}");
        let growing = Timeline::new(year, &WeeklyShape::default(), &Season { growth: 1.0, ..Season::default() }, &TimeZone::UTC);
        let late = (0..n).filter(|i| growing.nth(*i, n, 0.5) >= end - 182 * DAY).count() as f64 / n as f64;
        assert!(late > 0.55, "{late}");
    }
}
