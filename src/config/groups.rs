//! `[[group]]` (named groups of contacts for the console's views) and
//! `[numbers]` (how phone numbers are written here, to name a caller).
//!
//! ```toml
//! [[group]]
//! name = "Management assistants"
//! members = ["sip:bob@example.test", "Alice Adams", "1003"]
//!
//! [numbers]
//! country_code = "49"
//! area_code = "89"
//! ```
//!
//! A member is a contact's URI, name or extension. When the whole
//! directory is in this file (no `[directory]` files, no `server.list`), a
//! member that is none of them is an error naming its line and key;
//! otherwise members are looked up in the directory as it loads (a file
//! or a list may hold them).

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::sections::Reader;
use crate::app::caller::Numbering;
use crate::presence::ContactInfo;
use crate::sip::uri::SipUri;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGroup {
    pub name: Option<Spanned<String>>,
    pub members: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNumbers {
    pub country_code: Option<Spanned<String>>,
    pub area_code: Option<Spanned<String>>,
    pub national_prefix: Option<Spanned<String>>,
    pub international_prefix: Option<Spanned<String>>,
}

pub(super) fn example(path: &str) -> Option<&'static str> {
    Some(match path {
        "group" => "one [[group]] table (double brackets) per group",
        "group.name" => "name = \"Management assistants\"",
        "group.members" => "members = [\"sip:bob@example.test\", \"Alice Adams\", \"1003\"]",
        "numbers" => "[numbers] with country_code = \"49\"",
        "numbers.country_code" => "country_code = \"49\"",
        "numbers.area_code" => "area_code = \"89\"",
        "numbers.national_prefix" => "national_prefix = \"0\"",
        "numbers.international_prefix" => "international_prefix = \"00\"",
        _ => return None,
    })
}

/// The same SIP URI (RFC 3261 19.1.4)?
fn same_uri(a: &str, b: &str) -> bool {
    match (SipUri::parse_loose(a), SipUri::parse_loose(b)) {
        (Some(a), Some(b)) => a.same_as(&b),
        _ => false,
    }
}

/// Is `member` one of `contacts` (URI, name or extension)?
fn known(contacts: &[ContactInfo], member: &str) -> bool {
    let m = member.trim();
    contacts.iter().any(|c| {
        same_uri(&c.uri, m)
            || c.name.trim().eq_ignore_ascii_case(m)
            || c.extension.as_deref().map(str::trim) == Some(m)
    })
}

/// Every `[[group]]`: name and members as written. `check_members`: the
/// config holds the whole directory, so an unknown member is an error.
pub(super) fn check_groups(
    r: &mut Reader<'_, '_>,
    contacts: &[ContactInfo],
    check_members: bool,
) -> Vec<(String, Vec<String>)> {
    let src = r.src;
    let mut out = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, g) in r.array_of::<RawGroup>("group").into_iter().enumerate() {
        let prefix = format!("group[{}]", i + 1);
        let header = g.span();
        let g = g.into_inner();
        let Some(name) = g.name else {
            r.push(src.missing(
                header,
                format!("{prefix}.name"),
                "add name = \"Management assistants\" to this [[group]]",
            ));
            continue;
        };
        let text = crate::text::harmless_line(name.get_ref().trim());
        let line = src.line(name.span().start);
        if text.is_empty() {
            r.push(src.invalid(
                name.span(),
                format!("{prefix}.name"),
                "the name is empty, e.g. name = \"Management assistants\"",
            ));
            continue;
        }
        if let Some(first) = names.insert(text.to_lowercase(), line) {
            r.push(src.invalid(
                name.span(),
                format!("{prefix}.name"),
                format!("a group named \"{text}\" is already at line {first}; give each group its own name"),
            ));
            continue;
        }
        let Some(members) = g.members else {
            r.push(src.missing(
                header,
                format!("{prefix}.members"),
                "add members = [\"sip:bob@example.test\", \"Alice Adams\", \"1003\"] (URIs, names or extensions)",
            ));
            continue;
        };
        let mut list = Vec::new();
        for (j, m) in members.into_inner().into_iter().enumerate() {
            let value = crate::text::harmless_line(m.get_ref().trim());
            if check_members && !known(contacts, &value) {
                r.push(src.invalid(
                    m.span(),
                    format!("{prefix}.members[{}]", j + 1),
                    format!(
                        "no [[contact]] has the URI, name or extension \"{value}\"; write one of theirs"
                    ),
                ));
                continue;
            }
            list.push(value);
        }
        out.push((text, list));
    }
    out
}

/// `[numbers]`; the defaults (national prefix `0`, international `00`, no
/// country or area code) when absent.
pub(super) fn check_numbers(r: &mut Reader<'_, '_>) -> Numbering {
    let mut n = Numbering::default();
    let Some(raw) = r.table::<RawNumbers>("numbers").map(Spanned::into_inner) else {
        return n;
    };
    let src = r.src;
    let mut digits = |v: Option<Spanned<String>>, key: &str, eg: &str| -> Option<String> {
        let v = v?;
        let text = v.get_ref().trim().trim_start_matches('+').to_string();
        if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
            r.push(src.invalid(
                v.span(),
                format!("numbers.{key}"),
                format!("digits only, e.g. {key} = \"{eg}\""),
            ));
            return None;
        }
        Some(text)
    };
    n.country_code = digits(raw.country_code, "country_code", "49");
    n.area_code =
        digits(raw.area_code, "area_code", "89").map(|a| a.trim_start_matches('0').to_string());
    if let Some(p) = digits(raw.national_prefix, "national_prefix", "0") {
        n.national_prefix = p;
    }
    if let Some(p) = digits(raw.international_prefix, "international_prefix", "00") {
        n.international_prefix = p;
    }
    n
}
