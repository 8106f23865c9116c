//! SUBSCRIBE: new subscriptions, refreshes, un-SUBSCRIBE; the
//! subscription table.

use std::time::{Duration, Instant};

use super::auth::Verdict;
use super::list::ListWatch;
use super::notify::{InFlight, NotifyKind};
use super::{Peer, Server, Timer};
use crate::presence::EventKind;
use crate::sip::codec::Request;
use crate::sip::headers::{NameAddr, SipUri, parse_cseq, parse_event, parse_expires};

/// Expiry when a SUBSCRIBE has no Expires (RFC 3856/4235 default).
pub const DEFAULT_EXPIRES: u32 = 3600;

/// What a subscription watches: one user, or the RFC 4662 resource list
/// of every user (NOTIFYs with multipart/related bodies, see `list`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    User(usize),
    List,
}

/// One subscription dialog, from our (notifier's) side.
#[derive(Debug, Clone)]
pub(super) struct Subscription {
    pub resource: Resource,
    pub event: EventKind,
    /// The Event header's `id` parameter, echoed in NOTIFYs.
    pub event_id: Option<String>,
    pub call_id: String,
    /// Our tag (To of the SUBSCRIBE, From of our NOTIFYs).
    pub local_tag: String,
    /// The subscriber's From tag and URI.
    pub remote_tag: String,
    pub remote_uri: String,
    /// The presentity URI as the subscriber wrote it (To of the SUBSCRIBE).
    pub local_uri: String,
    /// Where NOTIFYs are addressed: the subscriber's Contact.
    pub target: String,
    /// Where NOTIFYs are sent: the source of the last SUBSCRIBE.
    pub peer: Peer,
    /// Our next NOTIFY CSeq.
    pub cseq: u32,
    /// The last SUBSCRIBE CSeq seen.
    pub remote_cseq: u32,
    pub expires_at: Instant,
    /// The dialog-info version of the next NOTIFY.
    pub version: u64,
    pub in_flight: Option<InFlight>,
    /// What to send once the NOTIFY in flight is answered.
    pub queued: Option<NotifyKind>,
    /// The final NOTIFY was sent: the subscription ends with its answer.
    pub terminating: bool,
    /// A list subscription's bookkeeping (`None` for a single user).
    pub list: Option<ListWatch>,
}

impl Subscription {
    /// The user watched (`None`: the list).
    pub fn user(&self) -> Option<usize> {
        match self.resource {
            Resource::User(u) => Some(u),
            Resource::List => None,
        }
    }

    /// Whether the subscription is ending (a refresh gets 481).
    pub fn ending(&self) -> bool {
        self.terminating || matches!(self.queued, Some(NotifyKind::Final { .. }))
    }
}

/// The parts of a SUBSCRIBE every branch needs.
struct Parsed {
    event: EventKind,
    event_id: Option<String>,
    expires: u32,
    from: NameAddr,
    from_tag: String,
    to: NameAddr,
    call_id: String,
    cseq: u32,
    contact: Option<String>,
}

impl Server {
    pub(super) fn on_subscribe(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
    ) {
        let event = req.headers.get("Event").map(parse_event);
        let served = match &event {
            // The demo office serves presence and dialog only (reg and
            // message-summary get a 489: "no registration information").
            Some(Ok(e)) => e
                .kind()
                .filter(|k| matches!(k, EventKind::Presence | EventKind::Dialog))
                .map(|kind| (kind, e.id.clone())),
            _ => None,
        };
        let Some((event, event_id)) = served else {
            tracing::info!(%from.addr, ?event, "489: event package not served");
            let resp = self.response(req, 489, "Bad Event");
            return self.respond(now, from, key, resp);
        };
        let verdict = self.authorize(now, req);
        if verdict != Verdict::Allowed {
            return self.refuse(now, from, key, req, verdict);
        }
        let parsed = match self.parse_subscribe(req, event, event_id) {
            Ok(p) => p,
            Err(why) => return self.bad_request(now, from, key, req, &why),
        };
        if parsed.expires != 0 && parsed.expires < self.cfg.min_expires {
            let mut resp = self.response(req, 423, "Interval Too Brief");
            resp.headers
                .push("Min-Expires", self.cfg.min_expires.to_string());
            return self.respond(now, from, key, resp);
        }
        match parsed.to.tag().map(str::to_string) {
            Some(tag) => self.refresh(now, from, key, req, parsed, &tag),
            None => self.new_subscription(now, from, key, req, parsed),
        }
    }

