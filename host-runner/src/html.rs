//! `host-runner report ... --html FILE`: the fidelity report as one
//! self-contained HTML page. Per aspect, the workspace's own rows and the
//! generated rows side by side as a bar chart (inline SVG), with the score.
//!
//! Self-contained on purpose: no scripts, fonts, images or style sheets from
//! elsewhere, so the file opens the same in any browser, offline, attached
//! to a ticket or printed. Every piece of text is escaped: labels are values
//! from the warehouse (product types, statuses) and must not become markup.

use std::fmt::Write;

use crate::runtime::wit;

/// Colours for the two sides (a blue/orange pair that colour-blind readers
/// can tell apart, and that stays distinct in greyscale print).
const REAL: &str = "#2f6aa8";
const GENERATED: &str = "#e58a1f";

/// The whole page.
pub fn page(r: &wit::FidelityReport) -> String {
    let compared = r.run_id.as_ref().map_or("every generated row".to_string(), |run| format!("run {run}"));
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>Fidelity report · {} · {}</title>", esc(&r.environment), esc(&r.workspace_id));
    h.push_str(STYLE);
    h.push_str("</head>\n<body>\n<header>\n<h1>Fidelity report</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"meta\">environment <b>{}</b> · workspace <b>{}</b> · {} against the rows the tool did not generate</p>",
        esc(&r.environment),
        esc(&r.workspace_id),
        esc(&compared)
    );
    h.push_str(
        "<p class=\"explain\">Each score is SDMetrics' metric for one aspect, in [0, 1], 1 meaning the same distribution: \
         <b>KSComplement</b> (numbers) is 1 minus the largest gap between the two cumulative distributions; \
         <b>TVComplement</b> (categories) is 1 minus half the summed differences of the category shares; \
         <b>CorrelationSimilarity</b> (a pair of columns: an order's subtotal, lines, units and unit price, a customer's spend and orders) \
         is 1 minus half the gap between the two sides' Pearson correlations. \
         The bars show each side's share of its rows per bin, or each side's correlation.</p>\n",
    );
    h.push_str(LEGEND);
    h.push_str("</header>\n");
    if !r.warnings.is_empty() {
        h.push_str("<section class=\"warnings\"><h2>Warnings</h2><ul>\n");
        for w in &r.warnings {
            let _ = writeln!(h, "<li>{}</li>", esc(w));
        }
        h.push_str("</ul></section>\n");
    }
    for p in &r.platforms {
        platform(&mut h, p);
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn platform(h: &mut String, p: &wit::PlatformFidelity) {
    let _ = writeln!(h, "<section class=\"platform\" id=\"{}\">", anchor(&p.platform, ""));
    let mean = p.mean.map_or("n/a".to_string(), |m| format!("{m:.3}"));
    let available = p.aspects.iter().filter(|a| a.score.is_some()).count();
    let _ = writeln!(
        h,
        "<h2>{} <span class=\"mean\">mean score <b>{mean}</b> over {available} of {} aspects</span></h2>",
        esc(&p.platform),
        p.aspects.len()
    );
    if p.aspects.iter().all(|a| a.real_rows == 0 && a.generated_rows == 0) {
        h.push_str("<p class=\"empty\">Nothing to compare: the workspace has neither real nor generated rows here.</p>\n</section>\n");
        return;
    }
    summary(h, p, &mean, available);
    h.push_str("<div class=\"cards\">\n");
    for a in &p.aspects {
        card(h, &p.platform, a);
    }
    h.push_str("</div>\n</section>\n");
}

/// The scores at a glance, each aspect linking to its chart.
fn summary(h: &mut String, p: &wit::PlatformFidelity, mean: &str, available: usize) {
    h.push_str("<table class=\"summary\">\n<thead><tr><th>aspect</th><th>metric</th><th class=\"num\">score</th><th></th>");
    h.push_str("<th class=\"num\">rows real</th><th class=\"num\">rows generated</th></tr></thead>\n<tbody>\n");
    for a in &p.aspects {
        let score = a.score.map_or("n/a".to_string(), |s| format!("{s:.3}"));
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td class=\"num\">{score}</td><td>{}</td><td class=\"num\">{} {}</td><td class=\"num\">{} {}</td></tr>",
            anchor(&p.platform, &a.aspect),
            esc(&a.aspect),
            esc(&a.metric),
            meter(a.score),
            a.real_rows,
            esc(&a.unit),
            a.generated_rows,
            esc(&a.unit)
        );
    }
    let _ = writeln!(
        h,
        "</tbody>\n<tfoot><tr><td>mean of {available} of {}</td><td></td><td class=\"num\">{mean}</td><td>{}</td><td></td><td></td></tr></tfoot>\n</table>",
        p.aspects.len(),
        meter(p.mean)
    );
}

/// A score as a small horizontal bar: an empty track when there is none,
/// so every row of the table reads the same way.
fn meter(score: Option<f64>) -> String {
    let (label, width) = match score {
        Some(s) => (format!("{s:.3}"), s.clamp(0.0, 1.0) * 100.0),
        None => ("not available".to_string(), 0.0),
    };
    format!(
        "<svg class=\"meter\" viewBox=\"0 0 100 8\" width=\"100\" height=\"8\" role=\"img\" aria-label=\"{label}\"><rect width=\"100\" height=\"8\" fill=\"#e3e6ea\"/><rect width=\"{width:.1}\" height=\"8\" fill=\"#4a5562\"/></svg>"
    )
}

/// One aspect: title, score, rows on each side, the chart and its note.
fn card(h: &mut String, platform: &str, a: &wit::AspectScore) {
    let _ = writeln!(h, "<article class=\"card\" id=\"{}\">", anchor(platform, &a.aspect));
    let score = a.score.map_or("n/a".to_string(), |s| format!("{s:.3}"));
    let _ = writeln!(h, "<h3>{} <span class=\"score\">{} <b>{score}</b></span></h3>", esc(&a.aspect), esc(&a.metric));
    let _ = writeln!(
        h,
        "<p class=\"rows\"><span class=\"key real\"></span>existing {} {} · <span class=\"key generated\"></span>generated {} {} · <code>{}</code></p>",
        a.real_rows,
        esc(&a.unit),
        a.generated_rows,
        esc(&a.unit),
        esc(&a.column)
    );
    if a.bins.is_empty() {
        h.push_str("<p class=\"empty\">No chart: nothing to compare on one side.</p>\n");
    } else if a.metric == "CorrelationSimilarity" {
        h.push_str(&correlations(&a.aspect, &a.bins));
    } else {
        h.push_str(&chart(&a.aspect, &a.bins, horizontal(a)));
    }
    if let Some(note) = &a.note {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(note));
    }
    h.push_str("</article>\n");
}

