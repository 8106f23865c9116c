//! The keeper's calendar: an ICS file read, or an http(s) URL fetched, every
//! `calendar_refresh`, keeping the last good copy when a read fails.
//!
//! Decisions:
//! - A URL is fetched with `ureq` (blocking, rustls: the program's one TLS
//!   stack and trusted roots, [`crate::tls_roots`]) on tokio's blocking pool, so the keeper's
//!   loop never waits on the network; the text comes back over a channel
//!   ([`CalendarFeed::on_fetched`]). One fetch at a time.
//! - Limits: [`FETCH_TIMEOUT`] for the whole request (connect, headers,
//!   body), [`MAX_CALENDAR_BYTES`] for the body; a larger calendar is an
//!   error, not a truncated one.
//! - A failed read or fetch never throws away the last good calendar: the
//!   keeper goes on using it, logs the failure, and `status show` says
//!   "using the copy from HH:MM; the last refresh failed: …".
//! - An answer other than 2xx is a failure (its status is named).
//! - A calendar URL is often a secret (a token in the path or the query,
//!   credentials before the host): messages and the log show only its
//!   scheme and host ([`shown_url`]).

use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::mpsc;

use crate::config::CalendarSource;
use crate::status::calendar::{self, Calendar};

/// The longest a calendar fetch may take, all of it.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
/// The largest calendar we read (bytes).
pub const MAX_CALENDAR_BYTES: u64 = 4 * 1024 * 1024;

/// The calendar source, its last good copy and the last failure.
pub struct CalendarFeed {
    source: Option<CalendarSource>,
    refresh: Duration,
    good: Option<Calendar>,
    good_at: Option<Timestamp>,
    error: Option<String>,
    read_at: Option<Instant>,
    fetching: bool,
    results: mpsc::UnboundedSender<Result<String, String>>,
}

impl CalendarFeed {
    /// A feed of `source`; URL fetches report into `results`.
    pub fn new(
        source: Option<CalendarSource>,
        refresh: Duration,
        results: mpsc::UnboundedSender<Result<String, String>>,
    ) -> Self {
        CalendarFeed {
            source,
            refresh,
            good: None,
            good_at: None,
            error: None,
            read_at: None,
            fetching: false,
            results,
        }
    }

    /// The calendar in use (the last good copy).
    pub fn calendar(&self) -> Option<&Calendar> {
        self.good.as_ref()
    }

    /// When the next read is due (None: no calendar, or a fetch runs).
    pub fn next_read(&self) -> Option<Instant> {
        if self.fetching {
            return None;
        }
        self.read_at.map(|t| t + self.refresh)
    }

    /// Read now if never read or the refresh period has passed.
    pub fn read_if_due(&mut self, now: Instant) {
        if self.source.is_some() && self.next_read().is_none_or(|t| now >= t) && !self.fetching {
            self.read(now);
        }
    }

    /// Start a read: a file at once, a URL on the blocking pool (its text
    /// comes to [`on_fetched`](Self::on_fetched)).
    pub fn read(&mut self, now: Instant) {
        let Some(src) = self.source.clone() else {
            return;
        };
        self.read_at = Some(now);
        match src {
            CalendarSource::File(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()));
                self.take(text, &path.display().to_string());
            }
            CalendarSource::Url(url) => {
                self.fetching = true;
                let results = self.results.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = results.send(fetch(&url, FETCH_TIMEOUT, MAX_CALENDAR_BYTES));
                });
            }
        }
    }

    /// The outcome of a URL fetch.
    pub fn on_fetched(&mut self, text: Result<String, String>) {
        self.fetching = false;
        let name = match &self.source {
            Some(CalendarSource::Url(u)) => shown_url(u),
            _ => "calendar".into(),
        };
        self.take(text, &name);
    }

    fn take(&mut self, text: Result<String, String>, name: &str) {
        let tz = jiff::tz::TimeZone::system();
        let parsed =
            text.and_then(|t| calendar::parse(&t, &tz).map_err(|e| format!("{name}: {e}")));
        match parsed {
            Ok(c) => {
                tracing::info!("calendar: {} events from {name}", c.len());
                self.good = Some(c);
                self.good_at = Some(Timestamp::now());
                self.error = None;
            }
            Err(e) => {
                let e = crate::text::line(&e, 300).into_owned();
                match self.good_at {
                    Some(_) => tracing::warn!("calendar: {e}; keeping the last good copy"),
                    None => tracing::warn!("calendar: {e}"),
                }
                self.error = Some(e);
            }
        }
    }

    /// What `status show` says about the calendar (None: none configured).
    pub fn describe(&self, tz: &jiff::tz::TimeZone) -> Option<String> {
        self.source.as_ref()?;
        let at = |t: Timestamp| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        };
        let events = |c: &Calendar| match c.len() {
            1 => "1 event".to_string(),
            n => format!("{n} events"),
        };
        Some(match (&self.good, self.good_at, &self.error) {
            (Some(c), Some(t), Some(e)) => format!(
                "{}, the copy from {}; the last refresh failed: {e}",
                events(c),
                at(t)
            ),
            (Some(c), _, None) => events(c),
            (None, _, Some(e)) => e.clone(),
            _ if self.fetching => "being fetched".into(),
            _ => "not read yet".into(),
        })
    }
}

/// Fetch `url` (blocking): its body as text, at most `limit` bytes, all
/// within `timeout`; any failure as a sentence naming the URL.
pub fn fetch(url: &str, timeout: Duration, limit: u64) -> Result<String, String> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
    let shown = shown_url(url);
    let roots: Vec<Certificate<'static>> = crate::tls_roots::system_certs()
        .iter()
        .map(|der| Certificate::from_der(der.as_ref()).to_owned())
        .collect();
    let tls = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(crate::tls_roots::provider())
        .root_certs(RootCerts::new_with_certs(&roots))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .tls_config(tls)
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut resp = agent
        .get(url)
        .call()
        .map_err(|e| format!("cannot fetch {shown}: {e}"))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!(
            "cannot fetch {shown}: the server answered {status}"
        ));
    }
    resp.body_mut()
        .with_config()
        .limit(limit)
        .read_to_string()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => {
                format!("{shown}: the calendar is larger than {limit} bytes; not read")
            }
            e => format!("cannot read {shown}: {e}"),
        })
}

/// `https://host/…`: the URL without credentials, path or query.
pub fn shown_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let more = if rest.len() > authority.len() {
        "/…"
    } else {
        ""
    };
    crate::text::line(&format!("{scheme}://{host}{more}"), 200).into_owned()
}

#[cfg(test)]
#[path = "calendar_feed_tests.rs"]
mod tests;
