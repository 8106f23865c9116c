//! `[telephony]`: what the console knows about the telephone system —
//! the voicemail pilot number (a forward to it reads "forwarded to
//! voicemail"), whether to show message waiting, when a ringing line is
//! suspect, whether to ask for registration state. Every value checked
//! here, with file, line and key.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::sections::Reader;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTelephony {
    pub voicemail: Option<Spanned<super::raw::Extension>>,
    pub voicemail_indicator: Option<bool>,
    pub ringing_suspect_after: Option<Spanned<String>>,
    pub registration: Option<bool>,
}

/// The checked `[telephony]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telephony {
    /// The voicemail pilot number (`"8000"`).
    pub voicemail: Option<String>,
    /// Subscribe to message waiting (RFC 3842) and show the count.
    pub voicemail_indicator: bool,
    /// A line ringing longer than this is marked suspect and its dialog
    /// subscription re-synced once.
    pub ringing_suspect_after: Duration,
    /// Subscribe to each line's registration state (RFC 3680); `None`
    /// (not set): on, except with a resource list (`[server] list`), where
    /// it would be one subscription per contact beside the list's two —
    /// see [`Telephony::registration_on`].
    pub registration: Option<bool>,
}

impl Telephony {
    /// Whether to subscribe to registration state, given whether the
    /// console subscribes to a resource list.
    pub fn registration_on(&self, with_list: bool) -> bool {
        self.registration.unwrap_or(!with_list)
    }
}

pub use crate::store::RINGING_SUSPECT_AFTER;

impl Default for Telephony {
    fn default() -> Self {
        Telephony {
            voicemail: None,
            voicemail_indicator: false,
            ringing_suspect_after: RINGING_SUSPECT_AFTER,
            registration: None,
        }
    }
}

/// The example value of each `[telephony]` key (and `[ui] show_peers`).
pub(super) fn example(path: &str) -> Option<&'static str> {
    Some(match path {
        "telephony" => "[telephony] with voicemail = \"8000\"",
        "telephony.voicemail" => "voicemail = \"8000\"",
        "telephony.voicemail_indicator" => "voicemail_indicator = true",
        "telephony.ringing_suspect_after" => "ringing_suspect_after = \"3m\"",
        "telephony.registration" => "registration = true",
        "ui.show_peers" => "show_peers = true",
        "contact.lines" => "lines = [\"sip:1001@pbx.example.test\", \"sip:4711@pbx.example.test\"]",
        _ => return None,
    })
}

/// The `lines` of every `[[contact]]` (checked as SIP URIs, with file, line
/// and key): (contact URI, other lines). An entry equal to the contact's
/// own URI is its first line already and is left out.
pub(super) fn check_lines(
    r: &mut Reader<'_, '_>,
    contacts: &[Spanned<super::raw::RawContact>],
) -> Vec<(String, Vec<String>)> {
    let src = r.src;
    let mut out = Vec::new();
    for (i, c) in contacts.iter().enumerate() {
        let c = c.get_ref();
        let (Some(uri), Some(lines)) = (&c.uri, &c.lines) else {
            continue;
        };
        let own = crate::sip::uri::SipUri::parse_loose(uri.get_ref());
        let mut kept = Vec::new();
        for (k, l) in lines.iter().enumerate() {
            let key = format!("contact[{}].lines[{}]", i + 1, k + 1);
            let text = l.get_ref().trim();
            let checked = super::uri::check_sip_uri(text).map(|_| ());
            if r.keep(checked.map_err(|why| src.invalid(l.span(), key, why)))
                .is_none()
            {
                continue;
            }
            let same = own.as_ref().is_some_and(|o| {
                crate::sip::uri::SipUri::parse_loose(text).is_some_and(|p| p.same_as(o))
            });
            if !same {
                kept.push(text.to_string());
            }
        }
        if !kept.is_empty() {
            out.push((uri.get_ref().trim().to_string(), kept));
        }
    }
    out
}

/// Reads and checks `[telephony]`; errors go to `r` (defaults stand in).
pub(super) fn check(r: &mut Reader<'_, '_>) -> Telephony {
    let d = Telephony::default();
    let Some(raw) = r
        .table::<RawTelephony>("telephony")
        .map(Spanned::into_inner)
    else {
        return d;
    };
    let src = r.src;
    let voicemail = raw.voicemail.and_then(|v| {
        let span = v.span();
        let number = crate::text::line(v.into_inner().0.trim(), 64).into_owned();
        if number.is_empty() {
            r.push(src.invalid(
                span,
                "telephony.voicemail",
                "the voicemail pilot is empty: write its number, like voicemail = \"8000\"",
            ));
            return None;
        }
        Some(number)
    });
    let ringing_suspect_after = raw
        .ringing_suspect_after
        .as_ref()
        .and_then(|v| {
            let text = v.get_ref().trim();
            r.keep(
                crate::status::when::parse_duration(text, false)
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        src.invalid(
                            v.span(),
                            "telephony.ringing_suspect_after",
                            format!("{text:?} is not a duration: a number with s, m or h like \"90s\", \"3m\""),
                        )
                    }),
            )
        })
        .unwrap_or(d.ringing_suspect_after);
    Telephony {
        voicemail,
        voicemail_indicator: raw.voicemail_indicator.unwrap_or(d.voicemail_indicator),
        ringing_suspect_after,
        registration: raw.registration,
    }
}