/// Categories with long names read better as rows than as columns.
fn horizontal(a: &wit::AspectScore) -> bool {
    a.bins.iter().all(|b| b.low.is_none()) && a.bins.iter().any(|b| b.label.chars().count() > 4)
}

const WIDTH: f64 = 640.0;
/// Roughly the width of one character of the charts' 11-unit sans-serif.
const CHAR: f64 = 6.3;

/// The two sides as grouped bars: columns (numbers, hours, weekdays) or rows
/// (named categories).
fn chart(aspect: &str, bins: &[wit::DistributionBin], horizontal: bool) -> String {
    let top = bins.iter().map(|b| b.real.max(b.generated)).fold(0.0, f64::max);
    let (step, max) = scale(top);
    let mut s = String::new();
    let tip = |b: &wit::DistributionBin| format!("{}: existing {}, generated {}", esc(&b.label), pct(b.real), pct(b.generated));
    if horizontal {
        let longest = bins.iter().map(|b| b.label.chars().count().min(28)).max().unwrap_or(4) as f64;
        let (left, right, top_m, row) = ((longest * CHAR + 12.0).clamp(60.0, 200.0), 16.0, 8.0, 22.0);
        let plot = WIDTH - left - right;
        let height = top_m + row * bins.len() as f64 + 24.0;
        let _ = write!(
            s,
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}: existing and generated shares per category\">",
            esc(aspect)
        );
        let bottom = top_m + row * bins.len() as f64;
        for k in 0..=((max / step).round() as usize) {
            let x = left + plot * (k as f64 * step) / max;
            let _ = write!(s, "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{top_m}\" x2=\"{x:.1}\" y2=\"{bottom}\"/>");
            let _ = write!(
                s,
                "<text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                bottom + 14.0,
                pct_tick(k as f64 * step)
            );
        }
        for (i, b) in bins.iter().enumerate() {
            let y = top_m + row * i as f64;
            let label = short(&b.label, 28);
            let _ = write!(
                s,
                "<g><title>{}</title><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                tip(b),
                left - 6.0,
                y + 14.5,
                esc(&label)
            );
            for (value, colour, dy) in [(b.real, REAL, 3.0), (b.generated, GENERATED, 11.0)] {
                let w = plot * value / max;
                let _ = write!(s, "<rect x=\"{left:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"8\" fill=\"{colour}\"/>", y + dy);
            }
            s.push_str("</g>");
        }
        let _ = write!(s, "<line class=\"axis\" x1=\"{left:.1}\" y1=\"{top_m}\" x2=\"{left:.1}\" y2=\"{bottom}\"/>");
    } else {
        let (left, right, top_m, plot_h) = (44.0, 8.0, 8.0, 170.0);
        let plot = WIDTH - left - right;
        let height = top_m + plot_h + 26.0;
        let bottom = top_m + plot_h;
        let _ = write!(
            s,
            "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}: existing and generated shares per bin\">",
            esc(aspect)
        );
        for k in 0..=((max / step).round() as usize) {
            let y = bottom - plot_h * (k as f64 * step) / max;
            let _ = write!(s, "<line class=\"grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>", WIDTH - right);
            let _ = write!(
                s,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                left - 4.0,
                y + 4.0,
                pct_tick(k as f64 * step)
            );
        }
        // Few bins get bars of a sensible width, centred, not walls.
        let group = (plot / bins.len() as f64).min(72.0);
        let start = left + (plot - group * bins.len() as f64) / 2.0;
        // Every k-th label, so that labels never overlap.
        let longest = bins.iter().map(|b| b.label.chars().count()).max().unwrap_or(1) as f64;
        let every = ((longest * CHAR + 8.0) / group).ceil().max(1.0) as usize;
        for (i, b) in bins.iter().enumerate() {
            let x = start + group * i as f64;
            let _ = write!(s, "<g><title>{}</title>", tip(b));
            for (value, colour, dx) in [(b.real, REAL, 0.1), (b.generated, GENERATED, 0.5)] {
                let bh = plot_h * value / max;
                let _ = write!(
                    s,
                    "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{bh:.2}\" fill=\"{colour}\"/>",
                    x + group * dx,
                    bottom - bh,
                    group * 0.4
                );
            }
            s.push_str("</g>");
            if i % every == 0 {
                let _ = write!(
                    s,
                    "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    x + group / 2.0,
                    bottom + 14.0,
                    esc(&b.label)
                );
            }
        }
        let _ = write!(s, "<line class=\"axis\" x1=\"{left}\" y1=\"{bottom}\" x2=\"{:.1}\" y2=\"{bottom}\"/>", WIDTH - right);
    }
    s.push_str("</svg>\n");
    s
}

