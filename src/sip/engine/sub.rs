//! One subscription (one contact, one event package): its id, its dialog
//! and the phase it is in. The phase changes only through the methods
//! here (the one home of the lifecycle); the engine decides *when*.
//!
//! ```text
//!  Waiting --queue_*--> Queued --sending--> Sending --answered--> (decided)
//!     ^                                         |
//!     +------ wait <---- Established <- establish
//!  any --stop--> Stopped (final: not found, denied, shutting down)
//!  Covered --queue_initial--> Queued (a list member gets its own)
//! ```

use std::ops::{Index, IndexMut};
use std::time::{Duration, Instant};

use super::policy;
use super::stamp::{Stamp, stamp};

use crate::presence::ContactId;
use crate::presence::{EventKind, SubscriptionStatus};

/// What a subscription is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a slot in the window (initial or refresh request).
    Queued,
    /// A SUBSCRIBE transaction is in flight.
    Sending,
    /// The server accepted it; a refresh is scheduled.
    Established,
    /// Waiting out a backoff / Retry-After, or for the server to come back.
    Waiting,
    /// Final: not found, access denied, rejected, event not supported.
    Stopped,
    /// Covered by a resource list subscription (`list`): nothing is sent
    /// for it until the list loses it or falls back to single ones.
    Covered,
}

/// The SIP dialog a subscription lives in.
#[derive(Debug, Clone, Default)]
pub struct DialogIds {
    // `Box<str>`, not `String`: 30,000 subscriptions each keep these for
    // the whole day, and a `String`'s capacity word is 8 bytes each. The
    // Call-ID is shared with the engine's Call-ID map (one allocation).
    pub call_id: std::sync::Arc<str>,
    pub local_tag: Box<str>,
    pub remote_tag: Option<Box<str>>,
    /// The Contact of the server's 2xx/NOTIFY: where refreshes go.
    pub remote_target: Option<Box<str>>,
    pub local_cseq: u32,
    pub remote_cseq: Option<u32>,
    /// Route headers for in-dialog requests (RFC 3261 12.1.2: the 2xx's
    /// Record-Route reversed, or a dialog-creating NOTIFY's in order).
    pub route_set: Box<[String]>,
}

/// The entries of Record-Route header values (`<a;lr>, <b;lr>` → two),
/// splitting at commas outside angle brackets and quotes.
pub fn record_routes<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
        for (k, c) in value.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '<' if !quoted => depth += 1,
                '>' if !quoted => depth -= 1,
                ',' if !quoted && depth == 0 => {
                    out.push(value.get(start..k).unwrap_or("").trim().to_string());
                    start = k + 1;
                }
                _ => {}
            }
        }
        out.push(value.get(start..).unwrap_or("").trim().to_string());
    }
    out.retain(|r| !r.is_empty());
    out
}

/// A subscription's id: its index among the engine's subscriptions, fixed
/// for the engine's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubId(u32);

impl SubId {
    fn index(self) -> usize {
        self.0 as usize
    }

    /// The id as a number (the timer heap packs it into its entries).
    pub(super) fn raw(self) -> u32 {
        self.0
    }

    /// The id [`raw`](Self::raw) gave.
    pub(super) fn from_raw(raw: u32) -> Self {
        SubId(raw)
    }
}

/// Every subscription of an engine, addressed by [`SubId`].
#[derive(Debug, Clone)]
pub struct Subs(Vec<Sub>, Instant);

impl Subs {
    /// Room for `n` subscriptions: 30,000 of them are about 7 MB, so the
    /// engine sizes the table once instead of doubling past it. `epoch`:
    /// what the subscriptions' instants count from (see `stamp`).
    pub fn with_capacity(n: usize, epoch: Instant) -> Self {
        Subs(Vec::with_capacity(n), epoch)
    }

    /// What the subscriptions' instants count from: give it to the
    /// instant accessors of [`Sub`].
    pub fn epoch(&self) -> Instant {
        self.1
    }

