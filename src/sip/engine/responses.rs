//! What the answers to our requests mean: the subscription rules.
//!
//! 2xx → established (refresh well before expiry); 401/407 → digest and
//! again; 423 → again with Min-Expires; 403 → access denied; 404 → not
//! found; 481 → a fresh subscription; 489 → the server lacks the package;
//! 408/5xx/timeouts → backoff and a smaller window, never giving up.

use std::time::{Duration, Instant};

use super::sub::{Phase, on_refresh_grid, refresh_delay};
use super::timers::TimerKey;
use super::{Engine, SubId, TxKind, policy};
use crate::presence::SubscriptionStatus;
use crate::sip::auth::{DigestClient, parse_challenge};
use crate::sip::codec::Response;
use crate::sip::events::ConnectionState;
use crate::sip::headers::{NameAddr, parse_expires, parse_retry_after, via_branch};
use crate::sip::transaction::TimerAction;

impl Engine {
    pub(super) fn on_response(&mut self, now: Instant, resp: Response) {
        let Some(branch) = resp.headers.get("Via").and_then(via_branch) else {
            tracing::warn!(
                status = resp.status,
                "response without a Via branch: dropped"
            );
            return;
        };
        tracing::debug!(status = resp.status, %branch, "response");
        let Some(&id) = self.by_branch.get(&branch) else {
            tracing::debug!(status = resp.status, %branch, "response for no transaction of ours (late or duplicate)");
            return;
        };
        let Some(entry) = self.txs.get_mut(&id) else {
            return;
        };
        let first_final = entry.tx.on_response(now, resp.status);
        if let Some(at) = entry.tx.poll_timeout() {
            entry.generation += 1;
            self.timers.push(at, TimerKey::Tx(id), entry.generation);
        }
        if resp.status < 200 || !first_final {
            return;
        }
        let kind = entry.kind;
        let auth_nonce = entry.auth_nonce.clone();
        // The first final answer ends the transaction for us; a
        // retransmitted final finds no transaction and is ignored.
        self.drop_tx(id);
        // Any final answer proves the server is there.
        self.server_heard(now);
        match kind {
            TxKind::Options => self.on_options_answer(now),
            TxKind::Unsubscribe(i) => {
                self.window.on_success();
                self.on_unsubscribe_final(i, now, resp.status);
            }
            TxKind::Subscribe(i) => {
                if self.subs[i].tx != Some(id) {
                    return; // superseded
                }
                // Decided below: established, retried, stopped or resent.
                self.subs[i].answered();
                self.on_subscribe_final(i, now, &resp, auth_nonce);
            }
        }
    }

    /// RFC 6665 4.1.2.3: an accepted un-SUBSCRIBE is followed by a final
    /// NOTIFY (terminated); the dialog lives until it arrives (answered 200,
    /// not 481) or Timer N runs out. A refused one ends the dialog now.
    fn on_unsubscribe_final(&mut self, i: SubId, now: Instant, status: u16) {
        if self.is_list(i) {
            return self.list_unsubscribed(i);
        }
        let sub = &mut self.subs[i];
        if !(200..300).contains(&status) || !sub.in_dialog() {
            self.forget_dialog(i);
            return;
        }
        sub.awaiting_final_notify = true;
        sub.notify_gen = sub.notify_gen.wrapping_add(1);
        let at = now + policy::timer_n(self.cfg.timers.t1);
        self.timers
            .push(at, TimerKey::NotifyWait(i), u64::from(sub.notify_gen));
    }

