//! Rendering the component's progress and log lines on stderr: one
//! indicatif bar per table on a terminal; otherwise (an agent running the
//! CLI through a shell, CI logs) plain progress lines, at most one a second:
//! table, rows, percent, time left. stdout is kept for results. The MCP
//! server reports progress as notifications instead (`silent`).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runtime::wit::LogLevel;

pub struct Progress {
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    style: ProgressStyle,
    bars_on: bool,
    verbose: bool,
    quiet: bool,
    /// MCP progress notifications, when the client asked for them.
    notifier: Option<crate::notify::Notifier>,
    /// Plain progress lines, when stderr is no terminal.
    lines: Option<Lines>,
}

/// Plain progress lines: when each table started, and when the last line went out.
#[derive(Default)]
pub struct Lines {
    started: HashMap<String, Instant>,
    last: Option<Instant>,
}

/// At most one plain progress line this often.
const LINE_GAP: Duration = Duration::from_secs(1);

impl Lines {
    /// The line for `table` at `now`, if one is due.
    fn line(&mut self, table: &str, done: u64, total: u64, now: Instant) -> Option<String> {
        if !self.started.contains_key(table) && self.started.len() >= 64 {
            return None;
        }
        let started = *self.started.entry(table.to_string()).or_insert(now);
        if self.last.is_some_and(|last| now.duration_since(last) < LINE_GAP) || done == 0 {
            return None;
        }
        self.last = Some(now);
        let total = total.max(done);
        let percent = if total == 0 { 100 } else { done.saturating_mul(100) / total };
        let elapsed = now.duration_since(started).as_secs_f64();
        let left = if done >= total || elapsed <= 0.0 {
            String::new()
        } else {
            let secs = (total - done) as f64 * elapsed / done as f64;
            format!(", about {} left", human(secs))
        };
        Some(format!(
            "progress: {}: {} of {} rows ({percent}%){left}",
            table.trim_start_matches("semantic."),
            thousands(done),
            thousands(total)
        ))
    }
}

fn human(secs: f64) -> String {
    match secs.round() as u64 {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Progress {
    /// `quiet`: only warnings, errors and progress (for --json output).
    pub fn new(verbose: bool, quiet: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let mut p = Progress::drawing(verbose, quiet, terminal && !quiet);
        p.lines = (!terminal).then(Lines::default);
        p
    }

    /// No bars and no lines: the MCP server, whose stderr is the host's log.
    pub fn silent(verbose: bool) -> Progress {
        Progress::drawing(verbose, true, false)
    }

    fn drawing(verbose: bool, quiet: bool, bars_on: bool) -> Progress {
        let target = if bars_on { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        Progress {
            multi: MultiProgress::with_draw_target(target),
            bars: HashMap::new(),
            style: ProgressStyle::with_template("{prefix:>38} {bar:30.cyan/blue} {human_pos:>9}/{human_len:<9} {per_sec:>12} {eta}")
                .expect("a valid template")
                .progress_chars("=> "),
            bars_on,
            verbose,
            quiet,
            notifier: None,
            lines: None,
        }
    }

    /// Also reports to an MCP client (see `notify`).
    pub fn notifying(mut self, notifier: crate::notify::Notifier) -> Progress {
        self.notifier = Some(notifier);
        self
    }

    pub fn update(&mut self, table: &str, done: u64, total: u64) {
        if let Some(n) = &mut self.notifier {
            n.progress(table, done, total, Instant::now());
        }
        if let Some(line) = self.lines.as_mut().and_then(|l| l.line(table, done, total, Instant::now())) {
            eprintln!("{}", crate::text::clean(&line));
        }
        // At most a few dozen bars, whatever the component names.
        if !self.bars_on || (self.bars.len() >= 64 && !self.bars.contains_key(table)) {
            return;
        }
        let bar = self.bars.entry(table.to_string()).or_insert_with(|| {
            let b = self.multi.add(ProgressBar::new(total));
            b.set_style(self.style.clone());
            b.set_prefix(table.trim_start_matches("semantic.").to_string());
            b
        });
        bar.set_length(total.max(done));
        bar.set_position(done);
    }

    fn print(&self, line: &str) {
        let line = &*crate::text::clean(line);
        if self.bars_on {
            let _ = self.multi.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    pub fn log(&mut self, level: LogLevel, message: &str) {
        if let Some(n) = &mut self.notifier
            && !matches!(level, LogLevel::Debug)
        {
            let line = match level {
                LogLevel::Warn => format!("warning: {message}"),
                LogLevel::Error => format!("error: {message}"),
                _ => message.to_string(),
            };
            n.log(&line, std::time::Instant::now());
        }
        match level {
            LogLevel::Debug if self.verbose => self.print(&format!("debug: {message}")),
            LogLevel::Debug => {}
            LogLevel::Info if !self.quiet => self.print(message),
            LogLevel::Info => {}
            LogLevel::Warn => self.print(&format!("warning: {message}")),
            LogLevel::Error => self.print(&format!("error: {message}")),
        }
    }

    pub fn debug(&mut self, message: &str) {
        self.log(LogLevel::Debug, message);
    }

    /// Leaves the bars as they ended.
    pub fn finish(&mut self) {
        if let Some(n) = &mut self.notifier {
            n.finish(std::time::Instant::now());
        }
        for bar in self.bars.values() {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_at_most_once_a_second_with_percent_and_time_left() {
        let mut l = Lines::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(l.line("semantic.dm_orders_shopify", 0, 100_000, t0), None, "nothing done yet");
        let first = l.line("semantic.dm_orders_shopify", 10_000, 100_000, at(1000)).unwrap();
        assert_eq!(first, "progress: dm_orders_shopify: 10,000 of 100,000 rows (10%), about 9 s left");
        assert_eq!(l.line("semantic.dm_orders_shopify", 20_000, 100_000, at(1500)), None);
        assert_eq!(l.line("semantic.dm_order_items_shopify", 5, 10, at(1900)), None, "one a second over all tables");
        let later = l.line("semantic.dm_orders_shopify", 50_000, 100_000, at(2000)).unwrap();
        assert!(later.contains("(50%), about 2 s left"), "{later}");
        let done = l.line("semantic.dm_orders_shopify", 100_000, 100_000, at(200_000)).unwrap();
        assert!(done.ends_with("(100%)"), "{done}");
        assert_eq!(human(3725.0), "1 h 2 min");
    }
}
