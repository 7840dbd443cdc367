//! Time: when the workspace's orders happen. The period (its first and last
//! order, the density in between), the 168-hour profile of a local week,
//! volume by month (seasonality, where a year or more is known) and the
//! trend. Order numbers continue after the highest one in use.

use serde_json::json;

use crate::core::time::{Calendar, DAY, Period, Season, WeeklyShape, month_of_day};
use crate::error::Result;
use crate::platforms::Query;
use crate::platforms::findings::Analysis;
use crate::platforms::store::analysis::{Probe, SAMPLE_ROWS, instant, literal, num, quote, rows, text, the_row};
use crate::platforms::store::inputs::StoreInputs;

const NAME: &str = "time";

/// Zones a store without a shop row may be in, with their country: one per
/// offset (and its daylight saving rules) where shops commonly are.
const ZONES: [(&str, &str); 24] = [
    ("America/New_York", "US"),
    ("America/Chicago", "US"),
    ("America/Denver", "US"),
    ("America/Los_Angeles", "US"),
    ("America/Phoenix", "US"),
    ("America/Anchorage", "US"),
    ("Pacific/Honolulu", "US"),
    ("America/Halifax", "CA"),
    ("America/Sao_Paulo", "BR"),
    ("Europe/London", "GB"),
    ("Europe/Berlin", "DE"),
    ("Europe/Athens", "GR"),
    ("Europe/Moscow", "RU"),
    ("Asia/Dubai", "AE"),
    ("Asia/Karachi", "PK"),
    ("Asia/Kolkata", "IN"),
    ("Asia/Bangkok", "TH"),
    ("Asia/Shanghai", "CN"),
    ("Asia/Tokyo", "JP"),
    ("Australia/Brisbane", "AU"),
    ("Australia/Sydney", "AU"),
    ("Pacific/Auckland", "NZ"),
    ("Atlantic/Azores", "PT"),
    ("UTC", ""),
];

/// Orders read to find a store's time zone: its nights show in far fewer.
const ZONE_SAMPLE: u64 = 10_000;

/// The middle of the night, local time (hours): online orders are fewest
/// around then everywhere (benchmarks.md, "time of day").
const NIGHT: f64 = 3.5;

/// How much of a day's orders fall in the night of `zone`, from orders per
/// (month `YYYY-MM`, UTC hour): each month's hours shifted by the zone's
/// offset in that month (its daylight saving time included), each hour
/// weighted by how deep in the night it falls.
fn night_share(zone: &jiff::tz::TimeZone, counts: &[(String, u32, f64)]) -> f64 {
    let (mut night, mut total) = (0.0, 0.0);
    for (month, hour, n) in counts {
        let mid = crate::core::time::parse_instant(&format!("{month}-15")).unwrap_or(0);
        let offset = f64::from(zone.to_offset(jiff::Timestamp::from_second(mid).unwrap_or(jiff::Timestamp::UNIX_EPOCH)).seconds()) / 3600.0;
        let local = (f64::from(*hour) + 0.5 + offset).rem_euclid(24.0);
        let distance = (local - NIGHT).abs().min(24.0 - (local - NIGHT).abs());
        // 1 at the night's middle, 0 from six hours away.
        let depth = (1.0 - distance / 6.0).max(0.0);
        night += n * depth * depth;
        total += n;
    }
    if total > 0.0 { night / total } else { 0.0 }
}

/// The zone whose night is quietest, with its country: where a store
/// without a shop row most likely sells from. Orders are measured and
/// generated in it, and the generated shop says so.
pub fn likely_zone(counts: &[(String, u32, f64)]) -> (&'static str, &'static str) {
    let mut best = ZONES[ZONES.len() - 1];
    let mut quietest = f64::INFINITY;
    for (name, country) in ZONES {
        let share = night_share(&crate::core::time::time_zone(name), counts);
        // Earlier zones win ties (within a hair).
        if share < quietest - 1e-9 {
            (best, quietest) = ((name, country), share);
        }
    }
    best
}

