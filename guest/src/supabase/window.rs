//! How many insert requests to keep in flight: as many as the warehouse
//! takes without pushing back. Near, one or two are enough; tens of
//! milliseconds away, a fixed handful leaves the link idle. The window starts
//! at four (as few as a near server needs, and a round trip sooner at the
//! cap than two) and doubles per round of successes (slow start) until the server
//! first pushes back (429, 503, 504, a lost connection); from then on it
//! grows by one per round (additive increase) and halves at each push-back
//! (multiplicative decrease), never past the cap.

#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    size: f64,
    cap: f64,
    slow_start: bool,
    /// The largest window used.
    pub peak: usize,
    /// Push-backs seen (each halved the window).
    pub shrinks: u32,
}

/// Requests in flight at most, unless the caller asks otherwise.
pub const DEFAULT_CAP: usize = 16;

impl Window {
    pub fn new(cap: usize) -> Window {
        let cap = cap.max(1) as f64;
        let size = cap.min(4.0);
        Window { size, cap, slow_start: true, peak: size as usize, shrinks: 0 }
    }

    /// Requests that may be in flight now.
    pub fn limit(&self) -> usize {
        self.size.floor().max(1.0) as usize
    }

    /// A request landed.
    pub fn landed(&mut self) {
        let step = if self.slow_start { 1.0 } else { 1.0 / self.size };
        self.size = (self.size + step).min(self.cap);
        self.peak = self.peak.max(self.limit());
    }

    /// The server pushed back: half as many from now on.
    pub fn pushed_back(&mut self) {
        self.slow_start = false;
        self.size = (self.size / 2.0).max(1.0);
        self.shrinks += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_fast_then_halves_and_grows_slowly() {
        let mut w = Window::new(16);
        assert_eq!(w.limit(), 4);
        for _ in 0..12 {
            w.landed();
        }
        assert_eq!((w.limit(), w.peak), (16, 16), "slow start reaches the cap quickly");
        w.pushed_back();
        assert_eq!(w.limit(), 8);
        for _ in 0..9 {
            w.landed();
        }
        assert_eq!(w.limit(), 9, "about one more per round once the server has pushed back");
        for _ in 0..10 {
            w.pushed_back();
        }
        assert_eq!((w.limit(), w.shrinks), (1, 11), "never below one");
        assert_eq!(Window::new(1).limit(), 1);
    }
}
