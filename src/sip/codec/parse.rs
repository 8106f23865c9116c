//! Parsing one message, and framing messages on a TCP byte stream.

use super::names;
use super::{CodecError, Headers, Message, Method, Request, Response};

/// The largest header section (start line + headers + blank line) accepted.
pub const MAX_HEADER_SECTION: usize = 64 * 1024;
/// The largest Content-Length accepted on a stream: a resource list NOTIFY
/// (several MB for a large list with its documents) plus room for its
/// multipart framing. Single documents are capped lower when parsed
/// (`body::MAX_BODY`).
pub const MAX_CONTENT_LENGTH: usize = crate::body::MAX_LIST_BODY + 64 * 1024;

/// Mandatory in every message we accept (RFC 3261 8.1.1).
const MANDATORY: [&str; 5] = ["Via", "From", "To", "Call-ID", "CSeq"];
/// Mandatory and single-valued: a second one makes the message malformed
/// (RFC 3261 7.3.1; RFC 4475 3.3.8).
const SINGLE: [&str; 4] = ["From", "To", "Call-ID", "CSeq"];

/// The number of CR/LF bytes at the start of `stream`: CRLF keepalives
/// (RFC 5626: `\r\n\r\n` ping, `\r\n` pong) and the CRLFs RFC 3261 7.5
/// says to ignore before a start line. 0 when the stream starts with a
/// message (or is empty).
pub fn skip_keepalive(stream: &[u8]) -> usize {
    stream
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count()
}

/// What [`next_frame`] found at the start of a TCP stream buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// This many CR/LF keepalive bytes: drop them. Four or more bytes are a
    /// ping (RFC 5626 4.4.1), to be answered with a `\r\n` pong.
    Keepalive(usize),
    /// A complete message of this many bytes (headers + body): hand them
    /// to [`parse`] and drop them.
    Message(usize),
}

/// Like [`frame`], but says whether the bytes are a keepalive or a message.
pub fn next_frame(stream: &[u8]) -> Result<Option<Frame>, CodecError> {
    let keepalive = skip_keepalive(stream);
    if keepalive > 0 {
        return Ok(Some(Frame::Keepalive(keepalive)));
    }
    if stream.is_empty() {
        return Ok(None);
    }
    let end = match header_end(stream) {
        Some(end) if end <= MAX_HEADER_SECTION => end,
        Some(end) => return Err(CodecError::HeaderSectionTooLarge { size: end }),
        None if stream.len() > MAX_HEADER_SECTION => {
            return Err(CodecError::HeaderSectionTooLarge { size: stream.len() });
        }
        None => return Ok(None),
    };
    let head = stream.get(..end).unwrap_or_default();
    let length = stream_content_length(head)?.ok_or(CodecError::MissingContentLength)?;
    if length > MAX_CONTENT_LENGTH {
        return Err(CodecError::ContentLengthTooLarge { length });
    }
    let total = end.saturating_add(length);
    Ok((stream.len() >= total).then_some(Frame::Message(total)))
}

/// TCP framing: the length in bytes of the first complete "message" at the
/// start of `stream`, or `None` if more bytes are needed.
///
/// Leading CR/LF bytes (keepalives) count as a complete message of their
/// own length. The caller tells them apart with [`skip_keepalive`]: if
/// `skip_keepalive(stream) > 0` the returned length is exactly that many
/// keepalive bytes, otherwise it is one SIP message for [`parse`]. (Or use
/// [`next_frame`], which says so itself.)
///
/// Errors: a header section over [`MAX_HEADER_SECTION`], a Content-Length
/// over [`MAX_CONTENT_LENGTH`], a missing or malformed Content-Length
/// (mandatory on streams, RFC 3261 18.3). After an error the stream cannot
/// be resynchronised: close the connection.
pub fn frame(stream: &[u8]) -> Result<Option<usize>, CodecError> {
    Ok(next_frame(stream)?.map(|f| match f {
        Frame::Keepalive(n) | Frame::Message(n) => n,
    }))
}

