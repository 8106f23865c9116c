//! The SIP trace: a ring buffer of the last N messages in and out, what
//! sngrep would show for our own traffic only.
//!
//! Secrets never enter it: before a message is stored, the value of every
//! `Authorization` / `Proxy-Authorization` header (user name, nonce,
//! digest response and all) is replaced by `Digest ***`, and every
//! occurrence of a configured secret (the password, wherever a server or a
//! bug might echo it) by `***`. The text is then made harmless
//! (`crate::text::harmless_text`): a trace is printed to terminals.
//!
//! Sans-IO: the driver calls [`Trace::record`] with `now` for every
//! message it sends or reads; nothing here reads a clock.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::In => "<-",
            Direction::Out => "->",
        }
    }
}

/// One traced message: a summary and the whole text, masked and harmless.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    pub at: Instant,
    pub direction: Direction,
    /// The other end (the server, or where a request came from).
    pub peer: Option<SocketAddr>,
    /// The method of a request, or `status reason` of a response.
    pub what: String,
    pub call_id: String,
    /// The Event header (empty when none).
    pub event: String,
    /// The CSeq header (its method tells what a response answers).
    pub cseq: String,
    /// The whole message, masked and harmless.
    pub text: String,
}

impl TraceEntry {
    /// The method, or a response's status with the method it answers
    /// (`401 Unauthorized (SUBSCRIBE)`).
    pub fn summary(&self) -> String {
        if self.what.starts_with(|c: char| c.is_ascii_digit()) && !self.cseq.is_empty() {
            let method = self.cseq.split_whitespace().nth(1).unwrap_or("");
            format!("{} ({method})", self.what)
        } else {
            self.what.clone()
        }
    }
}

/// What replaces a secret.
pub const MASK: &str = "***";

/// The ring buffer.
#[derive(Debug, Clone)]
pub struct Trace {
    capacity: usize,
    entries: VecDeque<TraceEntry>,
    /// Strings masked wherever they appear (the password).
    secrets: Vec<String>,
}

