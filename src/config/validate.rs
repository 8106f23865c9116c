//! From the raw file to a checked [`Config`]: syntax, unknown keys, types,
//! then every value's meaning, each error placed at its line and key.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeTable;

use super::error::{ConfigError, Src};
use super::raw::{RawAccount, RawConfig, RawContact, RawServer, RawSubscribe};
use super::uri::{check_sip_uri, parse_address};
use super::{Account, Config, DEFAULT_PORT, Server, Subscribe, Transport, Ui, schema};
use crate::presence::ContactInfo;

/// Parse and check. The flag says whether the file itself holds a password
/// (`account.password`, as opposed to `password_env`).
pub(super) fn parse(
    text: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Config, bool), ConfigError> {
    let src = Src { text, path };
    let doc = DeTable::parse(text).map_err(|e| syntax_error(&src, &e))?;
    schema::check_unknown_keys(doc.get_ref(), &src)?;
    let raw = RawConfig::deserialize(toml::de::Deserializer::from(doc.clone()))
        .map_err(|e| type_error(&src, doc.get_ref(), &e))?;

    let mut warnings = Vec::new();
    let Some(account) = raw.account else {
        return Err(src.missing(
            0..0,
            "account",
            "add an [account] table with uri = \"sip:attendant@example.test\"",
        ));
    };
    let literal_password = account.get_ref().password.is_some();
    let account = check_account(&src, account, env)?;
    let server = check_server(&src, raw.server, &account)?;
    let subscribe = check_subscribe(&src, raw.subscribe)?;
    let ui = raw
        .ui
        .map(|u| u.into_inner())
        .map_or_else(Ui::default, |u| Ui {
            mono: u.mono.unwrap_or(false),
            ascii: u.ascii.unwrap_or(false),
            read_only: u.read_only.unwrap_or(false),
        });
    let keys = raw
        .keys
        .into_iter()
        .map(|(action, specs)| (action, specs.into_inner().0))
        .collect();
    let contacts = check_contacts(&src, raw.contact)?;
    if contacts.is_empty() {
        warnings.push(format!(
            "{} has no [[contact]] entries: the console will be empty (add one [[contact]] table per person)",
            path.display()
        ));
    }
    let config = Config {
        path: Some(path.to_path_buf()),
        account,
        server,
        subscribe,
        ui,
        keys,
        contacts,
        warnings,
    };
    Ok((config, literal_password))
}

fn syntax_error(src: &Src<'_>, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map_or(1, |s| src.line(s.start));
    ConfigError::Syntax {
        path: src.path.to_path_buf(),
        line,
        key: key_on_line(src.text, line),
        message: e.message().trim_end().to_string(),
    }
}

/// Best effort for syntax errors: `table.key` for a `key = ...` line, the
/// table name for a header line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let mut table = String::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        let header = l.strip_prefix('[').map(|h| {
            h.trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
        });
        if i + 1 == line {
            return match header {
                Some(h) if !h.is_empty() => Some(h.to_string()),
                Some(_) => None,
                None => {
                    let key = l.split_once('=')?.0.trim().trim_matches('"');
                    let simple = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
                    simple.then(|| {
                        if table.is_empty() {
                            key.to_string()
                        } else {
                            format!("{table}.{key}")
                        }
                    })
                }
            };
        }
        if let Some(h) = header {
            table = h.to_string();
        }
    }
    None
}

fn type_error(src: &Src<'_>, doc: &DeTable<'_>, e: &toml::de::Error) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    let key = e.span().and_then(|s| schema::path_at(doc, s.start));
    let key = key.unwrap_or_else(|| "(top level)".to_string());
    let message = if key == "contact" {
        "write [[contact]] (double brackets) for each person, not [contact]".to_string()
    } else {
        let mut message = humanize(e.message());
        if let Some(example) = schema::example(&key) {
            message.push_str(&format!(", e.g. {example}"));
        }
        message
    };
    src.invalid(offset..offset, key, message)
}

/// serde's words for types, in the words of a TOML file.
fn humanize(message: &str) -> String {
    let mut out = message.trim_end().replace('`', "\"");
    for (from, to) in [
        ("i64", "an integer"),
        ("u64", "an integer"),
        ("a sequence", "a list"),
        ("a map", "a table"),
    ] {
        out = out.replace(&format!("expected {from}"), &format!("expected {to}"));
    }
    if let Some(at) = out.find("expected struct Raw") {
        out.truncate(at);
        out.push_str("expected a table");
    }
    out
}