/// A column-pair trend: each side's correlation as a bar from 0 on an axis
/// from -1 to 1.
fn correlations(aspect: &str, bins: &[wit::DistributionBin]) -> String {
    let (left, right, row) = (110.0, 16.0, 22.0);
    let plot = WIDTH - left - right;
    let x = |r: f64| left + plot * (r.clamp(-1.0, 1.0) + 1.0) / 2.0;
    let height = 8.0 + 2.0 * row + 24.0;
    let bottom = 8.0 + 2.0 * row;
    let mut s = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"{}: the correlation on each side\">",
        esc(aspect)
    );
    for k in 0..=4 {
        let r = -1.0 + 0.5 * f64::from(k);
        let _ = write!(s, "<line class=\"grid\" x1=\"{0:.1}\" y1=\"8\" x2=\"{0:.1}\" y2=\"{bottom}\"/>", x(r));
        let _ = write!(s, "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{r:+.1}</text>", x(r), bottom + 14.0);
    }
    let b = bins.first().map_or((0.0, 0.0), |b| (b.real, b.generated));
    for (i, (label, r, colour)) in [("existing", b.0, REAL), ("generated", b.1, GENERATED)].into_iter().enumerate() {
        let y = 8.0 + row * i as f64;
        let (from, to) = (x(0.0).min(x(r)), x(0.0).max(x(r)));
        let _ = write!(
            s,
            "<g><title>{label}: correlation {r:+.3}</title><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{label} {r:+.2}</text><rect x=\"{from:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"12\" fill=\"{colour}\"/></g>",
            left - 6.0,
            y + 13.0,
            y + 3.0,
            (to - from).max(1.0)
        );
    }
    let _ = write!(s, "<line class=\"axis\" x1=\"{0:.1}\" y1=\"8\" x2=\"{0:.1}\" y2=\"{bottom}\"/>", x(0.0));
    s.push_str("</svg>\n");
    s
}

