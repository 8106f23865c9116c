//! `is:` filters in the search box: `is:available`, `is:busy`, `is:away`,
//! `is:ringing`, `is:offline`, `is:missed`. They restrict by what a contact
//! shows now, not by text, so the search only parses them
//! ([`Search::states`](super::Search::states)) and the console applies them
//! to its hits (it knows the states). A value may be cut short while typing
//! (`is:av`): a prefix of one filter's name is that filter; a prefix of
//! several, or of none, restricts nothing yet.

/// A state a contact must be in to be listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateFilter {
    /// Reachable now: available, not on the phone, not forwarded, fresh.
    Available,
    /// Busy or do not disturb, or in a call.
    Busy,
    /// Away, extended away or inactive.
    Away,
    /// The phone rings.
    Ringing,
    /// Offline, or nothing known.
    Offline,
    /// A call the receptionist has not yet looked at was missed.
    Missed,
}

impl StateFilter {
    /// Every filter, its name after `is:` and an example query for F1.
    pub const ALL: [(StateFilter, &'static str, &'static str); 6] = [
        (
            StateFilter::Available,
            "available",
            "dept:sales is:available",
        ),
        (StateFilter::Busy, "busy", "is:busy"),
        (StateFilter::Away, "away", "is:away müller"),
        (StateFilter::Ringing, "ringing", "is:ringing"),
        (StateFilter::Offline, "offline", "is:offline"),
        (StateFilter::Missed, "missed", "is:missed"),
    ];

    pub fn name(self) -> &'static str {
        StateFilter::ALL
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or("", |(_, n, _)| n)
    }

    /// The filter a value names: its whole name, `free` for available, or a
    /// prefix of exactly one name.
    pub fn parse(value: &str) -> Option<StateFilter> {
        let v = value.to_lowercase();
        if v.is_empty() {
            return None;
        }
        if v == "free" {
            return Some(StateFilter::Available);
        }
        let mut found = StateFilter::ALL
            .iter()
            .filter(|(_, n, _)| n.starts_with(&v))
            .map(|(f, n, _)| (*f, *n));
        match (found.next(), found.next()) {
            (Some((f, _)), None) => Some(f),
            (Some((f, n)), Some(_)) if n == v => Some(f),
            _ => None,
        }
    }
}

/// Split off an `is:` term: `Some(filter or None while incomplete)` when
/// `token` is one, `None` when it is an ordinary term.
pub(crate) fn is_term(token: &str) -> Option<Option<StateFilter>> {
    let (key, value) = token.split_once(':')?;
    key.eq_ignore_ascii_case("is")
        .then(|| StateFilter::parse(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_prefixes_and_aliases() {
        assert_eq!(
            StateFilter::parse("available"),
            Some(StateFilter::Available)
        );
        assert_eq!(StateFilter::parse("AV"), Some(StateFilter::Available));
        assert_eq!(StateFilter::parse("free"), Some(StateFilter::Available));
        assert_eq!(StateFilter::parse("a"), None, "available or away");
        assert_eq!(StateFilter::parse("ri"), Some(StateFilter::Ringing));
        assert_eq!(StateFilter::parse("x"), None);
        assert_eq!(is_term("is:busy"), Some(Some(StateFilter::Busy)));
        assert_eq!(is_term("IS:"), Some(None));
        assert_eq!(is_term("dept:x"), None);
        for (f, n, _) in StateFilter::ALL {
            assert_eq!(f.name(), n);
        }
    }
}
