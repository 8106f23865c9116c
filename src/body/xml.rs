//! What both body parsers share: the hostile-input gate in front of
//! roxmltree, and XML escaping for the builders.
//!
//! The gate, in order: size cap ([`MAX_BODY`]), no DTD anywhere (refused
//! before parsing, so no entity tricks can start), text decoding (UTF-8;
//! Latin-1 only when the XML declaration says so, as FreeSWITCH and old
//! Asterisk declare it), then a namespace-aware parse with a node limit.

use std::borrow::Cow;

use super::{BodyError, MAX_BODY};

/// Upper bound on XML nodes in one body (a 1 MiB body of empty elements
/// could otherwise make ~100k nodes; real documents have a few dozen).
const NODES_LIMIT: u32 = 50_000;

/// Checks size and DTD, and decodes the body to text.
pub(crate) fn decode<'a>(body: &'a [u8], what: &'static str) -> Result<Cow<'a, str>, BodyError> {
    decode_capped(body, what, MAX_BODY)
}

/// [`decode`] with another size cap (list documents are bigger).
pub(crate) fn decode_capped<'a>(
    body: &'a [u8],
    what: &'static str,
    cap: usize,
) -> Result<Cow<'a, str>, BodyError> {
    if body.len() > cap {
        return Err(BodyError::TooLarge(body.len()));
    }
    // UTF-8 (the usual case): the DOCTYPE search runs on the text, where
    // finding each `<` is a fast memchr; otherwise on the bytes. The
    // same answer either way (both look for the same ASCII bytes).
    let utf8 = std::str::from_utf8(body);
    let doctype = match utf8 {
        Ok(text) => text_has_doctype(text),
        Err(_) => has_doctype(body),
    };
    if doctype {
        return Err(BodyError::Dtd(what));
    }
    if let Ok(text) = utf8 {
        return Ok(Cow::Borrowed(text.strip_prefix('\u{FEFF}').unwrap_or(text)));
    }
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(_) if declares_latin1(body) => {
            Ok(Cow::Owned(body.iter().map(|&b| b as char).collect()))
        }
        Err(_) => Err(BodyError::NotUtf8),
    }
}

/// Parses decoded text into a document (DTDs refused by roxmltree too).
pub(crate) fn parse_doc(text: &str) -> Result<roxmltree::Document<'_>, BodyError> {
    parse_doc_limited(text, NODES_LIMIT)
}

/// [`parse_doc`] with another node limit (list documents have more nodes).
pub(crate) fn parse_doc_limited(
    text: &str,
    nodes_limit: u32,
) -> Result<roxmltree::Document<'_>, BodyError> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => BodyError::Dtd("XML"),
        e => BodyError::Xml(e.to_string()),
    })
}

/// `<!DOCTYPE` anywhere, case-insensitive (also inside comments: refused
/// all the same, no legitimate body carries one).
fn has_doctype(body: &[u8]) -> bool {
    const REST: &[u8] = b"!doctype";
    let mut rest = body;
    while let Some(i) = rest.iter().position(|&b| b == b'<') {
        rest = &rest[i + 1..];
        if rest.len() >= REST.len() && rest[..REST.len()].eq_ignore_ascii_case(REST) {
            return true;
        }
    }
    false
}

/// [`has_doctype`] on text: `<!doctype` found from its `!`, which is rare
/// in a body (comments, CDATA), so the usual search is one memchr over
/// the text with no hit, not a stop at every `<`.
fn text_has_doctype(text: &str) -> bool {
    const REST: &[u8] = b"doctype";
    let bytes = text.as_bytes();
    text.match_indices('!').any(|(i, _)| {
        i > 0
            && bytes.get(i - 1) == Some(&b'<')
            && bytes
                .get(i + 1..i + 1 + REST.len())
                .is_some_and(|r| r.eq_ignore_ascii_case(REST))
    })
}

/// True when the XML declaration names ISO-8859-1 / Latin-1.
fn declares_latin1(body: &[u8]) -> bool {
    let head = &body[..body.len().min(100)];
    let Some(end) = head.windows(2).position(|w| w == b"?>") else {
        return false;
    };
    let decl = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    decl.starts_with("<?xml")
        && ["iso-8859-1", "iso8859-1", "latin1", "latin-1"]
            .iter()
            .any(|enc| decl.contains(enc))
}

/// The local name of a node, `""` for non-elements.
pub(crate) fn local<'i>(node: roxmltree::Node<'_, 'i>) -> &'i str {
    if node.is_element() {
        node.tag_name().name()
    } else {
        ""
    }
}

/// The trimmed text content directly inside an element (`None` if empty).
pub(crate) fn text<'a>(node: roxmltree::Node<'a, '_>) -> Option<&'a str> {
    node.text().map(str::trim).filter(|s| !s.is_empty())
}

/// Appends `s` escaped for element content. Characters XML 1.0 cannot
/// carry (control characters other than tab/newline/CR) are dropped.
pub(crate) fn push_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// Appends `s` escaped for a double-quoted attribute value.
pub(crate) fn push_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_doctype_search_on_text_agrees_with_the_search_on_bytes() {
        let pieces = [
            "<",
            "!",
            "!DOCTYPE",
            "!doctype",
            "!DocTyp",
            "e",
            "<!--",
            "-->",
            "é",
            "x",
            "<<",
            "<!DOCTYPE x>",
            "\u{FEFF}",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(
                        text_has_doctype(&text),
                        has_doctype(text.as_bytes()),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn doctype_is_refused_in_any_case_and_place() {
        for body in [
            &b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><x/>"[..],
            b"<!doctype presence><presence/>",
            b"<presence><!-- <!DocType --></presence>",
        ] {
            assert_eq!(decode(body, "PIDF"), Err(BodyError::Dtd("PIDF")));
        }
    }

    #[test]
    fn size_cap_is_checked_first() {
        let body = vec![b' '; MAX_BODY + 1];
        assert_eq!(
            decode(&body, "PIDF"),
            Err(BodyError::TooLarge(MAX_BODY + 1))
        );
    }

    #[test]
    fn latin1_only_when_declared() {
        let declared = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><n>B\xFCro</n>";
        assert!(decode(declared, "PIDF").unwrap().contains("Büro"));
        let undeclared = b"<?xml version=\"1.0\"?><n>B\xFCro</n>";
        assert_eq!(decode(undeclared, "PIDF"), Err(BodyError::NotUtf8));
    }

    #[test]
    fn escaping_round_trips_through_the_parser() {
        let tricky = "a&b <c> \"d\" 'e'\r\nf\tg\u{1}h";
        let mut doc = String::from("<x a=\"");
        push_attr(&mut doc, tricky);
        doc.push_str("\">");
        push_text(&mut doc, tricky);
        doc.push_str("</x>");
        let parsed = parse_doc(&doc).unwrap();
        let root = parsed.root_element();
        let expected = "a&b <c> \"d\" 'e'\r\nf\tgh";
        assert_eq!(root.attribute("a"), Some(expected));
        assert_eq!(root.text(), Some(expected));
    }
}

/// Test helpers shared by the body and store tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// The body of a captured SIP message: everything after the first
    /// blank line (CRLF CRLF).
    pub(crate) fn sip_body(message: &[u8]) -> &[u8] {
        message
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(&[][..], |i| &message[i + 4..])
    }
}