/// The offset just past the blank line ending the header section, if it
/// is within the first `MAX_HEADER_SECTION + 4` bytes. Lines end in LF,
/// optionally preceded by CR.
pub(super) fn header_end(data: &[u8]) -> Option<usize> {
    let scan = data.get(..MAX_HEADER_SECTION + 4).unwrap_or(data);
    let mut line_start = 0usize;
    for (i, b) in scan.iter().enumerate() {
        if *b != b'\n' {
            continue;
        }
        let line = scan.get(line_start..i).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() && line_start > 0 {
            return Some(i + 1);
        }
        line_start = i + 1;
    }
    None
}

/// The lines of a header section (LF or CRLF terminated), without the
/// terminators.
fn lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Content-Length from a raw header section, for framing.
fn stream_content_length(head: &[u8]) -> Result<Option<usize>, CodecError> {
    let mut found: Option<usize> = None;
    for line in lines(head).skip(1) {
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        let name = String::from_utf8_lossy(name);
        let name = name.trim();
        if !(name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("l")) {
            continue;
        }
        let value = String::from_utf8_lossy(value.get(1..).unwrap_or_default());
        found = Some(merge_length(found, &value)?);
    }
    Ok(found)
}

fn merge_length(previous: Option<usize>, value: &str) -> Result<usize, CodecError> {
    let v = value.trim();
    let length = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse::<usize>().ok()
    } else {
        None
    };
    let length = length.ok_or_else(|| CodecError::BadContentLength { value: excerpt(v) })?;
    match previous {
        Some(p) if p != length => Err(CodecError::ConflictingContentLength {
            first: p,
            second: length,
        }),
        _ => Ok(length),
    }
}

/// Parses one whole message: a UDP datagram or one framed TCP message.
///
/// Leading CRLFs are skipped. The header section must be UTF-8; the body
/// is kept as bytes. With a Content-Length, a shorter body is an error and
/// a longer one is truncated (RFC 3261 18.3); without one the body is the
/// rest of the datagram. Via, From, To, Call-ID and CSeq are mandatory.
pub fn parse(datagram: &[u8]) -> Result<Message, CodecError> {
    parse_inner(datagram, true)
}

/// Parses a header section alone (the body is left empty, whatever its
/// Content-Length says): to answer a message whose body is not read, e.g.
/// one over [`MAX_CONTENT_LENGTH`] on a stream.
pub fn parse_head(head: &[u8]) -> Result<Message, CodecError> {
    parse_inner(head, false)
}

fn parse_inner(datagram: &[u8], with_body: bool) -> Result<Message, CodecError> {
    let data = datagram.get(skip_keepalive(datagram)..).unwrap_or_default();
    if data.is_empty() {
        return Err(CodecError::NoStartLine);
    }
    let body_start = match header_end(data) {
        Some(end) if end <= MAX_HEADER_SECTION => end,
        Some(end) => return Err(CodecError::HeaderSectionTooLarge { size: end }),
        None if data.len() > MAX_HEADER_SECTION => {
            return Err(CodecError::HeaderSectionTooLarge { size: data.len() });
        }
        None => return Err(CodecError::MissingSeparator),
    };
    let head = data.get(..body_start).unwrap_or_default();
    let mut head_lines = lines(head);
    let start = head_lines.next().unwrap_or_default();
    let start = std::str::from_utf8(start).map_err(|_| CodecError::BadStartLine {
        line: excerpt(&String::from_utf8_lossy(start)),
    })?;
    let headers = parse_headers(head_lines, head.len())?;

    let mut length: Option<usize> = None;
    for value in headers.get_all("Content-Length") {
        length = Some(merge_length(length, value)?);
    }
    let rest = data.get(body_start..).unwrap_or_default();
    let body = match length {
        _ if !with_body => Vec::new(),
        Some(n) => rest
            .get(..n)
            .ok_or(CodecError::TruncatedBody {
                expected: n,
                got: rest.len(),
            })?
            .to_vec(),
        None => rest.to_vec(),
    };
    for name in MANDATORY {
        if !headers.contains(name) {
            return Err(CodecError::MissingHeader { name });
        }
    }
    for name in SINGLE {
        if headers.get_all(name).nth(1).is_some() {
            return Err(CodecError::RepeatedHeader { name });
        }
    }
    parse_start_line(start, headers, body)
}

