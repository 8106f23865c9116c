//! A server's TLS keys: `transport = "tls"` (the port defaults to 5061)
//! and `ca_file`, the CA certificates to trust instead of the system's
//! roots.
//!
//! Only the name is checked here (the parse stays pure, as for
//! `[directory]` files): a relative path is resolved against the config
//! file's folder. The file is read when the connection is set up
//! (`runtime::tls`), and a file that cannot be read or holds no
//! certificate is reported there, naming `ca_file` and the path.
//! A `ca_file` without `transport = "tls"` is an error: it would be
//! silently ignored, and the operator believes the link is checked.

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::Transport;
use super::sections::Reader;

/// `server.ca_file` (`key`: its path, e.g. `server[2].ca_file`), resolved. `None` (outer): an error was reported;
/// `Some(None)`: no CA file (the system's roots).
pub(super) fn check_ca_file(
    r: &mut Reader<'_, '_>,
    raw: Option<&Spanned<String>>,
    transport: Option<Transport>,
    key: &str,
) -> Option<Option<PathBuf>> {
    let Some(raw) = raw else {
        return Some(None);
    };
    let text = raw.get_ref();
    if text.trim().is_empty() || text.contains('\0') {
        let e = r.src.invalid(
            raw.span(),
            key,
            "the file name is empty; write the path of a PEM file with the CA certificates, e.g. ca_file = \"/etc/switchboard/sip-ca.pem\"",
        );
        r.push(e);
        return None;
    }
    if transport.is_some_and(|t| t != Transport::Tls) {
        let e = r.src.invalid(
            raw.span(),
            key,
            "ca_file is only used with transport = \"tls\"; add that line, or remove ca_file",
        );
        r.push(e);
        return None;
    }
    let path = Path::new(text);
    let base = r.src.path.parent().unwrap_or(Path::new(""));
    Some(Some(if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Transport, parse};

    const FILE: &str = "/etc/sb/config.toml";

    fn server(lines: &[&str]) -> Result<crate::config::Server, crate::config::ConfigError> {
        let text = [
            "[account]",
            "uri = \"sip:attendant@example.test\"",
            "[server]",
        ]
        .iter()
        .chain(lines)
        .map(|l| format!("{l}\n"))
        .collect::<String>();
        parse(&text, Path::new(FILE), &|_| None).map(|c| c.server)
    }

    #[test]
    fn tls_defaults_to_port_5061_and_the_system_roots() {
        let s = server(&["address = \"pbx.example.test\"", "transport = \"TLS\""]).unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.transport, s.ca_file),
            ("pbx.example.test", 5061, Transport::Tls, None)
        );
        let s = server(&["transport = \"tls\""]).unwrap();
        assert_eq!(s.port, 5061, "the account's domain, on the TLS port");
        let s = server(&["address = \"pbx.example.test:5081\"", "transport = \"tls\""]).unwrap();
        assert_eq!(s.port, 5081, "a port given wins");
        let s = server(&["address = \"pbx.example.test\""]).unwrap();
        assert_eq!(s.port, 5060);
    }

    #[test]
    fn ca_file_is_resolved_against_the_config_folder() {
        let s = server(&["transport = \"tls\"", "ca_file = \"sip-ca.pem\""]).unwrap();
        assert_eq!(s.ca_file.as_deref(), Some(Path::new("/etc/sb/sip-ca.pem")));
        let s = server(&["transport = \"tls\"", "ca_file = \"/srv/ca.pem\""]).unwrap();
        assert_eq!(s.ca_file.as_deref(), Some(Path::new("/srv/ca.pem")));
    }

    #[test]
    fn ca_file_without_tls_or_empty_is_an_error_naming_the_line_and_key() {
        for (lines, says) in [
            (
                &["transport = \"tcp\"", "ca_file = \"ca.pem\""][..],
                "only used with transport = \"tls\"",
            ),
            (&["ca_file = \"ca.pem\""][..], "only used with transport"),
            (
                &["transport = \"tls\"", "ca_file = \" \""][..],
                "the file name is empty",
            ),
        ] {
            let e = server(lines).expect_err("rejected");
            let msg = e.to_string();
            assert_eq!(e.key(), Some("server.ca_file"), "{msg}");
            assert_eq!(e.line(), Some(3 + lines.len()), "{msg}");
            assert!(msg.contains(says), "{msg}");
        }
        let e = server(&["transport = \"quic\""]).expect_err("rejected");
        assert!(e.to_string().contains("expected udp, tcp or tls"), "{e}");
    }
}
