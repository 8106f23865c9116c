//! A small vCard reader (RFC 2426 vCard 3.0 and RFC 6350 vCard 4.0): only
//! what a directory needs. `FN` is the name, `IMPP` (a `sip:`/`sips:`
//! value) or `X-SIP` the URI, the first `TEL` the extension (its `ext=`
//! part when it has one), `ORG` the department (its unit when it has one,
//! else the organisation); `TITLE` and `EMAIL` are kept as extras. Folded
//! lines (a line starting with a space or tab continues the one before)
//! are unfolded, group prefixes (`item1.TEL`) ignored, `\,` `\;` `\n` `\\`
//! unescaped. A card that is not UTF-8 or has no SIP URI is one problem at
//! its `BEGIN` line; the other cards load.

use std::path::Path;

use super::csv::name_from_uri;
use super::{Entry, Loaded, Problem, contact_uri, field};
use crate::presence::ContactInfo;

/// One logical (unfolded) line and the line it starts on.
struct Logical {
    line: u64,
    text: Result<String, String>,
}

pub(super) fn parse(bytes: &[u8], path: &Path) -> Loaded {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut out = Loaded::default();
    let mut card: Option<Card> = None;
    for logical in unfold(bytes) {
        let text = match logical.text {
            Ok(t) => t,
            Err(why) => {
                if let Some(c) = card.as_mut() {
                    c.bad.get_or_insert((logical.line, why));
                }
                continue;
            }
        };
        let (name, params, value) = split_property(&text);
        match (name.as_str(), card.as_mut()) {
            ("BEGIN", _) if value.eq_ignore_ascii_case("VCARD") => {
                card = Some(Card::new(logical.line));
            }
            ("END", Some(_)) if value.eq_ignore_ascii_case("VCARD") => {
                if let Some(c) = card.take() {
                    match c.finish() {
                        Ok(entry) => out.entries.push(entry),
                        Err((line, why)) => out.problems.push(Problem {
                            path: path.to_path_buf(),
                            line: Some(line),
                            message: format!("{why}; card skipped"),
                        }),
                    }
                }
            }
            (_, Some(c)) => c.property(&name, &params, value),
            _ => {}
        }
    }
    if let Some(c) = card {
        out.problems.push(Problem {
            path: path.to_path_buf(),
            line: Some(c.begin),
            message: "this card has no END:VCARD; card skipped".into(),
        });
    }
    out
}

/// The logical lines: CRLF or LF ends a line; a line starting with a space
/// or a tab continues the one before (that one character removed).
fn unfold(bytes: &[u8]) -> Vec<Logical> {
    let mut out: Vec<(u64, Vec<u8>)> = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = i as u64 + 1;
        match (raw.first(), out.last_mut()) {
            (Some(b' ' | b'\t'), Some((_, prev))) => prev.extend_from_slice(&raw[1..]),
            _ if raw.is_empty() => {}
            _ => out.push((line, raw.to_vec())),
        }
    }
    out.into_iter()
        .map(|(line, bytes)| Logical {
            line,
            text: String::from_utf8(bytes).map_err(|e| {
                format!(
                    "line {line} is not UTF-8 (byte {}): save the file as UTF-8",
                    e.utf8_error().valid_up_to() + 1
                )
            }),
        })
        .collect()
}

/// `group.NAME;param=x;param=y:value` → upper-case name without group, the
/// parameters (lower-case), the raw value.
fn split_property(text: &str) -> (String, String, &str) {
    let (head, value) = split_unquoted(text);
    let (name, params) = head.split_once(';').unwrap_or((head, ""));
    let name = name.rsplit('.').next().unwrap_or(name);
    (
        name.to_ascii_uppercase(),
        params.to_ascii_lowercase(),
        value,
    )
}

/// Split at the first `:` outside double quotes (parameter values may be
/// quoted and hold colons).
fn split_unquoted(text: &str) -> (&str, &str) {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return (&text[..i], &text[i + 1..]),
            _ => {}
        }
    }
    (text, "")
}

/// A value's components split at unescaped `;`, each unescaped.
fn components(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => push(&mut out, ' '),
                Some(other) => push(&mut out, other),
                None => {}
            },
            ';' => out.push(String::new()),
            _ => push(&mut out, c),
        }
    }
    out
}

fn push(out: &mut [String], c: char) {
    if let Some(last) = out.last_mut() {
        last.push(c);
    }
}

fn text_value(value: &str) -> String {
    field(&components(value).join(" "))
}

/// The card being read.
struct Card {
    begin: u64,
    name: String,
    uri: Option<String>,
    /// A bad IMPP/X-SIP value, reported if no good one follows.
    bad_uri: Option<String>,
    extension: Option<String>,
    department: Option<String>,
    extra: Vec<(String, String)>,
    /// The first line that could not be read, and why.
    bad: Option<(u64, String)>,
}

impl Card {
    fn new(begin: u64) -> Self {
        Card {
            begin,
            name: String::new(),
            uri: None,
            bad_uri: None,
            extension: None,
            department: None,
            extra: Vec::new(),
            bad: None,
        }
    }

    fn property(&mut self, name: &str, params: &str, value: &str) {
        match name {
            "FN" => self.name = text_value(value),
            "IMPP" | "X-SIP" if self.uri.is_none() => {
                let v = value.trim();
                let sip = name == "X-SIP" || v.to_ascii_lowercase().starts_with("sip");
                if sip {
                    match contact_uri(v) {
                        Ok(uri) => self.uri = Some(uri),
                        Err(why) => self.bad_uri = Some(why),
                    }
                }
            }
            "TEL" if self.extension.is_none() => {
                let v = value.trim();
                let v = v.strip_prefix("tel:").unwrap_or(v);
                let ext = v
                    .split(';')
                    .find_map(|p| p.strip_prefix("ext="))
                    .unwrap_or_else(|| v.split(';').next().unwrap_or(v));
                self.extension = Some(field(ext)).filter(|e| !e.is_empty());
                let _ = params;
            }
            "ORG" => {
                let parts: Vec<String> = components(value)
                    .iter()
                    .map(|p| field(p))
                    .filter(|p| !p.is_empty())
                    .collect();
                self.department = parts.get(1).or(parts.first()).cloned();
            }
            // The first TEL is the extension; the others are more lines
            // (a second extension, a DECT handset): see `lines`.
            "TEL" if self.extra.len() < super::MAX_EXTRA => {
                let v = value.trim();
                let v = field(v.strip_prefix("tel:").unwrap_or(v));
                if !v.is_empty() {
                    self.extra.push(("line".to_string(), v));
                }
            }
            "TITLE" | "EMAIL" if self.extra.len() < super::MAX_EXTRA => {
                let v = text_value(value);
                if !v.is_empty() {
                    let key = if name == "TITLE" { "title" } else { "email" };
                    self.extra.push((key.to_string(), v));
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> Result<Entry, (u64, String)> {
        if let Some(bad) = self.bad {
            return Err(bad);
        }
        let Some(uri) = self.uri else {
            let why = self.bad_uri.unwrap_or_else(|| {
                "this card has no SIP URI: add IMPP:sip:alice@example.test (or X-SIP)".into()
            });
            return Err((self.begin, why));
        };
        let name = if self.name.is_empty() {
            name_from_uri(&uri)
        } else {
            self.name
        };
        Ok(Entry {
            info: ContactInfo {
                name,
                uri,
                extension: self.extension,
                department: self.department,
            },
            extra: self.extra,
        })
    }
}