/// A tick step and the axis' end for shares up to `top`: at most about five
/// gridlines at round percentages.
fn scale(top: f64) -> (f64, f64) {
    let top = top.clamp(0.001, 1.0);
    let step = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25].into_iter().find(|s| top / s <= 5.0).unwrap_or(0.25);
    (step, (top / step).ceil().max(1.0) * step)
}

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn pct_tick(share: f64) -> String {
    let p = share * 100.0;
    if (p - p.round()).abs() < 1e-9 { format!("{p:.0}%") } else { format!("{p:.1}%") }
}

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max { label.to_string() } else { format!("{}…", label.chars().take(max - 1).collect::<String>()) }
}

/// An id for links within the page: letters, digits and dashes only.
fn anchor(platform: &str, aspect: &str) -> String {
    let raw = if aspect.is_empty() { platform.to_string() } else { format!("{platform}-{aspect}") };
    raw.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

/// Text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no business in a page.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const LEGEND: &str = "<p class=\"legend\"><span class=\"key real\"></span>existing rows (the workspace's own) \
<span class=\"key generated\"></span>generated rows</p>\n";

/// Screen and print styles. System fonts only; colours kept when printing.
const STYLE: &str = r#"<style>
:root { --real: #2f6aa8; --generated: #e58a1f; --ink: #1d232a; --muted: #5b6673; --line: #d8dde3; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 24px; color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
h2 .mean { font-size: 14px; font-weight: normal; color: var(--muted); margin-left: 12px; }
h3 { font-size: 15px; margin: 0 0 2px; display: flex; justify-content: space-between; gap: 12px; }
h3 .score { font-weight: normal; color: var(--muted); white-space: nowrap; }
h3 .score b { color: var(--ink); font-size: 17px; }
.meta, .explain, .legend { margin: 4px 0; color: var(--muted); }
.explain { max-width: 900px; }
.key { display: inline-block; width: 11px; height: 11px; margin: 0 5px -1px 0; border-radius: 2px; }
.legend .key.generated { margin-left: 16px; }
.key.real { background: var(--real); }
.key.generated { background: var(--generated); }
table.summary { border-collapse: collapse; margin: 8px 0 16px; }
table.summary th, table.summary td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
table.summary th { font-weight: 600; color: var(--muted); }
table.summary tfoot td { font-weight: 600; border-bottom: none; border-top: 2px solid var(--ink); }
.num { text-align: right !important; font-variant-numeric: tabular-nums; }
a { color: inherit; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; break-inside: avoid; page-break-inside: avoid; }
.rows { margin: 0 0 6px; color: var(--muted); font-size: 12.5px; }
.rows code { font-size: 11.5px; }
.note, .empty { color: var(--muted); font-size: 12.5px; margin: 6px 0 0; }
.warnings { border-left: 4px solid #b8860b; padding: 2px 12px; background: #fff8e6; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: var(--muted); }
svg.chart text.label { fill: var(--ink); }
svg.chart line.grid { stroke: var(--line); stroke-width: 1; }
svg.chart line.axis { stroke: var(--muted); stroke-width: 1; }
svg.meter { vertical-align: middle; }
@media print {
  @page { size: A4; margin: 12mm; }
  body { padding: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  .cards { display: block; }
  .card { margin: 0 0 10px; }
  a { text-decoration: none; }
}
</style>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(label: &str, low: Option<f64>, real: f64, generated: f64) -> wit::DistributionBin {
        wit::DistributionBin { label: label.into(), low, high: None, real, generated }
    }

    fn aspect(name: &str, metric: &str, score: Option<f64>, bins: Vec<wit::DistributionBin>) -> wit::AspectScore {
        wit::AspectScore {
            aspect: name.into(),
            column: "dm_orders_shopify.x".into(),
            metric: metric.into(),
            score,
            unit: "orders".into(),
            real_rows: 40,
            generated_rows: 200,
            note: score.is_none().then(|| "not available: no real rows".to_string()),
            bins,
        }
    }

    fn report() -> wit::FidelityReport {
        wit::FidelityReport {
            environment: "local".into(),
            workspace_id: "ws-<1>".into(),
            run_id: None,
            platforms: vec![wit::PlatformFidelity {
                platform: "shopify".into(),
                aspects: vec![
                    aspect(
                        "order subtotal",
                        "KSComplement",
                        Some(0.8),
                        vec![bin("0-50", Some(0.0), 0.5, 0.25), bin("50+", Some(50.0), 0.5, 0.75)],
                    ),
                    aspect(
                        "status mix",
                        "TVComplement",
                        Some(0.9),
                        vec![bin("paid/<script>alert(1)</script>", None, 0.7, 0.6), bin("refunded & gone", None, 0.3, 0.4)],
                    ),
                    aspect("discount share", "KSComplement", None, vec![]),
                    aspect("units ~ unit price", "CorrelationSimilarity", Some(0.95), vec![bin("Pearson correlation", None, -0.4, -0.3)]),
                ],
                mean: Some(0.85),
            }],
            warnings: vec!["a \"warning\"".into()],
        }
    }

    #[test]
    fn one_chart_per_aspect_with_data_and_everything_escaped() {
        let page = page(&report());
        assert_eq!(page.matches("<svg class=\"chart\"").count(), 3);
        assert_eq!(page.matches("<article class=\"card\"").count(), 4);
        assert!(page.contains("existing -0.40") && page.contains("generated -0.30"), "a pair's correlations");
        assert!(!page.contains("<script"), "labels are text, not markup");
        assert!(page.contains("paid/&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("refunded &amp; gone") && page.contains("ws-&lt;1&gt;") && page.contains("a &quot;warning&quot;"));
        assert!(page.contains("<b>0.850</b>") && page.contains("<b>0.800</b>") && page.contains("not available: no real rows"));
        assert!(!page.contains("http://") && !page.contains("https://"), "nothing from elsewhere");
        assert!(page.contains("@media print"));
    }

    #[test]
    fn shares_map_onto_the_axis() {
        // 75% is the tallest bar: the axis ends at 80% in 20% steps.
        assert_eq!(scale(0.75), (0.2, 0.8));
        assert_eq!(scale(0.031), (0.01, 0.04));
        let (step, max) = scale(1.0);
        assert!((max - 1.0).abs() < 1e-9 && (step - 0.2).abs() < 1e-9);
        assert_eq!(pct_tick(0.2), "20%");
        assert_eq!(pct_tick(0.005), "0.5%");
    }

    #[test]
    fn names_become_anchors_and_long_labels_shrink() {
        assert_eq!(anchor("google-ads", "click-through rate"), "google-ads-click-through-rate");
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(esc("a\u{1b}[31m"), "a\u{fffd}[31m");
    }
}