    /// Adds `sub`; its id is returned.
    pub fn push(&mut self, sub: Sub) -> SubId {
        let id = SubId(u32::try_from(self.0.len()).unwrap_or(u32::MAX));
        self.0.push(sub);
        id
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, id: SubId) -> Option<&Sub> {
        self.0.get(id.index())
    }

    /// Every id (does not borrow: the engine mutates while iterating).
    pub fn ids(&self) -> impl Iterator<Item = SubId> + use<> {
        (0..u32::try_from(self.0.len()).unwrap_or(u32::MAX)).map(SubId)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Sub> {
        self.0.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Sub> {
        self.0.iter_mut()
    }
}

impl Index<SubId> for Subs {
    type Output = Sub;
    fn index(&self, id: SubId) -> &Sub {
        &self.0[id.index()]
    }
}

impl IndexMut<SubId> for Subs {
    fn index_mut(&mut self, id: SubId) -> &mut Sub {
        &mut self.0[id.index()]
    }
}

#[derive(Debug, Clone)]
pub struct Sub {
    pub contact: ContactId,
    pub event: EventKind,
    /// Which of the contact's lines (0: its own URI; 1..: `lines` entries):
    /// what it reports goes out wrapped in `EngineEvent::Line`.
    pub line: u16,
    /// The contact's URI (Request-URI and To of the initial SUBSCRIBE).
    /// Shared by the contact's subscriptions (one allocation per contact).
    pub uri: std::sync::Arc<str>,
    pub dialog: DialogIds,
    /// Changed only by the methods below.
    phase: Phase,
    /// True when the queued/in-flight request is an in-dialog refresh.
    pub refresh: bool,
    /// The status last reported to the store.
    pub status: SubscriptionStatus,
    /// The duration we ask for (raised by a 423's Min-Expires).
    pub expires: u32,
    expires_at: Option<Stamp>,
    /// When the current dialog was first established.
    established_at: Option<Stamp>,
    /// When the scheduled refresh is due (while established).
    refresh_at: Option<Stamp>,
    /// Consecutive failures, for the backoff.
    pub failures: u32,
    /// We reported state from this subscription (so it can go stale).
    pub has_state: bool,
    /// The in-flight request answers a challenge this subscription just got
    /// (a second 401 then means wrong credentials, not a stale reuse).
    pub challenged: bool,
    /// The in-flight transaction, if any.
    pub tx: Option<u64>,
    /// Generation of the action timer (refresh/retry); older timers are void.
    pub timer_gen: u32,
    /// Generation of the expiry timer.
    pub expiry_gen: u32,
    /// A NOTIFY arrived in the current dialog.
    pub got_notify: bool,
    /// Generation of the NOTIFY wait (Timer N).
    pub notify_gen: u32,
    /// Our un-SUBSCRIBE was accepted: the dialog is kept for the final
    /// NOTIFY (RFC 6665 4.1.2.3), which gets a 200, not a 481.
    pub awaiting_final_notify: bool,
    /// Diagnostics: the status code of the last final answer to our
    /// SUBSCRIBE (`None`: none yet).
    pub last_code: Option<u16>,
    /// Diagnostics: when the last NOTIFY of this subscription arrived.
    last_notify: Option<Stamp>,
    /// Diagnostics: the server ended the subscription (NOTIFY
    /// `terminated`) for this reason, made harmless; cleared when it is
    /// accepted again.
    pub terminated: Option<Box<str>>,
    /// The contact was removed from the directory (never reported again).
    pub removed: bool,
}

impl Sub {
    pub fn new(
        contact: ContactId,
        event: EventKind,
        uri: impl Into<std::sync::Arc<str>>,
        expires: u32,
    ) -> Self {
        Sub {
            contact,
            event,
            line: 0,
            uri: uri.into(),
            dialog: DialogIds::default(),
            phase: Phase::Waiting,
            refresh: false,
            status: SubscriptionStatus::NotRequested,
            expires,
            expires_at: None,
            established_at: None,
            refresh_at: None,
            failures: 0,
            has_state: false,
            challenged: false,
            tx: None,
            timer_gen: 0,
            expiry_gen: 0,
            got_notify: false,
            notify_gen: 0,
            awaiting_final_notify: false,
            last_code: None,
            last_notify: None,
            terminated: None,
            removed: false,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Waiting for a window slot to start a new dialog.
    pub fn queue_initial(&mut self) {
        self.refresh = false;
        self.phase = Phase::Queued;
    }

    /// Waiting for a window slot to refresh within the dialog.
    pub fn queue_refresh(&mut self) {
        self.refresh = true;
        self.phase = Phase::Queued;
    }

    /// A SUBSCRIBE (transaction `tx`) is in flight.
    pub fn sending(&mut self, tx: u64) {
        self.tx = Some(tx);
        self.phase = Phase::Sending;
    }

    /// The final answer to our SUBSCRIBE arrived; the rules decide next.
    pub fn answered(&mut self) {
        self.tx = None;
        self.phase = Phase::Waiting;
    }

    /// The server accepted (or a NOTIFY confirmed) the subscription.
    pub fn establish(&mut self, epoch: Instant, now: Instant) {
        self.phase = Phase::Established;
        self.established_at.get_or_insert(Stamp::new(epoch, now));
    }

    /// When the current dialog was first established.
    pub fn established_at(&self, epoch: Instant) -> Option<Instant> {
        self.established_at.map(|s| s.at(epoch))
    }

    /// When the subscription expires (while the server holds it).
    pub fn expires_at(&self, epoch: Instant) -> Option<Instant> {
        self.expires_at.map(|s| s.at(epoch))
    }

    pub fn set_expires_at(&mut self, epoch: Instant, at: Option<Instant>) {
        self.expires_at = stamp(epoch, at);
    }

    /// When the scheduled refresh is due (while established).
    pub fn refresh_at(&self, epoch: Instant) -> Option<Instant> {
        self.refresh_at.map(|s| s.at(epoch))
    }

    pub fn set_refresh_at(&mut self, epoch: Instant, at: Option<Instant>) {
        self.refresh_at = stamp(epoch, at);
    }

    /// Diagnostics: when the last NOTIFY of this subscription arrived.
    pub fn last_notify(&self, epoch: Instant) -> Option<Instant> {
        self.last_notify.map(|s| s.at(epoch))
    }

    pub fn set_last_notify(&mut self, epoch: Instant, at: Instant) {
        self.last_notify = Some(Stamp::new(epoch, at));
    }

    /// A failed refresh of a still valid subscription: it stays established
    /// (RFC 6665 4.1.2.2) and is refreshed again later.
    pub fn keep_established(&mut self) {
        self.phase = Phase::Established;
    }

    /// Waiting out a backoff, or for the server to come back.
    pub fn wait(&mut self) {
        self.phase = Phase::Waiting;
    }

    /// A resource list subscription carries this one's state.
    pub fn cover(&mut self) {
        self.phase = Phase::Covered;
    }

    /// Final: nothing more is sent for it.
    pub fn stop(&mut self) {
        self.phase = Phase::Stopped;
    }

    /// Leave the dialog (a new SUBSCRIBE starts a new one); its Call-ID,
    /// if it had one. A NOTIFY wait of the old dialog is void.
    pub fn forget_dialog(&mut self) -> Option<std::sync::Arc<str>> {
        let old = std::mem::take(&mut self.dialog).call_id;
        self.got_notify = false;
        self.notify_gen = self.notify_gen.wrapping_add(1);
        self.established_at = None;
        self.awaiting_final_notify = false;
        (!old.is_empty()).then_some(old)
    }

    /// Still something the server holds for us (ended at shutdown).
    pub fn is_live(&self) -> bool {
        matches!(
            self.phase,
            Phase::Established | Phase::Sending | Phase::Queued
        )
    }

    /// True when a dialog with the server exists (a refresh is possible).
    pub fn in_dialog(&self) -> bool {
        self.dialog.remote_tag.is_some()
    }
}

/// When to refresh a subscription granted for `expires` seconds: well
/// before expiry, spread out by `unit` in [0, 1) so that a thousand
/// subscriptions granted at the same second do not refresh together.
pub fn refresh_delay(expires: u32, unit: f64) -> Duration {
    let granted = Duration::from_secs(u64::from(expires));
    if granted <= policy::SHORT_GRANT {
        // Short grants: refresh at 40..60 %.
        granted.mul_f64(0.4 + 0.2 * unit)
    } else {
        // Long grants: refresh at 55..80 %, at least 32 s before expiry.
        let at = granted.mul_f64(0.55 + 0.25 * unit);
        at.min(granted.saturating_sub(policy::REFRESH_MARGIN))
    }
}

/// `at` (a refresh of a grant of `expires` seconds) moved up to the next
/// point of the [`policy::REFRESH_STEP`] grid counted from `epoch`; short
/// grants keep their time (see [`refresh_delay`]).
pub fn on_refresh_grid(epoch: Instant, at: Instant, expires: u32) -> Instant {
    let step = policy::REFRESH_STEP;
    if Duration::from_secs(u64::from(expires)) <= policy::SHORT_GRANT || at <= epoch {
        return at;
    }
    let off = at - epoch;
    let steps = off.as_nanos().div_ceil(step.as_nanos());
    let rounded = step.saturating_mul(u32::try_from(steps).unwrap_or(u32::MAX));
    epoch + rounded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_grants_refresh_on_the_grid_short_ones_when_due() {
        let epoch = Instant::now();
        let step = policy::REFRESH_STEP;
        let at = epoch + Duration::from_millis(2_345_678);
        let on = on_refresh_grid(epoch, at, 3600);
        assert!(on >= at && on - at < step, "later by less than a step");
        assert_eq!((on - epoch).as_nanos() % step.as_nanos(), 0, "on the grid");
        let near = at + Duration::from_millis(100);
        assert_eq!(on_refresh_grid(epoch, near, 3600), on, "due together");
        let exact = epoch + step * 7;
        assert_eq!(on_refresh_grid(epoch, exact, 3600), exact);
        assert_eq!(
            on_refresh_grid(epoch, at, 60),
            at,
            "a short grant keeps its time"
        );
        // Still far before expiry: the margin is several steps.
        assert!(policy::REFRESH_MARGIN > step * 4);
    }

    /// The console keeps one `Sub` per contact and package all day (30,000
    /// with 10,000 contacts and three packages): each byte here is 30 kB
    /// of resident memory. A new field must earn its place.
    #[test]
    fn a_subscription_stays_within_its_memory_budget() {
        let size = std::mem::size_of::<Sub>();
        assert!(size <= 232, "Sub grew to {size} bytes (budget 232)");
        assert!(std::mem::size_of::<DialogIds>() <= 96);
    }

    #[test]
    fn refresh_is_well_before_expiry_and_spread() {
        let a = refresh_delay(600, 0.0);
        let b = refresh_delay(600, 0.99);
        assert!(a >= Duration::from_secs(300) && b <= Duration::from_secs(568));
        assert!(b - a > Duration::from_secs(100), "spread over minutes");
        assert!(refresh_delay(60, 0.5) < Duration::from_secs(40));
    }

    #[test]
    fn record_routes_split_at_top_level_commas_only() {
        let got = record_routes(
            ["<sip:p1;lr>, \"a,b\" <sip:p2;lr>", "<sip:p3;lr;x=\"1,2\">"].into_iter(),
        );
        assert_eq!(
            got,
            [
                "<sip:p1;lr>",
                "\"a,b\" <sip:p2;lr>",
                "<sip:p3;lr;x=\"1,2\">"
            ]
        );
    }
}