/// For a workspace without a shop row (or one without a time zone): the
/// zone its orders were placed in, and the currency most of them are in.
pub fn infer_zone(p: &Probe, query: &mut Query) -> Result<Option<(String, String, Option<String>)>> {
    let (sql, t) = (&p.sql, p.tables.orders);
    let Some(created) = sql.col(t, p.f.order_created) else { return Ok(None) };
    let currency = sql.opt(t, p.f.order_currency, "o");
    let q = format!(
        "select m, h, cur, count(*) as n from (select (extract(year from x) * 100 + extract(month from x))::int as m, extract(hour from x)::int as h, cur \
           from (select o.{created}::timestamptz at time zone 'UTC' as x, {currency}::text as cur from {} where {} and o.{created} is not null) w) o \
         group by grouping sets ((m, h), (cur))",
        sql.sampled_of(t, "o", ZONE_SAMPLE),
        sql.real(t, "o"),
    );
    let answer = query(&q)?;
    let mut counts = Vec::new();
    let mut currencies: Vec<(String, f64)> = Vec::new();
    for r in rows(&answer) {
        let n = num(&r["n"]).unwrap_or(0.0);
        match (num(&r["m"]), num(&r["h"]), text(&r["cur"])) {
            (Some(m), Some(h), _) => counts.push((format!("{:04}-{:02}", m as i64 / 100, m as i64 % 100), h as u32, n)),
            (None, None, Some(c)) => currencies.push((c, n)),
            _ => {}
        }
    }
    let seen: f64 = counts.iter().map(|c| c.2).sum();
    if seen < MIN_ORDERS {
        return Ok(None);
    }
    let (zone, country) = likely_zone(&counts);
    let currency = currencies.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(c, _)| c);
    Ok(Some((zone.to_string(), country.to_string(), currency)))
}
/// Orders below which the hour-of-week profile keeps the defaults.
const MIN_ORDERS: f64 = 20.0;

