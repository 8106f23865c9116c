//! The caller by name: a ringing or active call's remote party (a SIP URI,
//! a `tel:` URI or a bare number, as the store gives it) looked up in the
//! directory.
//!
//! A URI is found as a contact's URI (RFC 3261 19.1.4, the store's rule).
//! Otherwise its user part, if it is a phone number, is normalised and
//! compared with every contact's extension and phone-like extra columns
//! (`phone`, `tel`, `mobile`, `number`), normalised the same way. The
//! normal form is the international number as digits (`+49 89 1234`,
//! `0049 89 1234` and, with `country_code = "49"`, `089 1234` all become
//! `49891234`); a short number (at most [`MAX_EXTENSION`] digits) is an
//! extension, also tried as a number of the configured area
//! (`[numbers] area_code`).

use std::collections::HashMap;

use crate::presence::ContactId;
use crate::store::Store;

/// Numbers this short are extensions, not full numbers.
pub const MAX_EXTENSION: usize = 6;

/// How numbers are written at this site (`[numbers]` in the config).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbering {
    /// The country calling code without `+` (`49`); none: national forms
    /// are only compared as written.
    pub country_code: Option<String>,
    /// The area code without the trunk prefix (`89`).
    pub area_code: Option<String>,
    /// Dialled before a national number (`0`).
    pub national_prefix: String,
    /// Dialled before an international number (`00`).
    pub international_prefix: String,
}

impl Default for Numbering {
    fn default() -> Self {
        Numbering {
            country_code: None,
            area_code: None,
            national_prefix: "0".into(),
            international_prefix: "00".into(),
        }
    }
}

/// A number's normal forms: an extension (`ext:1234`) and/or the full
/// international digits.
pub fn normalise(text: &str, n: &Numbering) -> Vec<String> {
    let text = text.trim();
    let plus = text.starts_with('+');
    if text
        .chars()
        .any(|c| !(c.is_ascii_digit() || " -/().+".contains(c)))
    {
        return Vec::new();
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    if plus {
        out.push(digits);
    } else if let Some(rest) = digits
        .strip_prefix(n.international_prefix.as_str())
        .filter(|_| !n.international_prefix.is_empty())
    {
        out.push(rest.to_string());
    } else if let (Some(rest), Some(cc)) = (
        digits
            .strip_prefix(n.national_prefix.as_str())
            .filter(|_| !n.national_prefix.is_empty()),
        &n.country_code,
    ) {
        out.push(format!("{cc}{rest}"));
    } else if digits.len() <= MAX_EXTENSION {
        if let (Some(cc), Some(area)) = (&n.country_code, &n.area_code) {
            out.push(format!("{cc}{area}{digits}"));
        }
        out.push(format!("ext:{digits}"));
    } else {
        // A long number without a prefix: national digits without the
        // trunk prefix (some exports write them so), or already full.
        if let Some(cc) = &n.country_code {
            out.push(format!("{cc}{digits}"));
        }
        out.push(digits);
    }
    out
}

/// The user part of a `sip:`/`sips:`/`tel:` URI (or the text itself).
fn user_part(identity: &str) -> &str {
    let s = identity
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let lower = s.get(..5).unwrap_or("").to_ascii_lowercase();
    let s = ["sips:", "sip:", "tel:"]
        .into_iter()
        .find(|p| lower.starts_with(p))
        .map_or(s, |p| &s[p.len()..]);
    s.split(['@', ';', '?']).next().unwrap_or(s)
}

/// Every contact's numbers in normal form.
#[derive(Debug, Clone, Default)]
pub struct CallerIndex {
    by_number: HashMap<String, ContactId>,
    numbering: Numbering,
}

impl CallerIndex {
    pub fn build(store: &Store, numbering: &Numbering) -> CallerIndex {
        let mut by_number = HashMap::new();
        for id in store.ids() {
            let info = store.info(id);
            let phones = store
                .extra(id)
                .iter()
                .filter(|(k, _)| {
                    let k = k.to_lowercase();
                    ["phone", "tel", "mobile", "number"]
                        .iter()
                        .any(|w| k.contains(w))
                })
                .map(|(_, v)| v.as_str());
            for number in info.extension.as_deref().into_iter().chain(phones) {
                for form in normalise(number, numbering) {
                    by_number.entry(form).or_insert(id);
                }
            }
        }
        CallerIndex {
            by_number,
            numbering: numbering.clone(),
        }
    }

    /// Index the directory again (it changed), with the same numbering.
    pub fn rebuild(&mut self, store: &Store) {
        let numbering = std::mem::take(&mut self.numbering);
        *self = CallerIndex::build(store, &numbering);
    }

    /// The directory contact a call's remote party is, if any.
    pub fn lookup(&self, store: &Store, identity: &str) -> Option<ContactId> {
        let uri = identity
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        if let Some(id) = store.find(uri) {
            return Some(id);
        }
        normalise(user_part(identity), &self.numbering)
            .iter()
            .find_map(|form| self.by_number.get(form).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presence::ContactInfo;

    fn munich() -> Numbering {
        Numbering {
            country_code: Some("49".into()),
            area_code: Some("89".into()),
            ..Numbering::default()
        }
    }

    #[test]
    fn national_and_international_forms_of_a_number_are_one() {
        let n = munich();
        let full = |s: &str| normalise(s, &n).into_iter().next().unwrap_or_default();
        assert_eq!(full("+49 89 1234-567"), "49891234567");
        assert_eq!(full("0049 (89) 1234567"), "49891234567");
        assert_eq!(full("089 1234567"), "49891234567");
        assert_eq!(full("089/123 4567"), "49891234567");
        assert_eq!(normalise("304", &n), ["4989304", "ext:304"]);
        assert!(normalise("alice", &n).is_empty());
        assert!(normalise("", &n).is_empty());
        // Without a country code a national form is only itself.
        assert_eq!(normalise("089 1234", &Numbering::default()), ["0891234"]);
    }

    #[test]
    fn a_caller_is_found_by_uri_extension_or_number() {
        let contacts = vec![
            ContactInfo {
                name: "Bob Brown".into(),
                uri: "sip:bob@example.com".into(),
                extension: Some("202".into()),
                department: None,
            },
            ContactInfo {
                name: "Dora Direct".into(),
                uri: "sip:dora@example.com".into(),
                extension: Some("+49 89 1234 500".into()),
                department: None,
            },
        ];
        let store = Store::new(contacts);
        let idx = CallerIndex::build(&store, &munich());
        let find = |s: &str| idx.lookup(&store, s).map(|id| id.0);
        assert_eq!(find("sip:bob@EXAMPLE.com"), Some(0));
        assert_eq!(find("sip:202@pbx.example.com;user=phone"), Some(0));
        assert_eq!(find("tel:+49891234500"), Some(1));
        assert_eq!(find("sip:08912 34500@pbx"), Some(1));
        assert_eq!(find("<sip:0049891234500@pbx>"), Some(1));
        assert_eq!(find("sip:carol@example.net"), None);
        assert_eq!(find("sip:203@pbx"), None);
    }
}
