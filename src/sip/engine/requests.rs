//! Building and sending our requests: SUBSCRIBE (initial, refresh,
//! un-SUBSCRIBE) and OPTIONS, each in its own client transaction.

use std::time::Instant;

use super::timers::TimerKey;
use super::{Engine, SubId, TxEntry, TxKind};
use crate::presence::SubscriptionStatus;
use crate::sip::codec::{Method, Request};
use crate::sip::transaction::ClientTransaction;

impl Engine {
    fn via(&mut self, branch: &str) -> String {
        format!(
            "SIP/2.0/{} {};branch={};rport",
            self.cfg.transport.as_str(),
            self.cfg.local,
            branch
        )
    }

    fn contact_header(&self) -> String {
        let user = self
            .cfg
            .account_uri
            .split_once(':')
            .and_then(|(_, rest)| rest.split_once('@'))
            .map(|(u, _)| u)
            .unwrap_or("switchboard");
        format!(
            "<sip:{}@{};transport={}>",
            user, self.cfg.local, self.cfg.transport
        )
    }

    fn our_from(&self, tag: &str) -> String {
        match &self.cfg.display_name {
            Some(d) => format!(
                "\"{}\" <{}>;tag={}",
                d.replace('"', ""),
                self.cfg.account_uri,
                tag
            ),
            None => format!("<{}>;tag={}", self.cfg.account_uri, tag),
        }
    }

    /// Common headers of a request we originate.
    fn base_request(&mut self, method: Method, uri: &str, branch: &str) -> Request {
        let mut req = Request::new(method, uri.to_string());
        let via = self.via(branch);
        req.headers.push("Via", via);
        req.headers.push("Max-Forwards", "70");
        req
    }

    /// Add credentials if we hold a challenge. Returns the nonce used.
    fn authorize(&mut self, req: &mut Request) -> Option<String> {
        let password = self.cfg.password.clone()?;
        let cnonce = self.rng.token();
        let auth = self.auth.as_mut()?;
        let (name, value) = auth.authorize(
            req.method.as_str(),
            &req.uri,
            &self.cfg.auth_user,
            &password,
            &cnonce,
        );
        req.headers.push(name, value);
        Some(auth.challenge().nonce.clone())
    }

    /// Start a client transaction for `req` and send it.
    fn start_tx(
        &mut self,
        kind: TxKind,
        branch: String,
        req: &Request,
        auth_nonce: Option<String>,
        now: Instant,
    ) -> u64 {
        let bytes = req.to_bytes();
        tracing::debug!(method = req.method.as_str(), uri = %req.uri, %branch, "sending request");
        let id = self.next_tx;
        self.next_tx += 1;
        let tx = ClientTransaction::new(now, self.cfg.transport.reliable(), self.cfg.timers);
        if let Some(at) = tx.poll_timeout() {
            self.timers.push(at, TimerKey::Tx(id), 0);
        }
        self.transmits.push_back(super::Transmit {
            to: None,
            bytes: bytes.clone(),
        });
        self.by_branch.insert(branch.clone(), id);
        self.txs.insert(
            id,
            TxEntry {
                kind,
                branch,
                tx,
                bytes,
                auth_nonce,
                generation: 0,
            },
        );
        id
    }

    /// Send the SUBSCRIBE a subscription needs now: initial (new dialog) or
    /// refresh (in dialog). Takes a window slot.
    pub(super) fn send_subscribe(&mut self, i: SubId, now: Instant) {
        // A request still in flight for this subscription is superseded:
        // forget it and give its window slot back.
        if let Some(old) = self.subs[i].tx.take() {
            self.drop_tx(old);
            self.window.on_abandon();
        }
        // A new request: a 401 to it is a fresh challenge, not a rejection.
        self.subs[i].challenged = false;
        if !self.subs[i].in_dialog() {
            self.subs[i].refresh = false;
        }
        if !self.subs[i].refresh && self.subs[i].dialog.call_id.is_empty() {
            let call_id = format!("{}@switchboard", self.rng.token());
            let local_tag = self.rng.token();
            let d = &mut self.subs[i].dialog;
            let call_id: std::sync::Arc<str> = call_id.into();
            d.call_id = call_id.clone();
            d.local_tag = local_tag.into();
            self.by_call_id.insert(call_id, i);
        }
        let expires = self.subs[i].expires;
        let req_id = self.build_subscribe(i, expires, now);
        self.subs[i].sending(req_id);
        self.window.on_send();
        if !self.subs[i].refresh {
            self.set_status(i, SubscriptionStatus::Requesting, now);
        }
    }