    fn on_subscribe_final(
        &mut self,
        i: SubId,
        now: Instant,
        resp: &Response,
        auth_nonce: Option<String>,
    ) {
        let status = resp.status;
        self.subs[i].last_code = Some(status);
        self.capture_test_message(i, &resp.to_bytes(), false);
        if status != 401 && status != 407 {
            self.subs[i].challenged = false;
        }
        match status {
            200..=299 => {
                self.window.on_success();
                self.on_subscribe_ok(i, now, resp);
            }
            401 | 407 => self.on_challenge(i, now, resp, auth_nonce),
            423 => {
                let min = resp
                    .headers
                    .get("Min-Expires")
                    .and_then(|v| parse_expires(v).ok())
                    .filter(|&m| m > self.subs[i].expires && m <= policy::MAX_MIN_EXPIRES);
                match min {
                    Some(m) => {
                        tracing::info!(uri = %self.subs[i].uri, min = m, "423: retrying with Min-Expires");
                        self.subs[i].expires = m;
                        self.resend_subscribe(i, now);
                    }
                    None => self.fail(i, now, status, "423 without a usable Min-Expires", false),
                }
            }
            403 if auth_nonce.is_some() && names_unknown_account(resp) && !self.accepted_once => {
                // Our credentials name an account this server does not have
                // (said in the reason phrase or a Warning): the connector's
                // "credentials not found", not this contact's access. Once
                // the server has accepted a subscription with them, such
                // words are about the contact (access denied, below).
                self.window.on_success();
                self.credentials_missing = true;
                let who = self.cfg.auth_user.clone();
                let why = format!(
                    "the server does not know the account {who} ({})",
                    status_line(resp)
                );
                self.auth_failure(i, now, &why);
            }
            403 => self.stop(i, now, SubscriptionStatus::AccessDenied),
            404 | 604 => self.stop(i, now, SubscriptionStatus::NotFound),
            489 => {
                self.stop(i, now, super::unsupported::status_489(self.subs[i].event));
                self.package_unsupported(i, now);
            }
            481 if self.subs[i].refresh => {
                // The server forgot this subscription: most likely it
                // restarted (faster than a keepalive could tell) and forgot
                // every other one too. Nothing it told us is backed any more.
                self.window.on_success();
                tracing::warn!(uri = %self.subs[i].uri, "481 to a refresh: the server forgot us; subscribing everything again");
                self.server_lost(
                    now,
                    "the server forgot our subscriptions (481 to a refresh)",
                );
                self.server_heard(now);
            }
            481 => {
                // To a new subscription: odd; try again with backoff.
                self.window.on_success();
                let reason = status_line(resp);
                self.retry(i, now, SubscriptionStatus::Error(reason.into()), None);
            }
            408 | 500..=599 => {
                let retry_after = resp
                    .headers
                    .get("Retry-After")
                    .and_then(|v| parse_retry_after(v).ok())
                    .map(|s| Duration::from_secs(u64::from(s)));
                self.window.on_overload();
                let reason = status_line(resp);
                self.retry(
                    i,
                    now,
                    SubscriptionStatus::Error(reason.into()),
                    retry_after,
                );
            }
            480 => {
                // Temporarily unavailable: our monitoring, not the phone.
                self.window.on_success();
                let retry_after = resp
                    .headers
                    .get("Retry-After")
                    .and_then(|v| parse_retry_after(v).ok())
                    .map(|s| Duration::from_secs(u64::from(s)));
                let st = SubscriptionStatus::Unavailable(status_line(resp).into());
                self.retry(i, now, st, retry_after);
            }
            _ => {
                self.window.on_success();
                let reason = status_line(resp);
                self.retry(i, now, SubscriptionStatus::Error(reason.into()), None);
            }
        }
    }

    fn on_subscribe_ok(&mut self, i: SubId, now: Instant, resp: &Response) {
        self.accepted_once = true;
        if self.auth_failed {
            // The credentials work again (the password was fixed server-side).
            self.auth_failed = false;
            self.auth_failures = 0;
            self.credentials_missing = false;
            self.set_connection(ConnectionState::Connected, now);
        }
        let sub = &mut self.subs[i];
        sub.failures = 0;
        sub.terminated = None;
        if sub.dialog.remote_tag.is_none() {
            sub.dialog.remote_tag = resp
                .headers
                .get("To")
                .and_then(|v| NameAddr::parse(v).ok())
                .and_then(|n| n.tag().map(Box::from));
            // The dialog starts here: its route set is the 2xx's
            // Record-Route in reverse.
            let mut routes = super::sub::record_routes(resp.headers.get_all("Record-Route"));
            routes.reverse();
            sub.dialog.route_set = routes.into();
        }
        if let Some(target) = resp
            .headers
            .get("Contact")
            .and_then(|v| NameAddr::parse(v).ok())
        {
            sub.dialog.remote_target = Some(target.uri.into());
        }
        let granted = resp
            .headers
            .get("Expires")
            .and_then(|v| parse_expires(v).ok())
            .unwrap_or(sub.expires);
        if !sub.got_notify {
            // Timer N: the first NOTIFY must follow within 64*T1.
            sub.notify_gen = sub.notify_gen.wrapping_add(1);
            let at = now + policy::timer_n(self.cfg.timers.t1);
            self.timers
                .push(at, TimerKey::NotifyWait(i), u64::from(sub.notify_gen));
        }
        if granted == 0 {
            // Accepted but already over (RFC 6665 allows it): start again later.
            self.retry(i, now, SubscriptionStatus::Requesting, None);
            return;
        }
        self.established(i, now, granted);
    }

