//! Headers we parse ourselves: the codec leaves every value as a string.
//!
//! - [`SipUri`] (re-exported from `sip::uri`), [`NameAddr`] (From/To/Contact), [`CSeq`], [`via_branch`]
//! - `event`: Event, Subscription-State, Expires, Retry-After, SIP-ETag,
//!   Content-Type (re-exported here)

mod event;
#[cfg(test)]
mod tests;

pub use crate::sip::uri::SipUri;
pub use event::{
    EventHeader, SubscriptionState, TerminationReason, content_type_is, parse_etag, parse_event,
    parse_expires, parse_retry_after, parse_subscription_state,
};

use crate::sip::codec::Method;
use std::fmt;

/// A header value we could not use: which header, the value, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("bad {header} value {value:?}: {reason}")]
    Invalid {
        header: &'static str,
        value: String,
        reason: &'static str,
    },
}

pub(crate) fn invalid(header: &'static str, value: &str, reason: &'static str) -> HeaderError {
    const MAX: usize = 120;
    let value = match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", value.get(..cut).unwrap_or_default()),
        None => value.to_string(),
    };
    HeaderError::Invalid {
        header,
        value,
        reason,
    }
}

/// A name-addr or addr-spec with header parameters: the value of From,
/// To, Contact, Refer-To...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted; `None` when absent or empty.
    pub display: Option<String>,
    /// The URI as written (inside the angle brackets, if any).
    pub uri: String,
    /// Header parameters (`tag`, `expires`, ...); quoted values unquoted.
    pub params: Vec<(String, Option<String>)>,
}

impl NameAddr {
    /// Parses `"Bob" <sip:bob@example.test>;tag=x`, `Bob <sip:..>`,
    /// `<sip:..>;tag=x` and the bare form `sip:..;tag=x` (where every `;`
    /// parameter belongs to the header, RFC 3261 20.10).
    pub fn parse(s: &str) -> Result<NameAddr, HeaderError> {
        const H: &str = "name-addr";
        let s = s.trim();
        if s.is_empty() {
            return Err(invalid(H, s, "empty"));
        }
        let (display, uri, rest) = match find_outside_quotes(s, '<') {
            Some(lt) => {
                let (before, after) = s.split_at(lt);
                let after = after.get(1..).unwrap_or_default();
                let gt = after
                    .find('>')
                    .ok_or_else(|| invalid(H, s, "missing '>'"))?;
                let (uri, rest) = after.split_at(gt);
                let display = before.trim();
                let display = if display.starts_with('"') {
                    Some(unquote(display).ok_or_else(|| invalid(H, s, "bad quoted display name"))?)
                } else {
                    Some(display.to_string())
                };
                (display, uri.trim(), rest.get(1..).unwrap_or_default())
            }
            None => {
                let end = s.find(';').unwrap_or(s.len());
                let (uri, rest) = s.split_at(end);
                // RFC 3261 20: a URI with a comma or a question mark must
                // be in angle brackets (RFC 4475 3.1.2.13).
                if uri.contains([',', '?']) {
                    return Err(invalid(H, s, "a URI with ',' or '?' must be in <>"));
                }
                (None, uri.trim(), rest)
            }
        };
        if uri.is_empty() || !uri.contains(':') || uri.chars().any(char::is_whitespace) {
            return Err(invalid(H, s, "missing or bad URI"));
        }
        let rest = rest.trim();
        if !(rest.is_empty() || rest.starts_with(';')) {
            return Err(invalid(H, s, "unexpected text after the URI"));
        }
        let params = parse_params(rest).map_err(|reason| invalid(H, s, reason))?;
        Ok(NameAddr {
            display: display.filter(|d| !d.is_empty()),
            uri: uri.to_string(),
            params,
        })
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.param("tag")
    }

    /// A header parameter by name (case-insensitive); `Some("")` for one
    /// without value.
    pub fn param(&self, name: &str) -> Option<&str> {
        find_param(&self.params, name)
    }
}

impl fmt::Display for NameAddr {
    /// Always the `<uri>` form, with a quoted display name if there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            let escaped = d.replace('\\', "\\\\").replace('"', "\\\"");
            write!(f, "\"{escaped}\" ")?;
        }
        write!(f, "<{}>", self.uri)?;
        write_params(f, &self.params)
    }
}

/// A CSeq value: `2 NOTIFY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

pub fn parse_cseq(s: &str) -> Result<CSeq, HeaderError> {
    let mut parts = s.split_ascii_whitespace();
    let (Some(seq), Some(method), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("CSeq", s, "expected `number METHOD`"));
    };
    if !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("CSeq", s, "sequence number is not a number"));
    }
    let seq = seq
        .parse::<u32>()
        .map_err(|_| invalid("CSeq", s, "sequence number out of range"))?;
    Ok(CSeq {
        seq,
        method: Method::parse(method),
    })
}