pub fn analyse(p: &mut Probe, inputs: &mut StoreInputs, out: &mut Analysis, query: &mut Query) -> Result<()> {
    let (sql, t) = (&p.sql, p.tables.orders);
    let (Some(created), Some(plan)) = (sql.col(t, p.f.order_created), sql.plan(t)) else {
        out.defaults(NAME, "period", json!({"days": inputs.period.days()}), "no order times: the default period".into());
        return Ok(());
    };
    // Numbers continue after every order but this run's own, generated or not.
    let number = match sql.col(t, p.f.order_number) {
        Some(c) if sql.numeric(t, p.f.order_number) => format!("o.{c}::bigint"),
        Some(c) => format!("case when o.{c}::text ~ '^[0-9]{{1,15}}$' then o.{c}::text::bigint end"),
        None => "null::bigint".into(),
    };
    let marker = format!("o.{}", quote(&plan.marker_column));
    // One pass; whether a row is real is decided once per row.
    let q = format!(
        "select count(*) filter (where r) as real, min(c) filter (where r) as first, max(c) filter (where r) as last, max(num) as max_number \
         from (select o.{created} as c, {number} as num, {real} as r from {} o where {} and not {}) o",
        sql.from(t),
        sql.workspace(t, "o"),
        plan.marker_kind.sql_is_run(&marker, sql.cx.run),
        real = sql.real(t, "o"),
    );
    let answer = query(&q)?;
    let r = the_row(&answer);
    p.real_orders = num(&r["real"]).unwrap_or(0.0) as u64;
    if let Some(n) = num(&r["max_number"]) {
        inputs.order_number_start = n as u64 + 1;
    }
    let end = inputs.period.end;
    if let (Some(a), Some(b)) = (instant(&r["first"]), instant(&r["last"]))
        && p.real_orders >= 2
    {
        p.span = Some((a, b));
        // The same length as the history, ending at as-of: orders per
        // customer and seasons then read as they do in the workspace.
        let days = ((b - a) / DAY).clamp(30, 730);
        inputs.period = Period { start: end - days * DAY, end };
        let density = p.real_orders as f64 / ((b - a) as f64 / DAY as f64).max(1.0);
        out.measured(
            NAME,
            "period",
            p.real_orders,
            json!({"first": r["first"], "last": r["last"], "days": days, "orders_per_day": density}),
            format!("{} real orders over {days} days ({density:.1} a day)", p.real_orders),
        );
    } else {
        out.defaults(
            NAME,
            "period",
            json!({"days": inputs.period.days()}),
            format!("{} days, about three orders a day", inputs.period.days()),
        );
    }

    if (p.real_orders as f64) < MIN_ORDERS {
        out.defaults(NAME, "hour of week", json!({}), "afternoon and evening peak, local time".into());
        return Ok(());
    }
    // The hour of a local week, and orders per local day: the calendar.
    let q = format!(
        "with s as (select ((extract(isodow from x)::int - 1) * 24 + extract(hour from x)::int) as how, \
           floor(extract(epoch from x) / 86400)::int as d \
           from (select o.{created}::timestamptz at time zone {tz} as x from {} where {} and o.{created} is not null) w) \
         select how, d, count(*) as n from s group by grouping sets ((how), (d))",
        sql.sampled_of(t, "o", SAMPLE_ROWS / 2),
        sql.real(t, "o"),
        tz = literal(&p.tz),
    );
    let answer = query(&q)?;
    let (mut week, mut days) = ([0.0; 168], Vec::new());
    for r in rows(&answer) {
        let n = num(&r["n"]).unwrap_or(0.0);
        match (num(&r["how"]), num(&r["d"])) {
            (Some(h), _) => week[(h as usize).min(167)] += n,
            (None, Some(d)) => days.push((d as i64, n)),
            _ => {}
        }
    }
    // Orders per calendar month, from the days.
    let mut by_month: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for (d, n) in &days {
        if let Some(m) = month_of_day(*d) {
            *by_month.entry(m).or_default() += n;
        }
    }
    let mut months: Vec<(String, f64)> = by_month.into_iter().collect();
    let seen: f64 = week.iter().sum();
    inputs.shape = WeeklyShape::from_counts(&week);
    let peak = (0..168).max_by(|a, b| week[*a].total_cmp(&week[*b])).unwrap_or(0);
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    out.measured(
        NAME,
        "hour of week",
        seen as u64,
        json!({"timezone": p.tz, "counts": week.to_vec()}),
        format!("busiest hour {} {:02}:00 ({})", weekdays[peak / 24], peak % 24, p.tz),
    );
    months.sort_by(|a, b| a.0.cmp(&b.0));
    inputs.season = season(&months);
    inputs.season.calendar = Calendar::from_daily(&days);
    let calendar = inputs.season.calendar.as_ref().map(|c| {
        let (a, b) = c.trend;
        (c.seasonal.len(), (b / a.max(1e-9) - 1.0) * 100.0)
    });
    out.measured(
        NAME,
        "seasonality",
        seen as u64,
        json!({"months": inputs.season.months.to_vec(), "growth": inputs.season.growth, "by_month": months.iter().map(|(m, n)| json!([m, n])).collect::<Vec<_>>(), "calendar_days": calendar.map(|c| c.0), "trend_percent": calendar.map(|c| c.1)}),
        match calendar {
            Some((n, trend)) => format!("volume follows the history's {n} days by calendar date, trend {trend:+.0}% over the history"),
            None => format!("trend {:+.0}% over the history", inputs.season.growth * 100.0),
        },
    );
    Ok(())
}

