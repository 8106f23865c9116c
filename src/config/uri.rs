//! The small checks the configuration needs: a SIP URI with a user and a
//! host, and a `host:port` server address. Problems come back as a sentence
//! for the user (without file/line: the caller adds those).

use std::net::{Ipv4Addr, Ipv6Addr};

/// The parts of a checked `sip:`/`sips:` URI, borrowed from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UriParts<'a> {
    /// `sip` or `sips`, as written.
    pub scheme: &'a str,
    pub user: &'a str,
    /// The host as written (IPv6 keeps its brackets).
    pub host: &'a str,
    pub port: Option<u16>,
    /// `host[:port]` as written.
    pub hostport: &'a str,
}

const URI_EXAMPLE: &str = "e.g. \"sip:alice@example.test\"";

/// Check a SIP URI: scheme `sip`/`sips`, `user@host`, optional `:port`,
/// optional `;parameters` / `?headers` after the host (kept, not checked).
pub(crate) fn check_sip_uri(s: &str) -> Result<UriParts<'_>, String> {
    let bad = |why: &str| format!("\"{s}\" is not a SIP URI ({why}), {URI_EXAMPLE}");
    if s.is_empty() {
        return Err(format!("the URI is empty, {URI_EXAMPLE}"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces"));
    }
    if s.starts_with('<') {
        return Err(bad("write it without the angle brackets"));
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return Err(bad("it must start with sip: or sips:"));
    };
    if !scheme.eq_ignore_ascii_case("sip") && !scheme.eq_ignore_ascii_case("sips") {
        return Err(bad("it must start with sip: or sips:"));
    }
    let Some((user, after)) = rest.split_once('@') else {
        return Err(bad("it needs a user before the @"));
    };
    check_user(user).map_err(|why| bad(&why))?;
    let hostport = after.split([';', '?']).next().unwrap_or_default();
    let (host, port) = split_host_port(hostport).map_err(|why| bad(&why))?;
    Ok(UriParts {
        scheme,
        user,
        host,
        port,
        hostport,
    })
}

fn check_user(user: &str) -> Result<(), String> {
    if user.is_empty() {
        return Err("it needs a user before the @".into());
    }
    if user.contains(':') {
        return Err("a password in the URI is not supported; use account.password".into());
    }
    if let Some(c) = user
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,;?/%#".contains(*c)))
    {
        return Err(format!("the user contains '{c}'"));
    }
    Ok(())
}

/// Split `host[:port]` (IPv6 in brackets) and check both parts. The host
/// keeps its brackets.
fn split_host_port(s: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if s.starts_with('[') {
        let Some(close) = s.find(']') else {
            return Err("an IPv6 address needs a closing ]".into());
        };
        let (host, rest) = s.split_at(close + 1);
        match rest.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if rest.is_empty() => (host, None),
            None => return Err(format!("unexpected \"{rest}\" after the IPv6 address")),
        }
    } else {
        match s.split_once(':') {
            Some(_) if s.matches(':').count() > 1 => {
                return Err(
                    "an IPv6 address must be written in brackets, e.g. [2001:db8::1]".into(),
                );
            }
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        }
    };
    check_host(host)?;
    let port = port.map(check_port).transpose()?;
    Ok((host, port))
}

fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host is missing".into());
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner
            .parse::<Ipv6Addr>()
            .map(|_| ())
            .map_err(|_| format!("\"{inner}\" is not an IPv6 address"));
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    if let Some(c) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        return Err(format!("the host contains '{c}'"));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if name
        .split('.')
        .any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
    {
        return Err(format!("\"{host}\" is not a host name"));
    }
    Ok(())
}

fn check_port(port: &str) -> Result<u16, String> {
    match port.parse::<u16>() {
        Ok(p) if p != 0 && port.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err("port must be 1-65535".into()),
    }
}

/// A server address: `host[:port]`, IPv6 as `[::1]:5060`. Returns the host
/// without brackets and the port (`default_port` when absent).
pub(crate) fn parse_address(s: &str, default_port: u16) -> Result<(String, u16), String> {
    let example = "e.g. \"192.0.2.10:5060\" or \"[2001:db8::1]:5060\"";
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "\"{s}\" is not host:port (it contains spaces), {example}"
        ));
    }
    if s.contains("://") || s.to_ascii_lowercase().starts_with("sip:") {
        return Err(format!(
            "\"{s}\" is not host:port (write only the host and port, no scheme), {example}"
        ));
    }
    let (host, port) =
        split_host_port(s).map_err(|why| format!("\"{s}\" is not host:port ({why}), {example}"))?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host.to_string(), port.unwrap_or(default_port)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_parts() {
        let u = check_sip_uri("SIP:alice@Example.TEST:5070;transport=tcp").unwrap();
        assert_eq!(
            (u.user, u.host, u.port, u.hostport),
            ("alice", "Example.TEST", Some(5070), "Example.TEST:5070")
        );
        let v6 = check_sip_uri("sips:bob@[2001:db8::1]:5061").unwrap();
        assert_eq!((v6.host, v6.port), ("[2001:db8::1]", Some(5061)));
    }

    #[test]
    fn bad_uris_say_why() {
        for (uri, why) in [
            ("tel:+15551234", "must start with sip: or sips:"),
            ("sip:example.test", "needs a user"),
            ("sip:@example.test", "needs a user"),
            ("sip:alice@", "host is missing"),
            ("sip:alice@example.test:0", "port must be 1-65535"),
            ("sip:alice@example.test:70000", "port must be 1-65535"),
            ("sip:alice@exa mple.test", "contains spaces"),
            ("sip:alice@ex_ample.test", "contains '_'"),
            ("sip:alice@2001:db8::1", "must be written in brackets"),
            ("sip:alice:pw@example.test", "password in the URI"),
            ("<sip:alice@example.test>", "angle brackets"),
        ] {
            let err = check_sip_uri(uri).unwrap_err();
            assert!(err.contains(why), "{uri}: {err}");
            assert!(err.contains("e.g. \"sip:alice@example.test\""), "{err}");
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("127.0.0.1", 5060).unwrap(),
            ("127.0.0.1".into(), 5060)
        );
        assert_eq!(
            parse_address("pbx.example.test:5080", 5060).unwrap(),
            ("pbx.example.test".into(), 5080)
        );
        assert_eq!(
            parse_address("[::1]:5070", 5060).unwrap(),
            ("::1".into(), 5070)
        );
        assert_eq!(parse_address("[::1]", 5060).unwrap(), ("::1".into(), 5060));
        for bad in [
            "127.0.0.1:99999",
            "127.0.0.1:",
            "127.0.0.1:x",
            ":5060",
            "::1",
            "sip:pbx.example.test",
            "[::1",
        ] {
            assert!(parse_address(bad, 5060).is_err(), "{bad}");
        }
    }
}
