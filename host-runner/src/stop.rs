//! Stopping a tool call: on SIGINT/SIGTERM (Ctrl-C on Windows), when its
//! deadline passes, or when an MCP client cancels it. The call first goes to
//! `Stopping`: the gate refuses new writes and cuts the reads in flight (the
//! component fails as on any failure and rolls its run back, its DELETEs
//! still going through). After a grace period it is `Sealed`: every request
//! is refused or cut, and wasm execution traps at its next epoch check. A
//! call still stuck in a host wait after that is given up (`Watchdog`'s
//! `on_stuck`: the CLI ends the process, naming the run to clean).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use wasmtime::Engine;

use crate::sandbox::rules;

/// How far a call's stop has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Running,
    Stopping,
    Sealed,
}

/// One call's stop state, shared by the gate, the watchdog and the host.
pub struct Stop {
    level: watch::Sender<Level>,
    why: Mutex<Option<String>>,
    /// The component's "run N ... to remove it: ..." line, once logged.
    pub run_note: Mutex<Option<String>>,
}

impl Default for Stop {
    fn default() -> Stop {
        Stop { level: watch::Sender::new(Level::Running), why: Mutex::default(), run_note: Mutex::default() }
    }
}

impl Stop {
    pub fn level(&self) -> Level {
        *self.level.borrow()
    }

    pub fn writes_allowed(&self) -> bool {
        self.level() == Level::Running
    }

    pub fn requests_allowed(&self) -> bool {
        self.level() != Level::Sealed
    }

    /// Why the call is being stopped, if it is.
    pub fn reason(&self) -> Option<String> {
        self.why.lock().ok().and_then(|w| w.clone())
    }

    /// Starts stopping (the first reason is kept).
    pub fn begin(&self, why: String) {
        let started = self.level.send_if_modified(|l| {
            let running = *l == Level::Running;
            if running {
                *l = Level::Stopping;
            }
            running
        });
        if started && let Ok(mut w) = self.why.lock() {
            *w = Some(why);
        }
    }

    pub fn seal(&self) {
        self.level.send_if_modified(|l| {
            let changed = *l != Level::Sealed;
            *l = Level::Sealed;
            changed
        });
    }

    /// Resolves once the stop has reached `level`.
    pub async fn reached(&self, level: Level) {
        let mut rx = self.level.subscribe();
        let _ = rx.wait_for(|l| *l >= level).await;
    }

    /// What to tell the user about the run when a call was stopped.
    pub fn run_advice(&self) -> Option<String> {
        self.run_note.lock().ok().and_then(|n| n.clone())
    }
}

/// SIGINT and SIGTERM (Ctrl-C and Ctrl-Break on Windows), through
/// signal-hook: installed once, read by every watchdog.
pub mod signals {
    use super::*;

    struct Seen {
        /// Set by the handler, cleared when counted: a second signal sets it again.
        raised: Arc<AtomicBool>,
        last: Arc<AtomicUsize>,
        count: AtomicUsize,
    }

    static SEEN: OnceLock<Seen> = OnceLock::new();

    /// Catches the signals from now on (instead of dying at once).
    pub fn install() {
        SEEN.get_or_init(|| {
            let seen = Seen { raised: Arc::default(), last: Arc::default(), count: AtomicUsize::new(0) };
            // Ctrl-Break on Windows arrives as SIGBREAK.
            #[cfg(windows)]
            let caught = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM, signal_hook::consts::SIGBREAK];
            #[cfg(not(windows))]
            let caught = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];
            for signal in caught {
                // The last signal first: once `raised` is seen, `last` is set.
                let _ = signal_hook::flag::register_usize(signal, seen.last.clone(), signal as usize);
                let _ = signal_hook::flag::register(signal, seen.raised.clone());
            }
            seen
        });
    }

    /// Signals received so far.
    pub fn count() -> usize {
        let Some(seen) = SEEN.get() else { return 0 };
        if seen.raised.swap(false, Ordering::SeqCst) {
            seen.count.fetch_add(1, Ordering::SeqCst);
        }
        seen.count.load(Ordering::SeqCst)
    }

    /// The exit code for a process stopped by a signal (128 + signal), if one came.
    pub fn exit_code() -> Option<u8> {
        (count() > 0).then(|| {
            let last = SEEN.get().map_or(0, |s| s.last.load(Ordering::SeqCst));
            (128 + last).min(255) as u8
        })
    }
}

