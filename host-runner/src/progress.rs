//! Rendering the component's progress and log lines on stderr: one
//! indicatif bar per table on a terminal, plain lines otherwise (so logs
//! and CI output stay readable). stdout is kept for results.

use std::collections::HashMap;
use std::io::IsTerminal;

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
}

impl Progress {
    /// `quiet`: only warnings and errors (for --json output).
    pub fn new(verbose: bool, quiet: bool) -> Progress {
        let bars_on = std::io::stderr().is_terminal() && !quiet;
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
        }
    }

    /// Also reports to an MCP client (see `notify`).
    pub fn notifying(mut self, notifier: crate::notify::Notifier) -> Progress {
        self.notifier = Some(notifier);
        self
    }

    pub fn update(&mut self, table: &str, done: u64, total: u64) {
        if let Some(n) = &mut self.notifier {
            n.progress(table, done, total, std::time::Instant::now());
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