    /// The server granted (or a NOTIFY confirmed) `granted` seconds.
    ///
    /// Timers are only moved when they must: NOTIFYs repeat the remaining
    /// time with every update, and rescheduling on each would grow the
    /// timer heap by two entries per NOTIFY.
    pub(super) fn established(&mut self, i: SubId, now: Instant, granted: u32) {
        let unit = self.rng.unit();
        let epoch = self.subs.epoch();
        let sub = &self.subs[i];
        if sub.phase() == Phase::Stopped {
            return;
        }
        let expiry = now + Duration::from_secs(u64::from(granted));
        let same_expiry = sub.expires_at(epoch).is_some_and(|old| {
            let diff = if old > expiry {
                old - expiry
            } else {
                expiry - old
            };
            diff < policy::EXPIRY_TOLERANCE
        });
        if !same_expiry {
            self.schedule_expiry(i, expiry);
        }
        if matches!(self.subs[i].phase(), Phase::Sending | Phase::Queued) {
            // A request is pending; its answer schedules the refresh.
            return;
        }
        let keep_refresh = self.subs[i].phase() == Phase::Established
            && self.subs[i]
                .refresh_at(epoch)
                .is_some_and(|r| r > now && r + policy::EXPIRY_TOLERANCE < expiry);
        self.subs[i].establish(epoch, now);
        if !keep_refresh {
            let at = on_refresh_grid(epoch, now + refresh_delay(granted, unit), granted);
            self.schedule_sub(i, at);
            self.subs[i].set_refresh_at(epoch, Some(at));
        }
    }

