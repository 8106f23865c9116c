//! The window of outstanding SUBSCRIBE transactions (AIMD, like TCP's
//! congestion window): the next request goes out as soon as one completes;
//! 503, 408 and timeouts halve the window, successes grow it back by one per
//! window's worth of answers. Until the first answer only one request is in
//! flight, so a server that challenges costs one 401, not a thousand.

#[derive(Debug, Clone)]
pub struct Window {
    max: usize,
    limit: f64,
    in_flight: usize,
    probing: bool,
}

impl Window {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Window {
            max,
            limit: max as f64,
            in_flight: 0,
            probing: true,
        }
    }

    /// May another request be sent now?
    pub fn can_send(&self) -> bool {
        let limit = if self.probing { 1 } else { self.limit as usize };
        self.in_flight < limit.max(1)
    }

    pub fn on_send(&mut self) {
        self.in_flight += 1;
    }

    /// A transaction ended well (any final answer that is not overload).
    pub fn on_success(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.probing = false;
        self.limit = (self.limit + 1.0 / self.limit).min(self.max as f64);
    }

    /// 503, 408 or a timeout: shrink.
    pub fn on_overload(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.probing = false;
        self.limit = (self.limit / 2.0).max(1.0);
    }

    /// A transaction ended without telling us anything about load (e.g. we
    /// dropped it because the transport was lost).
    pub fn on_abandon(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Start over with a single probe (after the server was lost).
    pub fn reset(&mut self) {
        self.probing = true;
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    pub fn limit(&self) -> usize {
        if self.probing { 1 } else { self.limit as usize }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_with_one_then_opens_and_shrinks_on_overload() {
        let mut w = Window::new(64);
        assert!(w.can_send());
        w.on_send();
        assert!(!w.can_send(), "only one probe before the first answer");
        w.on_success();
        assert_eq!(w.limit(), 64);
        for _ in 0..64 {
            assert!(w.can_send());
            w.on_send();
        }
        assert!(!w.can_send(), "never more than the window");
        w.on_overload();
        assert_eq!(w.limit(), 32);
        assert!(!w.can_send(), "63 in flight > 32");
        for _ in 0..10 {
            w.on_overload();
        }
        assert_eq!(w.limit(), 1, "never below one");
    }
}