/// The `branch` parameter of the first Via in `via_value` (a Via header
/// value that may hold several comma-separated Vias).
pub fn via_branch(via_value: &str) -> Option<String> {
    via_branch_ref(via_value).map(str::to_string)
}

/// [`via_branch`] without allocating: the branch as a slice of `via_value`
/// (for the per-NOTIFY transaction key).
pub fn via_branch_ref(via_value: &str) -> Option<&str> {
    // Splitting at a separator outside quotes, one piece at a time: at each
    // split point no quote is open, so starting the scan again there reads
    // the same pieces as `split_outside_quotes`.
    let first = match find_outside_quotes(via_value, ',') {
        Some(i) => via_value.get(..i)?,
        None => via_value,
    };
    let mut rest = first;
    let mut sent_by = true; // the first piece is the sent-by, not a parameter
    loop {
        let (piece, next) = match find_outside_quotes(rest, ';') {
            Some(i) => (rest.get(..i)?, rest.get(i + 1..)),
            None => (rest, None),
        };
        if !sent_by
            && let Some((name, value)) = piece.split_once('=')
            && name.trim().eq_ignore_ascii_case("branch")
        {
            let branch = value.trim();
            return (!branch.is_empty()).then_some(branch);
        }
        sent_by = false;
        rest = next?;
    }
}

// ---- shared helpers ----

pub(crate) fn find_param<'a>(
    params: &'a [(String, Option<String>)],
    name: &str,
) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

pub(crate) fn write_params(
    f: &mut fmt::Formatter<'_>,
    params: &[(String, Option<String>)],
) -> fmt::Result {
    for (name, value) in params {
        match value {
            Some(v)
                if v.chars()
                    .any(|c| c.is_whitespace() || matches!(c, ';' | ',' | '"')) =>
            {
                let escaped = v.replace('\\', "\\\\").replace('"', "\\\"");
                write!(f, ";{name}=\"{escaped}\"")?
            }
            Some(v) => write!(f, ";{name}={v}")?,
            None => write!(f, ";{name}")?,
        }
    }
    Ok(())
}

/// Parses `;a=1;b;c="x;y"` (a leading `;` optional) into (name, value),
/// quoted values unquoted.
pub(crate) fn parse_params(s: &str) -> Result<Vec<(String, Option<String>)>, &'static str> {
    let mut out = Vec::new();
    let pieces = split_outside_quotes(s.trim(), ';');
    let last = pieces.len().saturating_sub(1);
    for (i, piece) in pieces.into_iter().enumerate() {
        let piece = piece.trim();
        // Before the first `;` is nothing (callers pass `;a=b;c`); a
        // trailing `;` is tolerated (seen in the wild); `;;` is not a
        // parameter list (RFC 4475 3.1.2.1).
        if piece.is_empty() && (i == 0 || i == last) {
            continue;
        }
        if piece.is_empty() {
            return Err("empty parameter (`;;`)");
        }
        let (name, value) = match piece.split_once('=') {
            Some((n, v)) => {
                let v = v.trim();
                let v = if v.starts_with('"') {
                    unquote(v).ok_or("bad quoted parameter value")?
                } else {
                    v.to_string()
                };
                (n.trim(), Some(v))
            }
            None => (piece, None),
        };
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '"') {
            return Err("bad parameter name");
        }
        out.push((name.to_string(), value));
    }
    Ok(out)
}

/// Splits at `sep` where it is not inside a quoted string.
pub(crate) fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(s.get(start..i).unwrap_or_default());
            start = i + c.len_utf8();
        }
    }
    out.push(s.get(start..).unwrap_or_default());
    out
}

fn find_outside_quotes(s: &str, needle: char) -> Option<usize> {
    if let Ok(byte) = u8::try_from(needle)
        && byte.is_ascii()
    {
        return find_byte_outside_quotes(s, byte);
    }
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == needle && !quoted {
            return Some(i);
        }
    }
    None
}

/// [`find_outside_quotes`] for an ASCII needle, byte by byte: in UTF-8
/// the bytes of a multi-byte character are never ASCII, so they match
/// neither the needle, a quote nor a backslash (an escaped one skips its
/// first byte, the rest are plain), and the answer is the same.
fn find_byte_outside_quotes(s: &str, needle: u8) -> Option<usize> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && b == b'\\' {
            escaped = true;
        } else if b == b'"' {
            quoted = !quoted;
        } else if b == needle && !quoted {
            return Some(i);
        }
    }
    None
}

/// The content of a quoted string that makes up all of `s` (escapes
/// resolved); `None` if `s` is not exactly one quoted string.
pub(crate) fn unquote(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return chars.as_str().trim().is_empty().then_some(out),
            c => out.push(c),
        }
    }
    None
}