    fn on_challenge(
        &mut self,
        i: SubId,
        now: Instant,
        resp: &Response,
        auth_nonce: Option<String>,
    ) {
        let header = if resp.status == 407 {
            "Proxy-Authenticate"
        } else {
            "WWW-Authenticate"
        };
        let challenge = resp.headers.get(header).map(parse_challenge);
        let challenge = match challenge {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                self.window.on_success();
                return self.auth_failure(i, now, &format!("unusable {header} challenge: {e}"));
            }
            None => {
                self.window.on_success();
                return self.auth_failure(i, now, &format!("{} without {header}", resp.status));
            }
        };
        if self.cfg.password.is_none() {
            self.window.on_success();
            self.credentials_missing = true;
            return self.auth_failure(
                i,
                now,
                "the server asks for a password and none is configured",
            );
        }
        // Credentials computed from a challenge this subscription just got
        // were refused, and the server does not say the nonce was merely
        // stale: the password is wrong. A refused *reused* challenge (from
        // another request) just falls back to this fresh one.
        let rejected = auth_nonce.is_some() && !challenge.stale && self.subs[i].challenged;
        if rejected {
            self.window.on_success();
            self.credentials_missing = false;
            // Keep the newest challenge: the next probe answers it, so a
            // password fixed on the server is noticed.
            self.auth = Some(DigestClient::new(challenge, resp.status == 407));
            let who = self.cfg.auth_user.clone();
            return self.auth_failure(
                i,
                now,
                &format!(
                    "the server rejected the credentials of {who} ({})",
                    resp.status
                ),
            );
        }
        self.auth = Some(DigestClient::new(challenge, resp.status == 407));
        self.subs[i].challenged = true;
        self.resend_subscribe(i, now);
        // The window slot stays taken by the resent request.
    }

    /// Our credentials were refused. Nothing more is sent until a single
    /// probe, after a growing pause, shows they work again: a wrong password
    /// costs one request per minute or so, not one per contact.
    fn auth_failure(&mut self, i: SubId, now: Instant, why: &str) {
        // May quote a header the server wrote: made harmless once, here.
        let why = &crate::text::harmless_line(why);
        tracing::error!(uri = %self.subs[i].uri, "{why}");
        self.auth_failed = true;
        self.auth_failures = self.auth_failures.saturating_add(1);
        let pause = policy::auth_pause(self.auth_failures);
        self.auth_retry_at = now + pause;
        self.timers.push(self.auth_retry_at, TimerKey::Pump, 0);
        self.set_connection(ConnectionState::AuthFailed(why.to_string()), now);
        if self.subs[i]
            .expires_at(self.subs.epoch())
            .is_none_or(|at| at <= now)
        {
            self.mark_stale(i, now);
        }
        self.set_status(i, SubscriptionStatus::Error(why.to_string().into()), now);
        self.queue_new_dialog(i);
    }

    /// A final failure: stop and show why.
    fn stop(&mut self, i: SubId, now: Instant, status: SubscriptionStatus) {
        self.window.on_success();
        self.cancel_sub_timer(i);
        self.cancel_expiry(i);
        self.forget_dialog(i);
        self.subs[i].stop();
        self.mark_stale(i, now);
        self.set_status(i, status, now);
    }

    /// A transient failure: show why, try again later.
    pub(super) fn retry(
        &mut self,
        i: SubId,
        now: Instant,
        status: SubscriptionStatus,
        at_least: Option<Duration>,
    ) {
        if self.refresh_can_wait(i, now) {
            // Still backed until it expires: keep what is shown, try again.
            tracing::warn!(uri = %self.subs[i].uri, ?status, "refresh failed; the subscription stays valid until it expires");
            self.retry_later(i, now, at_least);
            return;
        }
        if self.subs[i]
            .expires_at(self.subs.epoch())
            .is_none_or(|at| at <= now)
        {
            self.mark_stale(i, now);
        }
        self.set_status(i, status, now);
        self.retry_later(i, now, at_least);
    }

    fn fail(&mut self, i: SubId, now: Instant, status: u16, why: &str, overload: bool) {
        if overload {
            self.window.on_overload();
        } else {
            self.window.on_success();
        }
        self.retry(
            i,
            now,
            SubscriptionStatus::Error(format!("{status}: {why}").into()),
            None,
        );
    }

    pub(super) fn on_tx_timer(&mut self, id: u64, generation: u64, now: Instant) {
        let Some(entry) = self.txs.get_mut(&id) else {
            return;
        };
        if entry.generation != generation {
            return;
        }
        match entry.tx.handle_timeout(now) {
            TimerAction::Retransmit => {
                tracing::debug!(branch = %entry.branch, "retransmitting");
                let bytes = entry.bytes.clone();
                if let Some(at) = entry.tx.poll_timeout() {
                    entry.generation += 1;
                    self.timers.push(at, TimerKey::Tx(id), entry.generation);
                }
                self.transmits
                    .push_back(super::Transmit { to: None, bytes });
            }
            TimerAction::TimedOut => {
                let kind = entry.kind;
                self.drop_tx(id);
                self.on_tx_timeout(kind, id, now);
            }
            TimerAction::None => {
                if entry.tx.is_terminated() {
                    self.drop_tx(id);
                } else if let Some(at) = entry.tx.poll_timeout() {
                    entry.generation += 1;
                    self.timers.push(at, TimerKey::Tx(id), entry.generation);
                }
            }
        }
    }

    fn on_tx_timeout(&mut self, kind: TxKind, id: u64, now: Instant) {
        match kind {
            TxKind::Options => {} // the keepalive deadline handles it
            TxKind::Unsubscribe(i) => {
                self.window.on_overload();
                self.forget_dialog(i);
            }
            TxKind::Subscribe(i) => {
                if self.subs[i].tx != Some(id) {
                    return;
                }
                self.subs[i].tx = None;
                self.window.on_overload();
                tracing::warn!(uri = %self.subs[i].uri, "SUBSCRIBE timed out");
                self.retry(
                    i,
                    now,
                    SubscriptionStatus::Error("no answer from the server".into()),
                    None,
                );
                // A whole transaction without an answer: is the server gone?
                self.check_server(now);
            }
        }
    }
}

/// Whether a refusal says the account itself is unknown ("403 Unknown
/// User", or a `Warning` saying so). SIP has no code for it; servers that
/// tell (Kamailio's auth_db reports "user unknown" to its script) say it in
/// words, so the words decide. A 404 never does: "404 User Not Found" is
/// what servers say of a contact that does not exist.
fn names_unknown_account(resp: &Response) -> bool {
    const PHRASES: &[&str] = &[
        "unknown user",
        "user unknown",
        "unknown account",
        "account unknown",
        "no such user",
        "no such account",
        "user not found",
        "account not found",
    ];
    let says = |text: &str| {
        let text = text.to_ascii_lowercase();
        PHRASES.iter().any(|p| text.contains(p))
    };
    says(&resp.reason) || resp.headers.get_all("Warning").any(says)
}

/// `480 Temporarily Unavailable`: the status code and the server's reason
/// phrase, made harmless (the phrase is whatever the server chose).
fn status_line(resp: &Response) -> String {
    crate::text::harmless_line(&format!("{} {}", resp.status, resp.reason))
}
