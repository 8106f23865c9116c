//! Naming a contact on the command line: a SIP URI, an extension, or a name
//! (or part of one) that fits exactly one person.

use crate::presence::ContactInfo;

/// Why a name did not pick one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Nobody fits.
    Unknown(String),
    /// Several fit: their names and URIs.
    Ambiguous(String, Vec<(String, String)>),
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::Unknown(q) => write!(
                f,
                "no contact is called {q:?}; name one by its URI (sip:alice@example.test), extension or name"
            ),
            Unresolved::Ambiguous(q, c) => {
                write!(f, "{q:?} fits {} contacts; say which:", c.len())?;
                for (name, uri) in c.iter().take(20) {
                    write!(f, "\n  {name} <{uri}>")?;
                }
                if c.len() > 20 {
                    write!(f, "\n  … and {} more", c.len() - 20)?;
                }
                Ok(())
            }
        }
    }
}

/// The contact key (see [`super::contact_key`]) `query` names.
///
/// A SIP URI is taken as it is (a note may be kept for someone not in the
/// directory); else an exact extension; else an exact name (any case); else
/// a part of a name that only one person's name holds.
pub fn resolve(query: &str, contacts: &[ContactInfo]) -> Result<String, Unresolved> {
    let q = query.trim();
    let lower = q.to_lowercase();
    if lower.starts_with("sip:") || lower.starts_with("sips:") {
        return Ok(super::contact_key(q));
    }
    let pick = |hits: Vec<&ContactInfo>| -> Option<Result<String, Unresolved>> {
        match hits.as_slice() {
            [] => None,
            [one] => Some(Ok(super::contact_key(&one.uri))),
            many => Some(Err(Unresolved::Ambiguous(
                q.to_string(),
                many.iter()
                    .map(|c| (c.name.clone(), c.uri.clone()))
                    .collect(),
            ))),
        }
    };
    let by_ext = contacts
        .iter()
        .filter(|c| c.extension.as_deref() == Some(q))
        .collect();
    if let Some(r) = pick(by_ext) {
        return r;
    }
    let exact = contacts
        .iter()
        .filter(|c| c.name.to_lowercase() == lower)
        .collect();
    if let Some(r) = pick(exact) {
        return r;
    }
    let user_part = |c: &&ContactInfo| {
        let u = c.uri.split_once(':').map_or("", |(_, r)| r);
        u.split('@')
            .next()
            .is_some_and(|u| u.eq_ignore_ascii_case(q))
    };
    let by_user = contacts.iter().filter(user_part).collect();
    if let Some(r) = pick(by_user) {
        return r;
    }
    let partial = contacts
        .iter()
        .filter(|c| !lower.is_empty() && c.name.to_lowercase().contains(&lower))
        .collect();
    pick(partial).unwrap_or_else(|| Err(Unresolved::Unknown(q.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(name: &str, uri: &str, ext: Option<&str>) -> ContactInfo {
        ContactInfo {
            name: name.into(),
            uri: uri.into(),
            extension: ext.map(str::to_string),
            department: None,
        }
    }

    fn office() -> Vec<ContactInfo> {
        vec![
            c("Alice Adams", "sip:alice@example.test", Some("1001")),
            c("Alan Archer", "sip:alan@example.test", Some("1002")),
            c("Bob Brown", "sip:bob@EXAMPLE.test", None),
        ]
    }

    #[test]
    fn a_uri_an_extension_a_user_or_a_unique_name_picks_one() {
        let o = office();
        assert_eq!(resolve("1002", &o).unwrap(), "sip:alan@example.test");
        assert_eq!(resolve("alice", &o).unwrap(), "sip:alice@example.test");
        assert_eq!(resolve("brown", &o).unwrap(), "sip:bob@example.test");
        assert_eq!(
            resolve("SIP:%61lice@Example.TEST", &o).unwrap(),
            "sip:alice@example.test"
        );
    }

    #[test]
    fn an_ambiguous_name_lists_the_candidates() {
        let err = resolve("al", &office()).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, Unresolved::Ambiguous(_, ref c) if c.len() == 2),
            "{msg}"
        );
        assert!(
            msg.contains("Alice Adams <sip:alice@example.test>"),
            "{msg}"
        );
        assert!(msg.contains("Alan Archer"), "{msg}");
        assert!(matches!(
            resolve("zed", &office()),
            Err(Unresolved::Unknown(_))
        ));
    }
}