/// Seasons and trend from orders per calendar month (`YYYY-MM`, ascending).
/// The first and last months are partial and left out; month-of-year
/// weights need a year of whole months, the trend at least three.
pub fn season(by_month: &[(String, f64)]) -> Season {
    let whole: Vec<&(String, f64)> = if by_month.len() > 2 { by_month[1..by_month.len() - 1].iter().collect() } else { Vec::new() };
    let mut season = Season::default();
    if whole.len() >= 3 {
        let third = (whole.len() / 3).max(1);
        let early: f64 = whole[..third].iter().map(|(_, n)| n).sum();
        let late: f64 = whole[whole.len() - third..].iter().map(|(_, n)| n).sum();
        if early > 0.0 {
            // From the middle of the first third to the middle of the last.
            let span = (whole.len() - third) as f64 / whole.len() as f64;
            season.growth = ((late / early - 1.0) / span).clamp(-0.8, 3.0);
        }
    }
    if whole.len() >= 12 {
        let mut sums = [0.0; 12];
        let mut counts = [0.0; 12];
        for (m, n) in &whole {
            if let Some(month) = m.get(5..7).and_then(|s| s.parse::<usize>().ok()).filter(|m| (1..=12).contains(m)) {
                sums[month - 1] += n;
                counts[month - 1] += 1.0;
            }
        }
        let means: Vec<f64> = sums.iter().zip(&counts).map(|(s, c)| if *c > 0.0 { s / c } else { 0.0 }).collect();
        let overall = means.iter().filter(|m| **m > 0.0).sum::<f64>() / means.iter().filter(|m| **m > 0.0).count().max(1) as f64;
        if overall > 0.0 {
            for (i, m) in means.iter().enumerate() {
                season.months[i] = if *m > 0.0 { m / overall } else { 1.0 };
            }
            // The trend is part of the monthly means already.
            season.growth = 0.0;
        }
    }
    season
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(counts: &[f64]) -> Vec<(String, f64)> {
        counts.iter().enumerate().map(|(i, n)| (format!("{}-{:02}", 2024 + i / 12, i % 12 + 1), *n)).collect()
    }

    /// Orders per (month, UTC hour) of a store busy from 8:00 to 22:00 in
    /// `zone`, peaking at `peak` local time, over a year (daylight saving
    /// time included).
    fn local_day(zone: &str, peak: f64) -> Vec<(String, u32, f64)> {
        let tz = crate::core::time::time_zone(zone);
        let mut out = Vec::new();
        for m in 1..=12 {
            let month = format!("2025-{m:02}");
            let mid = crate::core::time::parse_instant(&format!("{month}-15")).unwrap();
            let offset = tz.to_offset(jiff::Timestamp::from_second(mid).unwrap()).seconds() / 3600;
            for local in 8..=22 {
                let n = 100.0 * (1.0 - (f64::from(local) - peak).abs() / 12.0);
                out.push((month.clone(), (local - offset).rem_euclid(24) as u32, n));
            }
        }
        out
    }

    #[test]
    fn the_zone_is_where_the_nights_are_quiet() {
        // Within an hour of the truth, winter and summer: where the night's
        // middle falls in a store's day is only known that well.
        let offset = |zone: &str, month: &str| {
            let at = crate::core::time::parse_instant(&format!("2025-{month}-15")).unwrap();
            crate::core::time::time_zone(zone).to_offset(jiff::Timestamp::from_second(at).unwrap()).seconds() / 3600
        };
        for (zone, peak) in
            [("America/Los_Angeles", 14.0), ("Asia/Tokyo", 20.0), ("Europe/Berlin", 10.0), ("America/New_York", 19.0), ("UTC", 15.0)]
        {
            let (found, _) = likely_zone(&local_day(zone, peak));
            for month in ["01", "07"] {
                assert!((offset(found, month) - offset(zone, month)).abs() <= 1, "{zone} (peak {peak}): found {found}");
            }
        }
        assert_eq!(likely_zone(&local_day("America/Los_Angeles", 14.0)), ("America/Los_Angeles", "US"));
    }

    #[test]
    fn a_growing_store_has_a_positive_trend() {
        let s = season(&months(&[5.0, 100.0, 110.0, 120.0, 130.0, 140.0, 150.0, 7.0]));
        assert!(s.growth > 0.2 && s.growth < 1.0, "{}", s.growth);
        assert_eq!(s.months, [1.0; 12], "half a year says nothing of seasons");
    }

    #[test]
    fn two_years_give_month_weights() {
        let mut c = vec![100.0; 26];
        c[11] = 300.0; // December 2024
        c[23] = 300.0; // December 2025
        let s = season(&months(&c));
        assert!(s.months[11] > 2.0 && s.months[5] < 1.0, "{:?}", s.months);
    }
}
