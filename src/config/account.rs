//! The `[account]` table (who we are, the credentials, the password from
//! the environment) and the address part of a server table (`[server]` or
//! one `[[server]]` entry).

use std::time::Duration;

use toml::Spanned;

use super::error::{ConfigError, Src};
use super::raw::{RawAccount, RawServer};
use super::sections::Reader;
use super::uri::{check_sip_uri, parse_address};
use super::validate::in_range;
use super::{Account, DEFAULT_PORT, Server, Transport};

pub(super) fn check_account(
    r: &mut Reader<'_, '_>,
    account: Spanned<RawAccount>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Account> {
    let src = r.src;
    let header = account.span();
    let a = account.into_inner();
    let Some(uri) = a.uri else {
        r.push(src.missing(
            header,
            "account.uri",
            "add uri = \"sip:attendant@example.test\" (who we are)",
        ));
        return None;
    };
    let parts = r.keep(
        check_sip_uri(uri.get_ref()).map_err(|why| src.invalid(uri.span(), "account.uri", why)),
    );
    let uri_ok = parts.is_some();
    let (user, domain) = parts.map_or_else(Default::default, |p| {
        (p.user.to_string(), p.hostport.to_string())
    });
    let auth_user = match a.auth_user {
        Some(au) if au.get_ref().trim().is_empty() => {
            r.push(src.invalid(
                au.span(),
                "account.auth_user",
                "auth_user is empty; remove it to use the user of account.uri",
            ));
            None
        }
        Some(au) => Some(au.into_inner()),
        None => Some(user.clone()),
    };
    let password = match (a.password, a.password_env) {
        (Some(pw), Some(var)) => {
            let (first, second, second_key) = if pw.span().start < var.span().start {
                (pw.span(), var.span(), "account.password_env")
            } else {
                (var.span(), pw.span(), "account.password")
            };
            r.push(src.invalid(
                second,
                second_key,
                format!(
                    "password and password_env are both set (the other is at line {}); keep only one of them",
                    src.line(first.start)
                ),
            ));
            None
        }
        (Some(pw), None) => Some(Some(pw.into_inner())),
        (None, Some(var)) => r.keep(password_from_env(src, &var, env)).map(Some),
        (None, None) => Some(None),
    };
    let display_name = a
        .display_name
        .map(Spanned::into_inner)
        .filter(|d| !d.trim().is_empty());
    Some(Account {
        uri: uri_ok.then(|| uri.into_inner())?,
        user,
        domain,
        auth_user: auth_user?,
        password: password?,
        display_name,
    })
}

fn password_from_env(
    src: &Src<'_>,
    var: &Spanned<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let name = var.get_ref();
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(src.invalid(
            var.span(),
            "account.password_env",
            format!("\"{name}\" is not an environment variable name, e.g. password_env = \"SWITCHBOARD_PASSWORD\""),
        ));
    }
    env(name).ok_or_else(|| {
        src.invalid(
            var.span(),
            "account.password_env",
            format!("environment variable {name} is not set; export {name}=... before starting switchboard, or remove password_env for no authentication"),
        )
    })
}

/// The address part of one server table (`[server]`, or the `[[server]]`
/// entry whose key path is `prefix`, e.g. `server[2]`).
pub(super) fn check_server(
    r: &mut Reader<'_, '_>,
    server: Option<Spanned<RawServer>>,
    account: Option<&Account>,
    prefix: &str,
) -> Option<Server> {
    let src = r.src;
    let s = server.map(Spanned::into_inner).unwrap_or_default();
    let key = |k: &str| format!("{prefix}.{k}");
    // 5061 for TLS when the address names no port (RFC 3261 19.1.2).
    let default_port = match s
        .transport
        .as_ref()
        .map(|t| t.get_ref().to_ascii_lowercase())
    {
        Some(t) if t == "tls" => Transport::Tls.default_port(),
        _ => DEFAULT_PORT,
    };
    let address = match (&s.address, account) {
        (Some(addr), _) => r.keep(
            parse_address(addr.get_ref(), default_port)
                .map_err(|why| src.invalid(addr.span(), key("address"), why)),
        ),
        // No address: the domain of our own URI, as a SIP phone would do.
        (None, Some(account)) => r.keep(
            parse_address(&account.domain, default_port)
                .map_err(|why| src.invalid(0..0, key("address"), why)),
        ),
        // No account either: its error is reported already.
        (None, None) => None,
    };
    let list = s.list.as_ref().and_then(|l| {
        r.keep(
            check_sip_uri(l.get_ref())
                .map(|_| l.get_ref().clone())
                .map_err(|why| src.invalid(l.span(), key("list"), why)),
        )
    });
    let transport = match &s.transport {
        // A list's full state exceeds a UDP datagram: TCP unless told.
        None if s.list.is_some() => Some(Transport::Tcp),
        None => Some(Transport::Udp),
        Some(t) => match t.get_ref().to_ascii_lowercase().as_str() {
            "udp" => Some(Transport::Udp),
            "tcp" => Some(Transport::Tcp),
            "tls" => Some(Transport::Tls),
            _ => {
                r.push(src.invalid(
                    t.span(),
                    key("transport"),
                    format!("\"{}\" is not a transport (expected udp, tcp or tls), e.g. transport = \"udp\"", t.get_ref()),
                ));
                None
            }
        },
    };
    let keepalive = r.keep(in_range(
        src,
        s.keepalive.as_ref(),
        &key("keepalive"),
        0..=86400,
        30,
        "seconds, 0 = off",
    ));
    let ca_file =
        super::server_tls::check_ca_file(r, s.ca_file.as_ref(), transport, &key("ca_file"));
    let (host, port) = address?;
    Some(Server {
        host,
        port,
        transport: transport?,
        keepalive: Duration::from_secs(keepalive?),
        list,
        ca_file: ca_file?,
    })
}
