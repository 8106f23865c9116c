//! `[diagnostics]`: how many SIP messages the trace keeps.

use serde::Deserialize;
use toml::Spanned;

use super::sections::Reader;

/// `[diagnostics]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDiagnostics {
    pub trace_messages: Option<Spanned<i64>>,
}

/// `[diagnostics]`, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiagnosticsConfig {
    /// The SIP trace keeps the last this many messages (0: no trace).
    pub trace_messages: usize,
}

impl Default for DiagnosticsConfig {
    fn default() -> Self {
        DiagnosticsConfig {
            trace_messages: crate::sip::engine::policy::TRACE_MESSAGES,
        }
    }
}

/// The most messages the trace may keep (each up to 4 KB of text).
pub const MAX_TRACE_MESSAGES: i64 = 100_000;

/// An example for each key (the schema's error hints).
pub(super) fn example(path: &str) -> Option<&'static str> {
    Some(match path {
        "diagnostics" => "[diagnostics] with trace_messages = 500",
        "diagnostics.trace_messages" => "trace_messages = 500",
        _ => return None,
    })
}

/// Reads and checks `[diagnostics]`; errors go to `r` (defaults stand in).
pub(super) fn check(r: &mut Reader<'_, '_>) -> DiagnosticsConfig {
    let d = DiagnosticsConfig::default();
    let Some(raw) = r
        .table::<RawDiagnostics>("diagnostics")
        .map(Spanned::into_inner)
    else {
        return d;
    };
    let src = r.src;
    let Some(v) = raw.trace_messages else {
        return d;
    };
    let n = *v.get_ref();
    if !(0..=MAX_TRACE_MESSAGES).contains(&n) {
        let e = src.invalid(
            v.span(),
            "diagnostics.trace_messages",
            format!(
                "{n} is out of range (must be 0-{MAX_TRACE_MESSAGES} messages, 0 = no trace), e.g. trace_messages = {}",
                d.trace_messages
            ),
        );
        r.push(e);
        return d;
    }
    DiagnosticsConfig {
        trace_messages: usize::try_from(n).unwrap_or(d.trace_messages),
    }
}
