//! The lookup key of a contact URI: `scheme:user@host`, without port,
//! parameters or headers; scheme and host lower-cased, the user part kept
//! as is (it is case-sensitive in SIP).

/// `None` when there is nothing to look up (empty, no host).
pub(crate) fn key(uri: &str) -> Option<String> {
    let mut s = uri.trim();
    // A name-addr (`"Bob" <sip:bob@x>`): the part inside the brackets.
    if let Some(open) = s.find('<') {
        let inner = &s[open + 1..];
        s = inner
            .find('>')
            .map_or(inner, |close| &inner[..close])
            .trim();
    }
    let (scheme, rest) = match s.split_once(':') {
        Some((scheme, rest)) if is_scheme(scheme) => (scheme, rest),
        _ => ("sip", s),
    };
    let rest = rest.split('?').next().unwrap_or(rest);
    let (user, hostport) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let hostport = hostport.split(';').next().unwrap_or(hostport);
    let host = if hostport.starts_with('[') {
        hostport.find(']').map_or(hostport, |end| &hostport[..=end])
    } else {
        hostport.split(':').next().unwrap_or(hostport)
    };
    if host.is_empty() {
        return None;
    }
    let mut key = String::with_capacity(scheme.len() + rest.len() + 2);
    key.extend(scheme.chars().map(|c| c.to_ascii_lowercase()));
    key.push(':');
    if let Some(user) = user {
        key.push_str(user);
        key.push('@');
    }
    key.extend(host.chars().map(|c| c.to_ascii_lowercase()));
    Some(key)
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn parameters_port_and_case_do_not_matter() {
        let k = key("sip:alice@example.com").unwrap();
        for same in [
            "SIP:alice@Example.COM",
            "sip:alice@example.com:5060",
            "sip:alice@example.com;transport=tcp",
            "sip:alice@example.com:5080;transport=UDP?subject=x",
            "<sip:alice@example.com>;tag=123",
            "\"Alice\" <sip:alice@EXAMPLE.com:5060;user=phone>",
            "  sip:alice@example.com  ",
        ] {
            assert_eq!(key(same).as_deref(), Some(k.as_str()), "{same}");
        }
        assert_ne!(
            key("sip:Alice@example.com"),
            Some(k.clone()),
            "user part is case-sensitive"
        );
        assert_ne!(key("sips:alice@example.com"), Some(k));
    }

    #[test]
    fn ipv6_and_odd_forms() {
        assert_eq!(key("sip:bob@[::1]:5060").as_deref(), Some("sip:bob@[::1]"));
        assert_eq!(
            key("sip:pbx.example.com").as_deref(),
            Some("sip:pbx.example.com")
        );
        assert_eq!(
            key("alice@example.com").as_deref(),
            Some("sip:alice@example.com")
        );
        assert_eq!(key(""), None);
        assert_eq!(key("sip:alice@"), None);
    }
}