    fn parse_subscribe(
        &self,
        req: &Request,
        event: EventKind,
        event_id: Option<String>,
    ) -> Result<Parsed, String> {
        let header = |name: &'static str| req.headers.get(name).ok_or(format!("missing {name}"));
        let expires = match req.headers.get("Expires") {
            None => DEFAULT_EXPIRES,
            Some(v) => parse_expires(v).map_err(|e| e.to_string())?,
        };
        let from = NameAddr::parse(header("From")?).map_err(|e| e.to_string())?;
        let from_tag = from.tag().ok_or("From has no tag")?.to_string();
        let to = NameAddr::parse(header("To")?).map_err(|e| e.to_string())?;
        let cseq = parse_cseq(header("CSeq")?).map_err(|e| e.to_string())?.seq;
        let contact = match req.headers.get("Contact") {
            Some(c) => Some(NameAddr::parse(c).map_err(|e| e.to_string())?.uri),
            None => None,
        };
        Ok(Parsed {
            event,
            event_id,
            expires: expires.min(self.cfg.max_expires),
            from,
            from_tag,
            to,
            call_id: header("Call-ID")?.to_string(),
            cseq,
            contact,
        })
    }

    pub(super) fn bad_request(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
        why: &str,
    ) {
        tracing::info!(%from.addr, method = %req.method, "400: {why}");
        let resp = self.response(req, 400, &format!("Bad Request ({why})"));
        self.respond(now, from, key, resp);
    }

    fn new_subscription(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
        p: Parsed,
    ) {
        let user_part = SipUri::parse(&req.uri).ok().and_then(|u| u.user);
        if user_part.as_deref().is_some_and(|u| self.is_list_user(u)) {
            if !supports_eventlist(req) {
                let mut resp = self.response(req, 421, "Extension Required");
                resp.headers.push("Require", "eventlist");
                return self.respond(now, from, key, resp);
            }
            return self.start_subscription(now, from, key, req, p, Resource::List);
        }
        let user = user_part.and_then(|u| self.user_index(&u));
        let Some(user) = user else {
            tracing::info!(%from.addr, uri = %req.uri, "404: no such user");
            let resp = self.response(req, 404, "Not Found");
            return self.respond(now, from, key, resp);
        };
        if !accepts(req, p.event) {
            let mut resp = self.response(req, 406, "Not Acceptable");
            resp.headers.push("Accept", p.event.accept());
            return self.respond(now, from, key, resp);
        }
        let faulty_until = self
            .users
            .get(user)
            .and_then(|u| u.faulty_until)
            .filter(|t| *t > now);
        if let (EventKind::Dialog, Some(until)) = (p.event, faulty_until) {
            let mut resp = self.response(req, 480, "Temporarily Unavailable");
            resp.headers
                .push("Retry-After", super::retry_secs(until - now).to_string());
            return self.respond(now, from, key, resp);
        }
        self.start_subscription(now, from, key, req, p, Resource::User(user));
    }

    /// A new subscription dialog for `resource`: 200, the first NOTIFY.
    fn start_subscription(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
        p: Parsed,
        resource: Resource,
    ) {
        let id = self.next_number();
        let local_tag = self.token();
        let target = p.contact.clone().unwrap_or_else(|| p.from.uri.clone());
        let sub = Subscription {
            resource,
            list: (resource == Resource::List).then(ListWatch::default),
            event: p.event,
            event_id: p.event_id,
            call_id: p.call_id.clone(),
            local_tag: local_tag.clone(),
            remote_tag: p.from_tag,
            remote_uri: p.from.uri,
            local_uri: p.to.uri,
            target,
            peer: from,
            cseq: 1,
            remote_cseq: p.cseq,
            expires_at: now + Duration::from_secs(u64::from(p.expires)),
            version: 0,
            in_flight: None,
            queued: None,
            terminating: false,
        };
        if resource == Resource::List {
            self.list_subs.push(id);
        }
        self.subs.insert(id, sub);
        self.by_dialog.insert((p.call_id, local_tag.clone()), id);
        if let Some(u) = self.users.get_mut(user_of(resource)) {
            u.watchers.push(id);
        }
        let mut resp = self.subscribe_ok(req, &local_tag, p.expires);
        if resource == Resource::List {
            resp.headers.push("Require", "eventlist");
        }
        self.respond(now, from, key, resp);
        tracing::debug!(%from.addr, uri = %req.uri, event = p.event.as_str(), expires = p.expires, "new subscription");
        if p.expires == 0 {
            // A fetch: the state once, and done.
            self.notify(now, id, NotifyKind::timeout());
        } else {
            self.push_timer(
                now + Duration::from_secs(u64::from(p.expires)),
                Timer::Expire(id),
            );
            self.notify(now, id, NotifyKind::Update);
        }
    }

