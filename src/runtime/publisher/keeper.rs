//! The keeper: our publication over UDP or TCP ([`super::wire`]) and the real clock, with
//! what decides it — the chosen status, idleness, the calendar — and the
//! per-state command. Requests come in over a channel (from the socket
//! server of the per-user process, or from a console in demo mode).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use jiff::{Timestamp, Zoned};
use tokio::sync::{mpsc, oneshot};

use super::calendar_feed::CalendarFeed;
use super::protocol::{Reply, Request, StatusView};
use super::wire::{Incoming, Wire};
use crate::config::StatusConfig;
use crate::sip::publication::{Publication, PublicationConfig, PublicationEvent};
use crate::status::auto::{Published, resolve};
use crate::status::state::parse_availability;
use crate::status::{Chosen, OwnStatus};

/// A request and where its answer goes.
pub type Ask = (Request, oneshot::Sender<Reply>);

/// Everything a keeper needs.
#[derive(Debug, Clone)]
pub struct KeeperConfig {
    pub publication: PublicationConfig,
    pub server: SocketAddr,
    pub status: StatusConfig,
    /// `transport = "tls"`: the roots and the name the server's
    /// certificate is checked against (as by the console).
    pub tls: Option<std::sync::Arc<crate::runtime::tls::TlsSetup>>,
}

struct Keeper {
    cfg: KeeperConfig,
    publication: Publication,
    chosen: Option<OwnStatus>,
    set_by: Option<String>,
    idle: bool,
    published: Option<Published>,
    waiters: Vec<oneshot::Sender<Reply>>,
    clearing: bool,
    finished: bool,
    since: Timestamp,
    calendar: CalendarFeed,
    action_error: Option<String>,
    actions: mpsc::UnboundedSender<Option<String>>,
}