impl Trace {
    /// Keeps the last `capacity` messages (0: none); `secrets` are masked.
    pub fn new(capacity: usize, secrets: Vec<String>) -> Self {
        Trace {
            capacity,
            entries: VecDeque::with_capacity(capacity.min(1024)),
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Record one message (the oldest goes when full). Returns the entry
    /// (also when the ring keeps nothing, for a live trace).
    pub fn record(
        &mut self,
        at: Instant,
        direction: Direction,
        peer: Option<SocketAddr>,
        bytes: &[u8],
    ) -> TraceEntry {
        let entry = entry(at, direction, peer, bytes, &self.secrets);
        if self.capacity > 0 {
            if self.entries.len() >= self.capacity {
                self.entries.pop_front();
            }
            self.entries.push_back(entry.clone());
        }
        entry
    }

    /// The messages kept, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A masked, harmless entry for `bytes`.
pub fn entry(
    at: Instant,
    direction: Direction,
    peer: Option<SocketAddr>,
    bytes: &[u8],
    secrets: &[String],
) -> TraceEntry {
    let raw = String::from_utf8_lossy(bytes);
    let text = crate::text::harmless_text(&mask(&raw, secrets));
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    let what = match first.strip_prefix("SIP/2.0 ") {
        Some(status) => status.to_string(),
        None => first.split(' ').next().unwrap_or("").to_string(),
    };
    let (mut call_id, mut event, mut cseq) = (String::new(), String::new(), String::new());
    for line in lines {
        if line.is_empty() {
            break; // the body
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "call-id" | "i" => call_id = value,
            "event" | "o" => event = value,
            "cseq" => cseq = value,
            _ => {}
        }
    }
    TraceEntry {
        at,
        direction,
        peer,
        what,
        call_id,
        event,
        cseq,
        text,
    }
}

/// `text` with every credentials header's value and every secret masked.
pub fn mask(text: &str, secrets: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_body = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if !in_body && bare.is_empty() {
            in_body = true;
        }
        let name = bare.split_once(':').map(|(n, _)| n.trim());
        let is_credentials = !in_body
            && name.is_some_and(|n| {
                n.eq_ignore_ascii_case("Authorization")
                    || n.eq_ignore_ascii_case("Proxy-Authorization")
            });
        if is_credentials && let Some((n, value)) = bare.split_once(':') {
            let scheme = value.split_whitespace().next().unwrap_or("");
            out.push_str(n);
            out.push_str(": ");
            out.push_str(scheme);
            out.push(' ');
            out.push_str(MASK);
            out.push_str(&line[bare.len()..]);
        } else {
            out.push_str(line);
        }
    }
    for secret in secrets {
        if !secret.is_empty() && out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBSCRIBE: &str = "SUBSCRIBE sip:alice@127.0.0.1 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bK1\r\n\
        Call-ID: abc@127.0.0.1\r\n\
        CSeq: 2 SUBSCRIBE\r\n\
        Event: presence\r\n\
        Authorization: Digest username=\"attendant\", realm=\"r\", nonce=\"n1\", uri=\"sip:alice@127.0.0.1\", response=\"0123456789abcdef0123456789abcdef\"\r\n\
        proxy-authorization:Digest username=\"attendant\", response=\"fedcba\"\r\n\
        X-Echo: hunter2 was the password\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn credentials_and_the_password_are_masked_before_storing() {
        let mut t = Trace::new(10, vec!["hunter2".into()]);
        let e = t.record(Instant::now(), Direction::Out, None, SUBSCRIBE.as_bytes());
        for secret in [
            "hunter2",
            "0123456789abcdef",
            "fedcba",
            "nonce=",
            "username=",
        ] {
            assert!(!e.text.contains(secret), "{secret} leaked:\n{}", e.text);
        }
        assert!(e.text.contains("Authorization: Digest ***"), "{}", e.text);
        assert!(e.text.contains("proxy-authorization: Digest ***"));
        assert!(e.text.contains("X-Echo: *** was the password"));
        assert_eq!(t.entries().next(), Some(&e), "stored as shown");
    }

    #[test]
    fn the_summary_names_method_status_call_id_event_and_cseq() {
        let e = entry(
            Instant::now(),
            Direction::Out,
            None,
            SUBSCRIBE.as_bytes(),
            &[],
        );
        assert_eq!(
            (e.what.as_str(), e.call_id.as_str(), e.event.as_str()),
            ("SUBSCRIBE", "abc@127.0.0.1", "presence")
        );
        let resp = "SIP/2.0 404 Not Found\r\ni: x1\r\nCSeq: 1 SUBSCRIBE\r\no: dialog\r\n\r\n";
        let e = entry(Instant::now(), Direction::In, None, resp.as_bytes(), &[]);
        assert_eq!(e.what, "404 Not Found");
        assert_eq!((e.call_id.as_str(), e.event.as_str()), ("x1", "dialog"));
        assert_eq!(e.cseq, "1 SUBSCRIBE");
    }

    #[test]
    fn the_ring_keeps_the_last_n_and_zero_keeps_none() {
        let mut t = Trace::new(3, vec![]);
        let now = Instant::now();
        for i in 0..5 {
            let msg = format!("OPTIONS sip:x SIP/2.0\r\nCall-ID: c{i}\r\n\r\n");
            t.record(now, Direction::Out, None, msg.as_bytes());
        }
        let ids: Vec<&str> = t.entries().map(|e| e.call_id.as_str()).collect();
        assert_eq!(ids, ["c2", "c3", "c4"]);
        let mut off = Trace::new(0, vec![]);
        let e = off.record(now, Direction::In, None, b"OPTIONS sip:x SIP/2.0\r\n\r\n");
        assert!(off.is_empty() && e.what == "OPTIONS");
    }

    #[test]
    fn hostile_bytes_are_made_harmless() {
        let msg = b"NOTIFY sip:x SIP/2.0\r\nCall-ID: a\x1b[2Jb\r\n\r\n\xff\xfe";
        let e = entry(Instant::now(), Direction::In, None, msg, &[]);
        assert!(!e.text.contains('\u{1b}') && !e.call_id.contains('\u{1b}'));
    }

    #[test]
    fn a_body_line_named_authorization_is_not_a_header() {
        let msg = "NOTIFY sip:x SIP/2.0\r\nCall-ID: a\r\n\r\nAuthorization: kept\r\n";
        assert!(mask(msg, &[]).contains("Authorization: kept"));
    }
}
