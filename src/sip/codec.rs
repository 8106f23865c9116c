//! Our SIP message types and their wire form.
//!
//! The types are ours so the codec underneath can be replaced. Parsing is
//! done here, by hand, not by the rsipstack parser: that parser drops the
//! remaining headers at a non-UTF-8 line, reads a malformed Content-Length
//! as 0, accepts a body shorter than Content-Length, rejects unknown
//! methods and turns every header into a typed rsipstack value that we
//! would have to print back to a string. A start line plus `name: value`
//! lines is little code, and the rules below are then exactly ours:
//!
//! - header values are unfolded and trimmed; names are stored in their
//!   long canonical form (compact `i f t v l m c k s o u x e r b j y a d n`
//!   recognised);
//! - the header section (start line, headers, blank line) is limited to
//!   [`MAX_HEADER_SECTION`] bytes and must be UTF-8; bodies are bytes;
//! - Content-Length frames bodies (see [`parse`] and [`frame`]);
//! - a message is refused, with a reason, when RFC 4475 calls it invalid
//!   and we can tell from the start line and the headers we always read: a
//!   repeated From, To, Call-ID or CSeq; a request whose CSeq names another
//!   method; a Request-URI that is not a URI (`<sip:..>`, no scheme) or a
//!   SIP URI that does not parse or carries headers (`?Route=`). The
//!   torture messages and what we answer to each are in
//!   `tests/rfc_torture.rs`.

mod header_map;
mod names;
mod parse;
mod stream;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod write_tests;

pub use header_map::Headers;
pub use names::canonical as canonical_header_name;
pub use parse::{
    Frame, MAX_CONTENT_LENGTH, MAX_HEADER_SECTION, frame, next_frame, parse, parse_head,
    skip_keepalive,
};
pub use stream::{StreamItem, StreamReader};

use std::fmt;

/// A SIP method. Method names are case-sensitive (RFC 3261 7.1): anything
/// that is not exactly one of the known upper-case names is `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    Register,
    Subscribe,
    Notify,
    Publish,
    Options,
    Invite,
    Ack,
    Bye,
    Cancel,
    Message,
    Info,
    Refer,
    Update,
    Prack,
    Other(String),
}

const KNOWN_METHODS: [(Method, &str); 14] = [
    (Method::Register, "REGISTER"),
    (Method::Subscribe, "SUBSCRIBE"),
    (Method::Notify, "NOTIFY"),
    (Method::Publish, "PUBLISH"),
    (Method::Options, "OPTIONS"),
    (Method::Invite, "INVITE"),
    (Method::Ack, "ACK"),
    (Method::Bye, "BYE"),
    (Method::Cancel, "CANCEL"),
    (Method::Message, "MESSAGE"),
    (Method::Info, "INFO"),
    (Method::Refer, "REFER"),
    (Method::Update, "UPDATE"),
    (Method::Prack, "PRACK"),
];

impl Method {
    pub fn as_str(&self) -> &str {
        if let Method::Other(s) = self {
            return s;
        }
        KNOWN_METHODS
            .iter()
            .find(|(m, _)| m == self)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }

