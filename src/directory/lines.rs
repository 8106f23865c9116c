//! A person's other lines from a directory file: a CSV column `lines`
//! (URIs or numbers, separated by spaces, commas, `;` or `|`) and a
//! vCard's `TEL` entries after the first (kept as `line` columns by the
//! reader). A bare number is a line on the contact's own server
//! (`4711` → `sip:4711@pbx.example.test`); the contact's own URI is its
//! first line and is left out.

use super::Entry;
use crate::sip::uri::SipUri;

/// The other lines of `entry`, as SIP URIs (made harmless already: the
/// columns were).
pub fn lines_of(entry: &Entry) -> Vec<String> {
    let own = SipUri::parse_loose(&entry.info.uri);
    let host = own.as_ref().map(SipUri::host_port);
    let mut out: Vec<String> = Vec::new();
    for (key, value) in &entry.extra {
        // `lines`: a list; `line` (a vCard TEL): one number, spaces and all.
        let tokens: Vec<&str> = match key.to_ascii_lowercase().as_str() {
            "lines" => value.split([' ', ',', ';', '|']).collect(),
            "line" => vec![value.as_str()],
            _ => continue,
        };
        for token in tokens.into_iter().map(str::trim).filter(|t| !t.is_empty()) {
            let lower = token.to_ascii_lowercase();
            let uri = if lower.starts_with("sip:") || lower.starts_with("sips:") {
                token.to_string()
            } else {
                let number: String = token
                    .chars()
                    .filter(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '+' | '*' | '#' | '-' | '.')
                    })
                    .collect();
                match (&host, number.is_empty()) {
                    (Some(h), false) => format!("sip:{number}@{h}"),
                    _ => continue,
                }
            };
            let Some(parsed) = SipUri::parse_loose(&uri) else {
                continue;
            };
            let same = own.as_ref().is_some_and(|o| parsed.same_as(o));
            if !same && !out.contains(&uri) {
                out.push(uri);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presence::ContactInfo;

    fn entry(extra: &[(&str, &str)]) -> Entry {
        Entry {
            info: ContactInfo {
                name: "Bob".into(),
                uri: "sip:1001@pbx.example.test".into(),
                extension: Some("1001".into()),
                department: None,
            },
            extra: extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn csv_lines_and_vcard_tel_entries_become_line_uris() {
        let e = entry(&[
            (
                "lines",
                "sip:4711@pbx.example.test, 4712 | sip:1001@PBX.example.test",
            ),
            ("title", "Support"),
            ("line", "+49 89 1234"),
        ]);
        assert_eq!(
            lines_of(&e),
            [
                "sip:4711@pbx.example.test",
                "sip:4712@pbx.example.test",
                "sip:+49891234@pbx.example.test"
            ]
        );
    }
}
