//! `multipart/related` (RFC 2387) split into its parts, for resource list
//! NOTIFYs (RFC 4662 section 5).
//!
//! Our own small splitter rather than a MIME crate: RFC 4662 bodies are
//! `Content-Transfer-Encoding: binary` (no base64, no quoted-printable, no
//! charsets to convert), parts are found by `Content-ID`, and a several-MB
//! body of 500 PIDF parts must be split without copying it. A mail parser
//! (`mailparse`) decodes and copies every part and brings encoders we never
//! need; what we need is a boundary search and a header split, here, with
//! every limit ours: the body cap, the number of parts, the header size.
//!
//! A part that says it is base64 or quoted-printable is kept as is and
//! fails later as an unreadable document: no sender of lists uses them.

use super::BodyError;
use crate::text::harmless_line;

/// More parts than one list NOTIFY carries (Kamailio sends up to ~500 PIDF
/// parts per NOTIFY; a full state of 10,000 members with bodies 10,001).
pub const MAX_PARTS: usize = 20_000;
/// Longest header section of one part.
const MAX_PART_HEADERS: usize = 4096;

/// One part: the two headers we use and its body, borrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// `Content-ID` without the angle brackets.
    pub content_id: Option<String>,
    /// `Content-Type` value as sent (parameters included, folding undone).
    pub content_type: String,
    pub body: &'a [u8],
}

/// The parameters of a `multipart/related` Content-Type we use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub boundary: String,
    /// `start`: the Content-ID of the root part, brackets removed.
    pub start: Option<String>,
    /// `type`: the root part's type (`application/rlmi+xml`).
    pub root_type: Option<String>,
}

/// `multipart/related; boundary=…` → its parameters; `None` when the value
/// is not `multipart/related` with a boundary.
pub fn related(content_type: &str) -> Option<Related> {
    let mut fields = split_params(content_type);
    let base = fields.next()?;
    if !base.trim().eq_ignore_ascii_case("multipart/related") {
        return None;
    }
    let (mut boundary, mut start, mut root_type) = (None, None, None);
    for field in fields {
        let Some((name, value)) = field.split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        match name.trim().to_ascii_lowercase().as_str() {
            "boundary" => boundary = Some(value.to_string()),
            "start" => start = Some(strip_angle(value).to_string()),
            "type" => root_type = Some(value.to_string()),
            _ => {}
        }
    }
    let boundary = boundary.filter(|b| !b.is_empty() && b.len() <= 70)?;
    Some(Related {
        boundary,
        start,
        root_type,
    })
}

/// Splits `body` at `--boundary` lines. The preamble and epilogue are
/// ignored; a body without a closing delimiter keeps the parts it has.
pub fn split<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, BodyError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(i) = find(&body[at..], delimiter) {
        let pos = at + i;
        // A delimiter starts a line: at the start of the body or after LF.
        if pos == 0 || body[pos - 1] == b'\n' {
            starts.push(pos);
            if starts.len() > MAX_PARTS + 1 {
                return Err(invalid("multipart body", "too many parts"));
            }
        }
        at = pos + delimiter.len();
    }
    if starts.is_empty() {
        return Err(invalid("multipart body", "no boundary delimiter"));
    }
    let mut parts = Vec::with_capacity(starts.len());
    for (k, &start) in starts.iter().enumerate() {
        let after = start + delimiter.len();
        if body[after..].starts_with(b"--") {
            break; // the closing delimiter
        }
        // The part's end: the CRLF before the next delimiter belongs to it.
        let end = starts.get(k + 1).copied().unwrap_or(body.len());
        let end = strip_line_end(body, after, end);
        let Some(content_start) = line_after(body, after) else {
            continue;
        };
        if content_start > end {
            continue;
        }
        parts.push(part(&body[content_start..end])?);
    }
    Ok(parts)
}