    fn refresh(
        &mut self,
        now: Instant,
        from: Peer,
        key: Option<&str>,
        req: &Request,
        p: Parsed,
        tag: &str,
    ) {
        let id = self
            .by_dialog
            .get(&(p.call_id.clone(), tag.to_string()))
            .copied();
        let live = id.filter(|id| {
            self.subs
                .get(id)
                .is_some_and(|s| !s.ending() && s.event == p.event && s.remote_tag == p.from_tag)
        });
        let Some(id) = live else {
            tracing::info!(%from.addr, call_id = %p.call_id, "481: refresh of an unknown or ended subscription");
            let resp = self.response(req, 481, "Call/Transaction Does Not Exist");
            return self.respond(now, from, key, resp);
        };
        let expires_at = now + Duration::from_secs(u64::from(p.expires));
        if let Some(sub) = self.subs.get_mut(&id) {
            if p.cseq <= sub.remote_cseq {
                tracing::debug!(call_id = %p.call_id, cseq = p.cseq, "SUBSCRIBE CSeq did not increase");
            }
            sub.remote_cseq = sub.remote_cseq.max(p.cseq);
            sub.peer = from;
            if let Some(contact) = p.contact {
                sub.target = contact;
            }
            sub.expires_at = expires_at;
        }
        let resp = self.subscribe_ok(req, tag, p.expires);
        self.respond(now, from, key, resp);
        if p.expires == 0 {
            self.stats.unsubscribes += 1;
            self.notify(now, id, NotifyKind::timeout());
        } else {
            self.push_timer(expires_at, Timer::Expire(id));
            self.notify(now, id, NotifyKind::Update);
        }
    }

    fn subscribe_ok(
        &mut self,
        req: &Request,
        tag: &str,
        expires: u32,
    ) -> crate::sip::codec::Response {
        let mut resp = crate::sip::codec::response_to(req, 200, "OK", Some(tag));
        resp.headers.push("Server", "switchboard-demo");
        resp.headers.push("Expires", expires.to_string());
        resp.headers
            .push("Contact", self.contact(self.transport_of(req)));
        resp
    }

    fn transport_of(&self, req: &Request) -> super::Transport {
        let tcp = req
            .headers
            .get("Via")
            .is_some_and(|v| v.to_ascii_uppercase().starts_with("SIP/2.0/TCP"));
        if tcp {
            super::Transport::Tcp
        } else {
            super::Transport::Udp
        }
    }

    /// Our Contact for `transport`.
    pub(super) fn contact(&self, transport: super::Transport) -> String {
        let t = if transport.reliable() {
            ";transport=tcp"
        } else {
            ""
        };
        format!("<sip:{}{t}>", self.cfg.local)
    }

    /// Subscription timer: expired (unless refreshed since) → final NOTIFY.
    pub(super) fn on_expiry_timer(&mut self, now: Instant, id: u64) {
        let due = self
            .subs
            .get(&id)
            .is_some_and(|s| s.expires_at <= now && !s.ending());
        if due {
            tracing::debug!(id, "subscription expired");
            self.notify(now, id, NotifyKind::timeout());
        }
    }

    /// Forgets a subscription everywhere.
    pub(super) fn remove_subscription(&mut self, id: u64) {
        let Some(sub) = self.subs.remove(&id) else {
            return;
        };
        if sub.list.is_some() {
            self.list_subs.retain(|l| *l != id);
        }
        self.by_dialog
            .remove(&(sub.call_id.clone(), sub.local_tag.clone()));
        if let Some(tx) = &sub.in_flight {
            self.by_branch.remove(&tx.branch);
        }
        if let Some(u) = sub.user().and_then(|u| self.users.get_mut(u)) {
            u.watchers.retain(|w| *w != id);
        }
    }
}

/// The user index a single subscription watches (`usize::MAX`, no user,
/// for the list).
fn user_of(resource: Resource) -> usize {
    match resource {
        Resource::User(u) => u,
        Resource::List => usize::MAX,
    }
}

/// `Supported: eventlist` (RFC 4662 section 4.2).
fn supports_eventlist(req: &Request) -> bool {
    req.headers
        .get_all("Supported")
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("eventlist"))
}

/// Whether the SUBSCRIBE's Accept (if any) allows the package's body.
fn accepts(req: &Request, event: EventKind) -> bool {
    let mut values = req.headers.get_all("Accept").peekable();
    if values.peek().is_none() {
        return true;
    }
    values.flat_map(|v| v.split(',')).any(|t| {
        let t = t.split(';').next().unwrap_or_default().trim();
        t.eq_ignore_ascii_case(event.accept())
            || t == "*/*"
            || t.eq_ignore_ascii_case("application/*")
    })
}