    /// Build and send a SUBSCRIBE for subscription `i` with `expires`;
    /// returns the transaction id.
    fn build_subscribe(&mut self, i: SubId, expires: u32, now: Instant) -> u64 {
        let branch = format!("z9hG4bK{}", self.rng.token());
        let sub = &self.subs[i];
        let target = match (&sub.dialog.remote_target, sub.in_dialog()) {
            (Some(t), true) => t.to_string(),
            _ => sub.uri.to_string(),
        };
        let to = match &sub.dialog.remote_tag {
            Some(tag) => format!("<{}>;tag={}", sub.uri, tag),
            None => format!("<{}>", sub.uri),
        };
        let event = sub.event;
        let call_id = sub.dialog.call_id.to_string();
        let local_tag = sub.dialog.local_tag.clone();
        self.subs[i].dialog.local_cseq += 1;
        let cseq = self.subs[i].dialog.local_cseq;

        let mut req = self.base_request(Method::Subscribe, &target, &branch);
        let sub = &self.subs[i];
        if sub.in_dialog() {
            for route in &sub.dialog.route_set {
                req.headers.push("Route", route.clone());
            }
        }
        let from = self.our_from(&local_tag);
        req.headers.push("From", from);
        req.headers.push("To", to);
        req.headers.push("Call-ID", call_id);
        req.headers.push("CSeq", format!("{cseq} SUBSCRIBE"));
        let contact = self.contact_header();
        req.headers.push("Contact", contact);
        req.headers.push("Event", event.as_str());
        if self.is_list(i) {
            let accept = format!("{}, {}", event.accept(), super::list::LIST_ACCEPT_EXTRA);
            req.headers.push("Accept", accept);
            req.headers.push("Supported", "eventlist");
        } else {
            req.headers.push("Accept", event.accept());
        }
        req.headers.push("Expires", expires.to_string());
        req.headers.push("Allow", "NOTIFY, OPTIONS");
        req.headers.push("User-Agent", self.cfg.user_agent.clone());
        let nonce = self.authorize(&mut req);
        let kind = if expires == 0 {
            TxKind::Unsubscribe(i)
        } else {
            TxKind::Subscribe(i)
        };
        self.start_tx(kind, branch, &req, nonce, now)
    }

    /// End a subscription: SUBSCRIBE with Expires: 0 in its dialog.
    pub(super) fn send_unsubscribe(&mut self, i: SubId, now: Instant) {
        self.build_subscribe(i, 0, now);
        self.window.on_send();
    }

    /// Send a SUBSCRIBE again with fresh credentials or a new Expires,
    /// keeping its window slot (same dialog, next CSeq).
    pub(super) fn resend_subscribe(&mut self, i: SubId, now: Instant) {
        let expires = self.subs[i].expires;
        let id = self.build_subscribe(i, expires, now);
        // In flight again: expiry, NOTIFYs and shutdown must see it so.
        self.subs[i].sending(id);
    }

    /// An OPTIONS to the server (keepalive and start-up probe).
    pub(super) fn send_options(&mut self, now: Instant) -> u64 {
        let branch = format!("z9hG4bK{}", self.rng.token());
        let target = format!("sip:{}", self.cfg.server);
        let mut req = self.base_request(Method::Options, &target, &branch);
        let tag = self.rng.token();
        let from = self.our_from(&tag);
        req.headers.push("From", from);
        req.headers.push("To", format!("<{target}>"));
        req.headers
            .push("Call-ID", format!("{}@switchboard", self.rng.token()));
        req.headers.push("CSeq", "1 OPTIONS");
        req.headers.push("Accept", "application/sdp");
        req.headers.push("User-Agent", self.cfg.user_agent.clone());
        self.start_tx(TxKind::Options, branch, &req, None, now)
    }

    /// Forget a transaction (its late answers are ignored).
    pub(super) fn drop_tx(&mut self, id: u64) {
        if let Some(entry) = self.txs.remove(&id) {
            self.by_branch.remove(&entry.branch);
        }
    }
}