/// Run the keeper until its publication is cleared (or `asks` closes).
pub async fn run(cfg: KeeperConfig, mut asks: mpsc::Receiver<Ask>) -> anyhow::Result<()> {
    let mut wire = Wire::open(cfg.server, cfg.publication.transport, cfg.tls.clone()).await?;
    let mut pcfg = cfg.publication.clone();
    if let Some(local) = wire.local_addr() {
        pcfg.local = local;
    }
    let (actions, mut action_results) = mpsc::unbounded_channel();
    let (fetched, mut calendar_results) = mpsc::unbounded_channel();
    let calendar = CalendarFeed::new(
        cfg.status.calendar.clone(),
        cfg.status.calendar_refresh,
        fetched,
    );
    let mut k = Keeper {
        publication: Publication::new(pcfg),
        cfg,
        chosen: None,
        set_by: None,
        idle: false,
        published: None,
        waiters: Vec::new(),
        clearing: false,
        finished: false,
        since: Timestamp::now(),
        calendar,
        action_error: None,
        actions,
    };
    k.calendar.read(Instant::now());
    while !k.finished {
        let wake = k.next_wake();
        tokio::select! {
            got = wire.recv() => match got {
                Incoming::Message(m) => { k.publication.handle_datagram(Instant::now(), &m); }
                Incoming::Lost(_) => k.publication.connection_lost(Instant::now()),
                Incoming::Nothing => {}
            },
            () = sleep_until(wake) => k.on_timer(),
            ask = asks.recv() => match ask {
                Some((req, tx)) => k.on_request(req, tx),
                None => break,
            },
            Some(result) = action_results.recv() => k.action_error = result,
            Some(text) = calendar_results.recv() => {
                k.calendar.on_fetched(text);
                k.republish();
            }
        }
        while let Some(bytes) = k.publication.poll_transmit() {
            match wire.send(&bytes).await {
                Ok(None) => {}
                // A new TCP connection: later requests carry its address.
                Ok(Some(local)) => k.publication.set_local_addr(local),
                // The transaction's timeout and the retry backoff decide.
                Err(e) => tracing::warn!("{e}"),
            }
        }
        while let Some(ev) = k.publication.poll_event() {
            k.on_event(ev);
        }
    }
    Ok(())
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// The instant of a wall-clock time (the past: now).
fn instant_of(t: Timestamp) -> Instant {
    let left = t.duration_since(Timestamp::now());
    Instant::now() + Duration::try_from(left).unwrap_or(Duration::ZERO)
}

fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn view_of_chosen(s: &OwnStatus) -> StatusView {
    StatusView {
        state: s.state.as_str().to_string(),
        availability: s.availability.as_ref().map(|a| a.as_str().to_string()),
        note: s.note.clone(),
        until: s.until.map(rfc3339),
        source: None,
    }
}

fn view_of_published(p: &Published) -> StatusView {
    StatusView {
        state: p.presence.as_str().to_string(),
        availability: p.availability.as_ref().map(|a| a.as_str().to_string()),
        note: p.note.clone(),
        until: p.until.map(rfc3339),
        source: Some(p.source.as_str().to_string()),
    }
}

impl Keeper {
    fn next_wake(&self) -> Option<Instant> {
        let calendar = self
            .calendar
            .calendar()
            .and_then(|c| c.next_change(Timestamp::now()))
            .map(instant_of);
        let reread = self.calendar.next_read();
        [self.publication.poll_timeout(), calendar, reread]
            .into_iter()
            .flatten()
            .min()
    }

    fn on_timer(&mut self) {
        let now = Instant::now();
        self.publication.handle_timeout(now);
        self.calendar.read_if_due(now);
        // A calendar edge may have passed: publish what is right now.
        self.republish();
    }

    fn reply(&self, error: Option<String>) -> Reply {
        Reply {
            ok: error.is_none(),
            error,
            chosen: self.chosen.as_ref().map(view_of_chosen),
            published: self.published.as_ref().map(view_of_published),
            set_by: self.set_by.clone(),
            etag: self.publication.etag().map(str::to_string),
            server_expires: self.publication.expires_at().map(|at| {
                let left = at.saturating_duration_since(Instant::now());
                rfc3339(
                    Timestamp::now()
                        .checked_add(jiff::SignedDuration::try_from(left).unwrap_or_default())
                        .unwrap_or(Timestamp::MAX),
                )
            }),
            keeper_pid: std::process::id(),
            keeper_since: rfc3339(self.since),
            action_error: self.action_error.clone(),
            calendar: self.calendar.describe(&jiff::tz::TimeZone::system()),
        }
    }

    fn on_request(&mut self, req: Request, tx: oneshot::Sender<Reply>) {
        match req {
            Request::Show => {
                let _ = tx.send(self.reply(None));
            }
            Request::Idle { idle } => {
                self.idle = idle;
                self.waiters.push(tx);
                self.republish();
            }
            Request::Clear { by } => {
                self.chosen = None;
                self.set_by = Some(by);
                self.clearing = true;
                self.waiters.push(tx);
                let old = self.published.take();
                self.run_action(old.as_ref(), None);
                self.publication.remove(Instant::now());
            }
            Request::Set {
                state,
                availability,
                note,
                until,
                by,
            } => {
                let state = match Chosen::parse(&state) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = tx.send(self.reply(Some(e)));
                        return;
                    }
                };
                let until = match until.map(Timestamp::from_second).transpose() {
                    Ok(u) => u,
                    Err(e) => {
                        let _ = tx.send(self.reply(Some(format!("bad until: {e}"))));
                        return;
                    }
                };
                self.clearing = false;
                self.chosen = Some(OwnStatus {
                    state,
                    availability: availability.as_deref().map(parse_availability),
                    note: note
                        .map(|n| crate::text::line(n.trim(), 200).into_owned())
                        .filter(|n| !n.is_empty()),
                    until,
                });
                self.set_by = Some(crate::text::line(&by, 40).into_owned());
                self.waiters.push(tx);
                self.published = None; // force a PUBLISH
                self.republish();
            }
        }
    }

    /// Publish what the chosen status, the calendar and idleness give now,
    /// if it differs from what is published; answers waiters when nothing
    /// is sent.
    fn republish(&mut self) {
        let Some(chosen) = &self.chosen else {
            // Nothing chosen, nothing published: idleness alone publishes
            // nothing.
            if !self.publication.is_busy() {
                self.answer_waiters(None);
            }
            return;
        };
        let now = Zoned::now();
        let event = self
            .calendar
            .calendar()
            .and_then(|c| c.active_at(now.timestamp()));
        let next = resolve(
            chosen,
            event.as_ref(),
            self.idle,
            self.cfg.status.calendar_subjects,
            &now,
        );
        if self.published.as_ref() == Some(&next) {
            // Unchanged: whoever waits is answered, unless a PUBLISH is
            // still in flight (its answer answers them).
            if !self.publication.is_busy() {
                self.answer_waiters(None);
            }
            return;
        }
        let doc = crate::status::doc::document(&self.publication.config().account_uri, &next);
        let until = chosen.until.map(instant_of);
        let old = self.published.replace(next.clone());
        self.run_action(old.as_ref(), Some(&next));
        self.publication.set(Instant::now(), doc, until);
    }

    fn answer_waiters(&mut self, error: Option<String>) {
        let reply = self.reply(error);
        for w in self.waiters.drain(..) {
            let _ = w.send(reply.clone());
        }
    }

    fn on_event(&mut self, ev: PublicationEvent) {
        match ev {
            PublicationEvent::Published { .. } => self.answer_waiters(None),
            PublicationEvent::Removed => {
                // Nothing is published now (also when the publication
                // removed itself at an until nothing replaced).
                self.published = None;
                self.answer_waiters(None);
                if self.clearing {
                    self.finished = true;
                }
            }
            PublicationEvent::Failed { reason, .. } => self.answer_waiters(Some(reason)),
            PublicationEvent::UntilReached => {
                let passed = self
                    .chosen
                    .as_ref()
                    .and_then(|c| c.until)
                    .is_some_and(|u| u <= Timestamp::now());
                if passed {
                    tracing::info!("until passed: publishing the default state");
                    self.chosen = Some(OwnStatus::plain(self.cfg.status.default));
                    self.set_by = Some("default (until passed)".into());
                }
                // Not passed by the wall clock (it was set back): the same
                // document again, with its until counted afresh. Either
                // way something replaces the document, so the publication
                // does not remove itself (a Min-Expires grant past the
                // until, see `Publication`).
                self.published = None;
                self.republish();
            }
        }
    }

    /// The per-state command, if configured and the state, note or until
    /// changed; its result comes back over `actions`.
    fn run_action(&mut self, old: Option<&Published>, new: Option<&Published>) {
        let Some(cmd) = self.cfg.status.action.clone() else {
            return;
        };
        let same = |a: &Published, b: &Published| {
            a.presence == b.presence && a.note == b.note && a.until == b.until
        };
        if let (Some(o), Some(n)) = (old, new)
            && same(o, n)
        {
            return;
        }
        let cleared = Published {
            presence: crate::presence::Presence::Offline,
            other: None,
            availability: None,
            note: None,
            until: None,
            source: crate::status::auto::Source::Chosen,
        };
        let env = crate::status::action::environment(
            &self.publication.config().account_uri,
            old,
            new.unwrap_or(&cleared),
        );
        let limit = self.cfg.status.action_timeout;
        let results = self.actions.clone();
        tokio::spawn(async move {
            let result = super::action::run(&cmd, &env, limit).await;
            let _ = results.send(result.err());
        });
    }
}
