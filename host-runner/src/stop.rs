//! Stopping a tool call: on SIGINT/SIGTERM, or when its deadline passes, the
//! gate first refuses further writes (the component fails as on any write
//! failure and rolls its run back, its DELETEs still going through); after a
//! grace period wasm execution is interrupted (epoch) and every request is
//! refused; a call still stuck in a host wait after that ends the process,
//! naming the run to clean.

use std::sync::atomic::{AtomicI32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmtime::Engine;

const RUNNING: u8 = 0;
const STOPPING: u8 = 1;
const SEALED: u8 = 2;
/// After sealing, how long a call stuck outside wasm gets before the process ends.
const LAST_WAIT: Duration = Duration::from_secs(5);

/// One call's stop state, shared by the gate, the watchdog and the host.
#[derive(Default)]
pub struct Stop {
    state: AtomicU8,
    why: Mutex<Option<String>>,
    /// The component's "run N ... to remove it: ..." line, once logged.
    pub run_note: Mutex<Option<String>>,
}

impl Stop {
    pub fn writes_allowed(&self) -> bool {
        self.state.load(Ordering::SeqCst) == RUNNING
    }

    pub fn requests_allowed(&self) -> bool {
        self.state.load(Ordering::SeqCst) != SEALED
    }

    /// Why the call is being stopped, if it is.
    pub fn reason(&self) -> Option<String> {
        self.why.lock().ok().and_then(|w| w.clone())
    }

    pub(crate) fn begin(&self, why: String) {
        if self.state.compare_exchange(RUNNING, STOPPING, Ordering::SeqCst, Ordering::SeqCst).is_ok()
            && let Ok(mut w) = self.why.lock()
        {
            *w = Some(why);
        }
    }

    pub(crate) fn seal(&self) {
        self.state.store(SEALED, Ordering::SeqCst);
    }

    /// What to tell the user about the run when a call was stopped.
    pub fn run_advice(&self) -> Option<String> {
        self.run_note.lock().ok().and_then(|n| n.clone())
    }
}

static SIGNALS: AtomicUsize = AtomicUsize::new(0);
static LAST_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(signal: libc::c_int) {
    // Only atomics here: the watchdog thread does the rest.
    LAST_SIGNAL.store(signal, Ordering::SeqCst);
    SIGNALS.fetch_add(1, Ordering::SeqCst);
}

fn set_handlers(handler: libc::sighandler_t) {
    // SAFETY: installs a handler that only stores to atomics (async-signal
    // safe), or restores the default action.
    unsafe {
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// The exit code for a call stopped by a signal (128 + signal), if one came.
pub fn signal_exit_code() -> Option<u8> {
    (SIGNALS.load(Ordering::SeqCst) > 0).then(|| (128 + LAST_SIGNAL.load(Ordering::SeqCst)).clamp(0, 255) as u8)
}

/// How long writes may be stopped before wasm is interrupted: a quarter of
/// the deadline, between 2 s and 2 minutes (room for the run's DELETEs).
pub fn grace(deadline: Duration) -> Duration {
    (deadline / 4).clamp(Duration::from_secs(2), Duration::from_secs(120))
}

/// Watches one call: its deadline and the signals.
pub struct Watchdog {
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    pub fn start(engine: Engine, stop: Arc<Stop>, deadline: Duration) -> Watchdog {
        SIGNALS.store(0, Ordering::SeqCst);
        set_handlers(on_signal as *const () as libc::sighandler_t);
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = done.clone();
        let thread = std::thread::spawn(move || watch(&engine, &stop, deadline, &flag));
        Watchdog { done, thread: Some(thread) }
    }
}

fn watch(engine: &Engine, stop: &Stop, deadline: Duration, done: &(Mutex<bool>, Condvar)) {
    let started = Instant::now();
    let grace = grace(deadline);
    let (mut stopping_since, mut sealed_since) = (None, None);
    loop {
        let Ok(guard) = done.0.lock() else { return };
        let Ok((guard, _)) = done.1.wait_timeout(guard, Duration::from_millis(50)) else { return };
        if *guard {
            return;
        }
        drop(guard);
        let now = Instant::now();
        let signals = SIGNALS.load(Ordering::SeqCst);
        if stopping_since.is_none() && (signals > 0 || now.duration_since(started) >= deadline) {
            let why = if signals > 0 {
                "interrupted".to_string()
            } else {
                format!("the call passed its deadline of {} s (--timeout)", deadline.as_secs())
            };
            eprintln!("{why}: stopping writes; this run's rows are being removed (interrupt again to quit at once)");
            stop.begin(why);
            stopping_since = Some(now);
        }
        if let Some(since) = stopping_since
            && sealed_since.is_none()
            && (signals > 1 || now.duration_since(since) >= grace)
        {
            stop.seal();
            engine.increment_epoch();
            sealed_since = Some(now);
        }
        if let Some(since) = sealed_since
            && now.duration_since(since) >= LAST_WAIT
        {
            eprintln!("error: the call did not stop; quitting.");
            if let Some(note) = stop.run_advice() {
                eprintln!("{note}");
            }
            std::process::exit(i32::from(signal_exit_code().unwrap_or(124)));
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
        set_handlers(libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_stop_before_requests() {
        let s = Stop::default();
        assert!(s.writes_allowed() && s.requests_allowed());
        s.begin("interrupted".into());
        assert!(!s.writes_allowed() && s.requests_allowed(), "deletes still go through");
        s.seal();
        assert!(!s.requests_allowed());
        assert_eq!(s.reason().as_deref(), Some("interrupted"));
    }

    #[test]
    fn grace_is_bounded() {
        assert_eq!(grace(Duration::from_secs(1)), Duration::from_secs(2));
        assert_eq!(grace(Duration::from_secs(3600)), Duration::from_secs(120));
    }
}