/// Watches one call: its deadline, the process's signals and the call's own
/// stop (a cancel), and moves the stop on.
pub struct Watchdog {
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

/// What to do with a call that did not end after being sealed.
pub type OnStuck = Box<dyn FnOnce(&Stop) + Send>;

impl Watchdog {
    pub fn start(engine: Engine, stop: Arc<Stop>, deadline: Duration, on_stuck: OnStuck) -> Watchdog {
        signals::install();
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = done.clone();
        let signals_before = signals::count();
        let thread = std::thread::spawn(move || watch(&engine, &stop, deadline, signals_before, on_stuck, &flag));
        Watchdog { done, thread: Some(thread) }
    }
}

fn watch(engine: &Engine, stop: &Stop, deadline: Duration, signals_before: usize, on_stuck: OnStuck, done: &(Mutex<bool>, Condvar)) {
    let started = Instant::now();
    let calls = &rules().calls;
    let grace = calls.grace(deadline);
    let (mut stopping_since, mut sealed_since) = (None, None);
    let mut on_stuck = Some(on_stuck);
    loop {
        let Ok(guard) = done.0.lock() else { return };
        let Ok((guard, _)) = done.1.wait_timeout(guard, Duration::from_millis(50)) else { return };
        if *guard {
            return;
        }
        drop(guard);
        let now = Instant::now();
        let signals = signals::count().saturating_sub(signals_before);
        if stop.level() == Level::Running && (signals > 0 || now.duration_since(started) >= deadline) {
            let why = if signals > 0 {
                "interrupted".to_string()
            } else {
                format!("the call passed its deadline of {} s (--timeout)", deadline.as_secs())
            };
            stop.begin(why);
        }
        if stopping_since.is_none() && stop.level() >= Level::Stopping {
            let why = stop.reason().unwrap_or_default();
            eprintln!("{why}: stopping writes; this run's rows are being removed (interrupt again to quit at once)");
            stopping_since = Some(now);
        }
        if let Some(since) = stopping_since
            && sealed_since.is_none()
            && (signals > 1 || now.duration_since(since) >= grace || stop.level() == Level::Sealed)
        {
            stop.seal();
            // Every store's epoch callback looks at its own stop: only this one traps.
            engine.increment_epoch();
            sealed_since = Some(now);
        }
        if let Some(since) = sealed_since
            && now.duration_since(since) >= calls.last_wait()
            && let Some(f) = on_stuck.take()
        {
            f(stop);
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Ok(mut d) = self.done.0.lock() {
            *d = true;
        }
        self.done.1.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The CLI's way with a stuck call: end the process, naming the run to
/// clean (with `json`, also as the one JSON object on stdout).
pub fn exit_when_stuck(json: bool) -> OnStuck {
    Box::new(move |stop: &Stop| {
        eprintln!("error: the call did not stop; quitting.");
        if let Some(note) = stop.run_advice() {
            eprintln!("{note}");
        }
        if json {
            let message =
                format!("the call did not stop ({}); {}", stop.reason().unwrap_or_default(), stop.run_advice().unwrap_or_default());
            println!("{}", serde_json::json!({"success": false, "error": {"kind": "host", "message": message}}));
        }
        std::process::exit(i32::from(signals::exit_code().unwrap_or(124)));
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_stop_before_requests() {
        let s = Stop::default();
        assert!(s.writes_allowed() && s.requests_allowed());
        s.begin("interrupted".into());
        s.begin("a later reason".into());
        assert!(!s.writes_allowed() && s.requests_allowed(), "deletes still go through");
        s.seal();
        assert!(!s.requests_allowed());
        assert_eq!(s.reason().as_deref(), Some("interrupted"));
    }

    #[test]
    fn waiters_wake_at_their_level() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let s = Arc::new(Stop::default());
        rt.block_on(async {
            let sealed = tokio::spawn({
                let s = s.clone();
                async move { s.reached(Level::Sealed).await }
            });
            let stopping = tokio::spawn({
                let s = s.clone();
                async move { s.reached(Level::Stopping).await }
            });
            tokio::task::yield_now().await;
            s.begin("cancelled".into());
            tokio::time::timeout(Duration::from_secs(1), stopping).await.unwrap().unwrap();
            assert!(!sealed.is_finished());
            s.seal();
            tokio::time::timeout(Duration::from_secs(1), sealed).await.unwrap().unwrap();
            // Already there: at once.
            tokio::time::timeout(Duration::from_millis(10), s.reached(Level::Stopping)).await.unwrap();
        });
    }

    #[test]
    fn a_stopped_call_is_sealed_after_its_grace_and_given_up_after_that() {
        let stop = Arc::new(Stop::default());
        let stuck = Arc::new(AtomicBool::new(false));
        let seen = stuck.clone();
        let engine = Engine::default();
        let started = Instant::now();
        let dog = Watchdog::start(engine, stop.clone(), Duration::from_millis(100), Box::new(move |_| seen.store(true, Ordering::SeqCst)));
        let grace = rules().calls.grace(Duration::from_millis(100));
        while !stuck.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(dog);
        assert!(stuck.load(Ordering::SeqCst), "given up");
        assert_eq!(stop.level(), Level::Sealed);
        assert!(stop.reason().unwrap().contains("deadline"));
        assert!(started.elapsed() >= grace + rules().calls.last_wait(), "{:?}", started.elapsed());
    }
}