    pub fn parse(s: &str) -> Method {
        let s = s.trim();
        KNOWN_METHODS
            .iter()
            .find(|(_, name)| *name == s)
            .map(|(m, _)| m.clone())
            .unwrap_or_else(|| Method::Other(s.to_string()))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub uri: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

/// Why bytes are not a SIP message we accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("no start line: the message is empty or only CR/LF")]
    NoStartLine,
    #[error("bad start line {line:?}: expected `METHOD uri SIP/2.0` or `SIP/2.0 code reason`")]
    BadStartLine { line: String },
    #[error("unsupported SIP version {version:?} (only SIP/2.0)")]
    BadVersion { version: String },
    #[error("bad status code {code:?}: expected three digits 100-699")]
    BadStatusCode { code: String },
    #[error("missing the blank line that ends the header section")]
    MissingSeparator,
    #[error("header line {line_no} is not `Name: value`: {line:?}")]
    BadHeaderLine { line_no: usize, line: String },
    #[error("header line {line_no} is not valid UTF-8")]
    HeaderNotUtf8 { line_no: usize },
    #[error("header section too large: {size} bytes (limit {MAX_HEADER_SECTION})")]
    HeaderSectionTooLarge { size: usize },
    #[error("bad Content-Length {value:?}")]
    BadContentLength { value: String },
    #[error("two different Content-Length values: {first} and {second}")]
    ConflictingContentLength { first: usize, second: usize },
    #[error("Content-Length {length} is over the limit of {MAX_CONTENT_LENGTH} bytes")]
    ContentLengthTooLarge { length: usize },
    #[error("missing Content-Length on a stream transport")]
    MissingContentLength,
    #[error("truncated body: Content-Length says {expected} bytes, got {got}")]
    TruncatedBody { expected: usize, got: usize },
    #[error("missing mandatory header {name}")]
    MissingHeader { name: &'static str },
    #[error("header {name} appears more than once (it takes one value, RFC 3261 7.3.1)")]
    RepeatedHeader { name: &'static str },
    #[error("bad Request-URI {uri:?}: {reason}")]
    BadRequestUri { uri: String, reason: String },
    #[error("the method {method} of the request line is not the CSeq's {cseq:?}")]
    CSeqMethodMismatch { method: String, cseq: String },
}

/// Writes the headers (all but Content-Length), then Content-Length from
/// the body, the blank line and the body.
fn write_rest(out: &mut Vec<u8>, headers: &Headers, body: &[u8]) {
    for (name, value) in headers.iter() {
        if name.eq_ignore_ascii_case("Content-Length") {
            continue;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, uri: impl Into<String>) -> Self {
        Request {
            method,
            uri: uri.into(),
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// The wire form. Content-Length is written from `body.len()`; any
    /// Content-Length in `headers` is ignored.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(format!("{} {} SIP/2.0\r\n", self.method, self.uri).as_bytes());
        write_rest(&mut out, &self.headers, &self.body);
        out
    }
}

impl Response {
    /// A response with no headers and no body.
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        Response {
            status,
            reason: reason.into(),
            headers: Headers::new(),
            body: Vec::new(),
        }
    }

    /// The wire form. Content-Length is written from `body.len()`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(format!("SIP/2.0 {} {}\r\n", self.status, self.reason).as_bytes());
        write_rest(&mut out, &self.headers, &self.body);
        out
    }
}

impl Message {
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

/// A response to `req` per RFC 3261 8.2.6: copies all Via (in order),
/// From, To, Call-ID and CSeq; adds `;tag=<to_tag>` to To if it has no tag
/// and `to_tag` is given.
pub fn response_to(req: &Request, status: u16, reason: &str, to_tag: Option<&str>) -> Response {
    let mut resp = Response::new(status, reason);
    for via in req.headers.get_all("Via") {
        resp.headers.push("Via", via);
    }
    for name in ["From", "To", "Call-ID", "CSeq"] {
        let Some(value) = req.headers.get(name) else {
            continue;
        };
        let mut value = value.to_string();
        if name == "To"
            && let Some(tag) = to_tag
            && !has_tag(&value)
        {
            value.push_str(";tag=");
            value.push_str(tag);
        }
        resp.headers.push(name, value);
    }
    resp
}

/// The bytes of `response_to(req, status, reason, None)` with `extra`
/// headers pushed after the copied ones, as `Response::to_bytes` writes
/// them (no body), built in one buffer without the `Response`: the
/// engine answers every NOTIFY with it. Header names are written in their
/// canonical form, as `Headers::push` stores them.
pub fn write_response_to(
    req: &Request,
    status: u16,
    reason: &str,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let copied = ["Via", "From", "To", "Call-ID", "CSeq"];
    let mut size = 32 + reason.len();
    for (name, value) in req.headers.iter() {
        if copied.contains(&name) {
            size += name.len() + value.len() + 4;
        }
    }
    for (name, value) in extra {
        size += name.len() + value.len() + 4;
    }
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(b"SIP/2.0 ");
    push_decimal(&mut out, usize::from(status));
    out.push(b' ');
    out.extend_from_slice(reason.as_bytes());
    out.extend_from_slice(b"\r\n");
    let mut line = |name: &str, value: &str| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    };
    for via in req.headers.get_all("Via") {
        line("Via", via);
    }
    for name in ["From", "To", "Call-ID", "CSeq"] {
        if let Some(value) = req.headers.get(name) {
            line(name, value);
        }
    }
    for (name, value) in extra {
        let name = names::known(name).unwrap_or(name.trim());
        if !name.eq_ignore_ascii_case("Content-Length") {
            line(name, value);
        }
    }
    out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    out
}

/// `n` in decimal, appended to `out`.
fn push_decimal(out: &mut Vec<u8>, n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        if let Some(slot) = digits.get_mut(at) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

fn has_tag(name_addr: &str) -> bool {
    match crate::sip::headers::NameAddr::parse(name_addr) {
        Ok(na) => na.tag().is_some(),
        Err(_) => name_addr.to_ascii_lowercase().contains(";tag="),
    }
}