fn parse_headers<'a>(
    head_lines: impl Iterator<Item = &'a [u8]>,
    head_len: usize,
) -> Result<Headers, CodecError> {
    // Values go straight into the map's one buffer (the head's size is
    // enough for them all); a folded line extends the last value.
    let mut headers = Headers::with_capacity(16, head_len);
    for (index, raw) in head_lines.enumerate() {
        let line_no = index + 2; // the start line is line 1
        if raw.is_empty() {
            break;
        }
        let line = std::str::from_utf8(raw).map_err(|_| CodecError::HeaderNotUtf8 { line_no })?;
        if line.starts_with([' ', '\t']) {
            if headers.is_empty() {
                return Err(CodecError::BadHeaderLine {
                    line_no,
                    line: excerpt(line),
                });
            }
            let more = line.trim();
            if !more.is_empty() {
                headers.continue_last(more);
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(CodecError::BadHeaderLine {
                line_no,
                line: excerpt(line),
            });
        };
        let name = name.trim();
        if !names::is_token(name) {
            return Err(CodecError::BadHeaderLine {
                line_no,
                line: excerpt(line),
            });
        }
        headers.push_str(name, value.trim());
    }
    Ok(headers)
}

fn parse_start_line(line: &str, headers: Headers, body: Vec<u8>) -> Result<Message, CodecError> {
    let bad = || CodecError::BadStartLine {
        line: excerpt(line),
    };
    let is_response = line
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"));
    if is_response {
        let (version, rest) = line.split_once([' ', '\t']).ok_or_else(bad)?;
        check_version(version)?;
        let rest = rest.trim_start();
        let (code, reason) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
        let status = (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
            .then(|| code.parse::<u16>().ok())
            .flatten()
            .filter(|c| (100..=699).contains(c))
            .ok_or_else(|| CodecError::BadStatusCode {
                code: excerpt(code),
            })?;
        return Ok(Message::Response(Response {
            status,
            reason: reason.trim().to_string(),
            headers,
            body,
        }));
    }
    let mut parts = line.split_ascii_whitespace();
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if !names::is_token(method) {
        return Err(bad());
    }
    check_version(version)?;
    check_request_uri(uri)?;
    check_cseq_method(method, &headers)?;
    Ok(Message::Request(Request {
        method: Method::parse(method),
        uri: uri.to_string(),
        headers,
        body,
    }))
}

/// A Request-URI is an absolute URI (`scheme:...`, RFC 3261 25.1); a
/// `sip:`/`sips:` one must be a SIP URI we can read, without headers
/// (RFC 3261 19.1.1: "not allowed in a Request-URI"; RFC 4475 3.1.2.11).
/// Another scheme is left to the caller (416, RFC 4475 3.3.2).
fn check_request_uri(uri: &str) -> Result<(), CodecError> {
    let bad = |reason: &str| CodecError::BadRequestUri {
        uri: excerpt(uri),
        reason: reason.to_string(),
    };
    let scheme = uri.split_once(':').map_or("", |(s, _)| s);
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(bad("not an absolute URI (`scheme:...`)"));
    }
    if !(scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips")) {
        return Ok(());
    }
    match crate::sip::uri::SipUri::parse(uri) {
        Ok(parsed) if parsed.headers.is_empty() => Ok(()),
        Ok(_) => Err(bad("a Request-URI carries no headers (`?...`)")),
        Err(crate::sip::headers::HeaderError::Invalid { reason, .. }) => Err(bad(reason)),
    }
}

/// A request's CSeq names its own method (RFC 3261 8.1.1.5; RFC 4475
/// 3.1.2.17). A CSeq without a method is left to its parser.
fn check_cseq_method(method: &str, headers: &Headers) -> Result<(), CodecError> {
    let cseq = headers.get("CSeq").unwrap_or_default();
    match cseq.split_ascii_whitespace().nth(1) {
        Some(named) if named != method => Err(CodecError::CSeqMethodMismatch {
            method: excerpt(method),
            cseq: excerpt(cseq),
        }),
        _ => Ok(()),
    }
}

fn check_version(version: &str) -> Result<(), CodecError> {
    if version.eq_ignore_ascii_case("SIP/2.0") {
        Ok(())
    } else {
        Err(CodecError::BadVersion {
            version: excerpt(version),
        })
    }
}

/// At most 120 characters of `s`, for error messages.
pub(super) fn excerpt(s: &str) -> String {
    const MAX: usize = 120;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", s.get(..cut).unwrap_or_default()),
        None => s.to_string(),
    }
}