fn check_account(
    src: &Src<'_>,
    account: Spanned<RawAccount>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Account, ConfigError> {
    let header = account.span();
    let a = account.into_inner();
    let Some(uri) = a.uri else {
        return Err(src.missing(
            header,
            "account.uri",
            "add uri = \"sip:attendant@example.test\" (who we are)",
        ));
    };
    let parts =
        check_sip_uri(uri.get_ref()).map_err(|why| src.invalid(uri.span(), "account.uri", why))?;
    let (user, domain) = (parts.user.to_string(), parts.hostport.to_string());
    let auth_user = match a.auth_user {
        Some(au) if au.get_ref().trim().is_empty() => {
            return Err(src.invalid(
                au.span(),
                "account.auth_user",
                "auth_user is empty; remove it to use the user of account.uri",
            ));
        }
        Some(au) => au.into_inner(),
        None => user.clone(),
    };
    let password = match (a.password, a.password_env) {
        (Some(pw), Some(var)) => {
            let (first, second, second_key) = if pw.span().start < var.span().start {
                (pw.span(), var.span(), "account.password_env")
            } else {
                (var.span(), pw.span(), "account.password")
            };
            return Err(src.invalid(
                second,
                second_key,
                format!(
                    "password and password_env are both set (the other is at line {}); keep only one of them",
                    src.line(first.start)
                ),
            ));
        }
        (Some(pw), None) => Some(pw.into_inner()),
        (None, Some(var)) => Some(password_from_env(src, &var, env)?),
        (None, None) => None,
    };
    let display_name = a
        .display_name
        .map(Spanned::into_inner)
        .filter(|d| !d.trim().is_empty());
    Ok(Account {
        uri: uri.into_inner(),
        user,
        domain,
        auth_user,
        password,
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

fn check_server(
    src: &Src<'_>,
    server: Option<Spanned<RawServer>>,
    account: &Account,
) -> Result<Server, ConfigError> {
    let s = server.map(Spanned::into_inner).unwrap_or(RawServer {
        address: None,
        transport: None,
        keepalive: None,
    });
    let (host, port) = match &s.address {
        Some(addr) => parse_address(addr.get_ref(), DEFAULT_PORT)
            .map_err(|why| src.invalid(addr.span(), "server.address", why))?,
        // No address: the domain of our own URI, as a SIP phone would do.
        None => parse_address(&account.domain, DEFAULT_PORT)
            .map_err(|why| src.invalid(0..0, "server.address", why))?,
    };
    let transport = match &s.transport {
        None => Transport::Udp,
        Some(t) => match t.get_ref().to_ascii_lowercase().as_str() {
            "udp" => Transport::Udp,
            "tcp" => Transport::Tcp,
            other => {
                return Err(src.invalid(
                    t.span(),
                    "server.transport",
                    format!("\"{other}\" is not a transport (expected udp or tcp), e.g. transport = \"udp\""),
                ));
            }
        },
    };
    let keepalive = in_range(
        src,
        s.keepalive.as_ref(),
        "server.keepalive",
        0..=86400,
        30,
        "seconds, 0 = off",
    )?;
    Ok(Server {
        host,
        port,
        transport,
        keepalive: Duration::from_secs(keepalive),
    })
}

fn check_subscribe(
    src: &Src<'_>,
    subscribe: Option<Spanned<RawSubscribe>>,
) -> Result<Subscribe, ConfigError> {
    let d = Subscribe::default();
    let Some(s) = subscribe.map(Spanned::into_inner) else {
        return Ok(d);
    };
    let expires = in_range(
        src,
        s.expires.as_ref(),
        "subscribe.expires",
        60..=86400,
        d.expires.into(),
        "seconds",
    )?;
    let window = in_range(
        src,
        s.window.as_ref(),
        "subscribe.window",
        1..=1024,
        d.window as u64,
        "transactions",
    )?;
    Ok(Subscribe {
        presence: s.presence.unwrap_or(d.presence),
        dialog: s.dialog.unwrap_or(d.dialog),
        // Both bounded above by the ranges just checked.
        expires: u32::try_from(expires).unwrap_or(d.expires),
        window: usize::try_from(window).unwrap_or(d.window),
    })
}

fn in_range(
    src: &Src<'_>,
    value: Option<&Spanned<i64>>,
    key: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    unit: &str,
) -> Result<u64, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    match u64::try_from(*v.get_ref()) {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(src.invalid(
            v.span(),
            key,
            format!(
                "{} is out of range (must be {}-{} {unit}), e.g. {} = {default}",
                v.get_ref(),
                range.start(),
                range.end(),
                key.rsplit('.').next().unwrap_or(key)
            ),
        )),
    }
}

fn check_contacts(
    src: &Src<'_>,
    raw: Vec<Spanned<RawContact>>,
) -> Result<Vec<ContactInfo>, ConfigError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, c) in raw.into_iter().enumerate() {
        let prefix = format!("contact[{}]", i + 1);
        let header: Range<usize> = c.span();
        let c = c.into_inner();
        let Some(name) = c.name else {
            return Err(src.missing(
                header,
                format!("{prefix}.name"),
                "add name = \"Alice Adams\" to this [[contact]]",
            ));
        };
        if name.get_ref().trim().is_empty() {
            return Err(src.invalid(
                name.span(),
                format!("{prefix}.name"),
                "the name is empty, e.g. name = \"Alice Adams\"",
            ));
        }
        let Some(uri) = c.uri else {
            return Err(src.missing(
                header,
                format!("{prefix}.uri"),
                "add uri = \"sip:alice@example.test\" to this [[contact]]",
            ));
        };
        let parts = check_sip_uri(uri.get_ref())
            .map_err(|why| src.invalid(uri.span(), format!("{prefix}.uri"), why))?;
        let line = src.line(uri.span().start);
        if let Some(&first_line) = seen.get(&parts.canonical()) {
            return Err(ConfigError::DuplicateContact {
                path: src.path.to_path_buf(),
                line,
                key: format!("{prefix}.uri"),
                uri: uri.into_inner(),
                first_line,
            });
        }
        seen.insert(parts.canonical(), line);
        out.push(ContactInfo {
            name: name.into_inner().trim().to_string(),
            uri: uri.into_inner(),
            extension: c
                .extension
                .map(|e| e.into_inner().0.trim().to_string())
                .filter(|e| !e.is_empty()),
            department: c
                .department
                .map(|d| d.into_inner().trim().to_string())
                .filter(|d| !d.is_empty()),
        });
    }
    Ok(out)
}