/// One part's bytes (after the delimiter line) → headers and body.
fn part(bytes: &[u8]) -> Result<Part<'_>, BodyError> {
    let empty_head = bytes
        .strip_prefix(b"\r\n")
        .or_else(|| bytes.strip_prefix(b"\n"));
    let (head, body) = match (empty_head, find(bytes, b"\r\n\r\n")) {
        (Some(body), _) => (&bytes[..0], body),
        (None, Some(i)) => (&bytes[..i], &bytes[i + 4..]),
        (None, None) => match find(bytes, b"\n\n") {
            Some(i) => (&bytes[..i], &bytes[i + 2..]),
            // Headers only (or nothing): an empty body.
            None => (bytes, &bytes[bytes.len()..]),
        },
    };
    if head.len() > MAX_PART_HEADERS {
        return Err(invalid("part headers", "longer than 4096 bytes"));
    }
    let head = std::str::from_utf8(head).map_err(|_| invalid("part headers", "not UTF-8"))?;
    let (mut content_id, mut content_type) = (None, String::new());
    for (name, value) in unfolded(head) {
        if name.eq_ignore_ascii_case("content-id") {
            content_id = Some(strip_angle(&value).to_string());
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = value;
        }
    }
    Ok(Part {
        content_id,
        content_type,
        body,
    })
}

/// Header fields of a part, folded lines (starting with a blank) joined.
fn unfolded(head: &str) -> Vec<(&str, String)> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim(), value.trim().to_string()));
        }
    }
    fields
}

/// The index just after the end of the line starting at `from`.
fn line_after(body: &[u8], from: usize) -> Option<usize> {
    body[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| from + i + 1)
}

/// `end` moved back over the line break before a delimiter.
fn strip_line_end(body: &[u8], floor: usize, mut end: usize) -> usize {
    if end > floor && body[end - 1] == b'\n' {
        end -= 1;
        if end > floor && body[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut at = 0;
    while let Some(i) = hay[at..=hay.len() - needle.len()]
        .iter()
        .position(|&b| b == first)
    {
        let pos = at + i;
        if &hay[pos..pos + needle.len()] == needle {
            return Some(pos);
        }
        at = pos + 1;
    }
    None
}

/// `;`-separated fields, not splitting inside double quotes.
fn split_params(value: &str) -> impl Iterator<Item = &str> {
    let mut fields = Vec::new();
    let (mut quoted, mut start) = (false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                fields.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(&value[start..]);
    fields.into_iter()
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
}

fn strip_angle(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(s)
}

fn invalid(what: &'static str, value: &str) -> BodyError {
    BodyError::Invalid {
        what,
        value: harmless_line(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_type_gives_boundary_start_and_root_type() {
        let r = related(
            "multipart/related;type=\"application/rlmi+xml\";start=\"<a;b@c>\";boundary=\"x;y\"",
        )
        .unwrap();
        assert_eq!(r.boundary, "x;y");
        assert_eq!(r.start.as_deref(), Some("a;b@c"));
        assert_eq!(r.root_type.as_deref(), Some("application/rlmi+xml"));
        assert_eq!(related("application/pidf+xml"), None);
        assert_eq!(related("multipart/related; type=x"), None, "no boundary");
    }

    #[test]
    fn parts_are_split_at_line_start_delimiters_only() {
        let body = b"preamble\r\n--b\r\nContent-ID: <1>\r\nContent-Type: text/x\r\n\r\none --b not here\r\n--b\r\nContent-ID: <2>\r\n\r\ntwo\r\n--b--\r\nepilogue";
        let parts = split(body, "b").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content_id.as_deref(), Some("1"));
        assert_eq!(parts[0].content_type, "text/x");
        assert_eq!(parts[0].body, b"one --b not here");
        assert_eq!(parts[1].content_id.as_deref(), Some("2"));
        assert_eq!(parts[1].body, b"two");
    }

    #[test]
    fn a_body_without_delimiter_or_with_huge_headers_is_an_error() {
        assert!(split(b"nothing here", "b").is_err());
        let mut body = b"--b\r\n".to_vec();
        body.extend(std::iter::repeat_n(b'x', 5000));
        body.extend(b"\r\n\r\nbody\r\n--b--");
        assert!(split(&body, "b").is_err());
    }
}
