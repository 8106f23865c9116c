//! Several presence servers: `[[server]]` entries, or the single
//! `[server]` table (one unnamed server serving every package).
//!
//! Each entry is the same table as `[server]` (address, transport,
//! keepalive, list, and whatever the TLS settings add: one struct, read by
//! `account::check_server`) plus what only several servers need: a
//! `name` (required and unique in `[[server]]`), `preferred = true` (at
//! most one: it wins conflicts for the same contact and event), `events`
//! (the packages it serves for every contact; default: `[subscribe]`'s)
//! and its own credentials (`auth_user`, `password` or `password_env`;
//! each missing one is the `[account]`'s).

use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

use super::error::{ConfigError, Src};
use super::raw::RawServer;
use super::sections::Reader;
use super::{Account, ServerEntry, Subscribe};

/// What the credentials and roles of one entry say, before the address
/// part is checked.
struct Extra {
    name: Option<Spanned<String>>,
    preferred: Option<Spanned<bool>>,
    events: Option<Spanned<Vec<Spanned<String>>>>,
    auth_user: Option<Spanned<String>>,
    password: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
}

impl Extra {
    fn take(raw: &mut RawServer) -> Extra {
        Extra {
            name: raw.name.take(),
            preferred: raw.preferred.take(),
            events: raw.events.take(),
            auth_user: raw.auth_user.take(),
            password: raw.password.take(),
            password_env: raw.password_env.take(),
        }
    }
}

/// One server table as read: its key path (`server[2]`) and contents.
type Entry = (String, Option<Spanned<RawServer>>);

/// Every server of the file, checked (`None` when one of them is wrong:
/// each mistake is recorded in `r`). The second value: a server entry holds
/// a password written in the file.
pub(super) fn check(
    r: &mut Reader<'_, '_>,
    account: Option<&Account>,
    subscribe: &Subscribe,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<Vec<ServerEntry>>, bool) {
    let src = r.src;
    let (raws, many): (Vec<Entry>, bool) = match r.value("server") {
        None => (vec![("server".into(), None)], false),
        Some(v) => match v.get_ref() {
            DeValue::Array(items) => {
                let allowed = super::schema::allowed("server");
                let raws = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let prefix = format!("server[{}]", i + 1);
                        let raw = r.read::<RawServer>(item, &prefix, allowed);
                        (prefix, raw)
                    })
                    .collect();
                (raws, true)
            }
            _ => (
                vec![("server".into(), r.table::<RawServer>("server"))],
                false,
            ),
        },
    };
    let mut literal_password = false;
    let mut entries = Vec::with_capacity(raws.len());
    let mut complete = true;
    let mut names: Vec<(String, usize)> = Vec::new();
    let mut preferred_at: Option<usize> = None;
    for (prefix, raw) in raws {
        let header = raw.as_ref().map_or(0..0, Spanned::span);
        let (raw, extra) = match raw {
            Some(mut s) => {
                let extra = Extra::take(s.get_mut());
                (Some(s), Some(extra))
            }
            None => (None, None),
        };
        let server = super::account::check_server(r, raw, account, &prefix);
        let extra = extra.unwrap_or(Extra {
            name: None,
            preferred: None,
            events: None,
            auth_user: None,
            password: None,
            password_env: None,
        });
        literal_password |= extra.password.is_some();
        let name = check_name(r, &extra, many, &prefix, header, &mut names);
        if let Some(p) = &extra.preferred
            && *p.get_ref()
        {
            let line = src.line(p.span().start);
            match preferred_at {
                Some(first) => r.push(src.invalid(
                    p.span(),
                    format!("{prefix}.preferred"),
                    format!(
                        "only one server may be preferred (the one at line {first} is already); remove preferred = true from one of them"
                    ),
                )),
                None => preferred_at = Some(line),
            }
        }
        let events = check_events(r, extra.events.as_ref(), subscribe, &prefix);
        let credentials = check_credentials(r, &extra, account, &prefix, env);
        match (server, name, events, credentials) {
            (Some(server), Some(name), Some((presence, dialog)), Some((auth_user, password))) => {
                entries.push(ServerEntry {
                    name,
                    server,
                    preferred: extra.preferred.is_some_and(|p| p.into_inner()),
                    presence,
                    dialog,
                    auth_user,
                    password,
                });
            }
            _ => complete = false,
        }
    }
    (complete.then_some(entries), literal_password)
}

/// `name`: required (not empty) and unique in `[[server]]`; optional in
/// `[server]`.
fn check_name(
    r: &mut Reader<'_, '_>,
    extra: &Extra,
    many: bool,
    prefix: &str,
    header: Range<usize>,
    seen: &mut Vec<(String, usize)>,
) -> Option<Option<String>> {
    let src = r.src;
    let key = format!("{prefix}.name");
    match &extra.name {
        None if many => {
            r.push(src.missing(
                header,
                key,
                "add name = \"pbx\" to this [[server]] (the why panel and watch name it)",
            ));
            None
        }
        None => Some(None),
        Some(n) if n.get_ref().trim().is_empty() => {
            r.push(src.invalid(n.span(), key, "the name is empty, e.g. name = \"pbx\""));
            None
        }
        Some(n) => {
            let name = crate::text::harmless_line(n.get_ref().trim());
            let line = src.line(n.span().start);
            if let Some((_, first)) = seen.iter().find(|(s, _)| s.eq_ignore_ascii_case(&name)) {
                r.push(src.invalid(
                    n.span(),
                    key,
                    format!(
                        "the name \"{name}\" is already used by the server at line {first}; give each server its own name"
                    ),
                ));
                return None;
            }
            seen.push((name.clone(), line));
            Some(Some(name))
        }
    }
}

/// `events = ["presence", "dialog"]`: (presence, dialog).
fn check_events(
    r: &mut Reader<'_, '_>,
    events: Option<&Spanned<Vec<Spanned<String>>>>,
    subscribe: &Subscribe,
    prefix: &str,
) -> Option<(bool, bool)> {
    let src = r.src;
    let key = format!("{prefix}.events");
    let Some(events) = events else {
        return Some((subscribe.presence, subscribe.dialog));
    };
    if events.get_ref().is_empty() {
        r.push(src.invalid(
            events.span(),
            key,
            "the list is empty: name the packages this server serves, e.g. events = [\"presence\", \"dialog\"]",
        ));
        return None;
    }
    let (mut presence, mut dialog, mut ok) = (false, false, true);
    for e in events.get_ref() {
        match e.get_ref().to_ascii_lowercase().as_str() {
            "presence" => presence = true,
            "dialog" => dialog = true,
            other => {
                r.push(src.invalid(
                    e.span(),
                    key.clone(),
                    format!(
                        "\"{}\" is not an event package (expected presence or dialog), e.g. events = [\"presence\", \"dialog\"]",
                        crate::text::harmless_line(other)
                    ),
                ));
                ok = false;
            }
        }
    }
    ok.then_some((presence, dialog))
}

/// The server's own `auth_user` and password, each else the account's.
fn check_credentials(
    r: &mut Reader<'_, '_>,
    extra: &Extra,
    account: Option<&Account>,
    prefix: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, Option<String>)> {
    let src = r.src;
    let auth_user = match &extra.auth_user {
        Some(a) if a.get_ref().trim().is_empty() => {
            r.push(src.invalid(
                a.span(),
                format!("{prefix}.auth_user"),
                "auth_user is empty; remove it to use the [account] one",
            ));
            None
        }
        Some(a) => Some(a.get_ref().clone()),
        None => account.map(|a| a.auth_user.clone()),
    };
    let password = match (&extra.password, &extra.password_env) {
        (Some(_), Some(var)) => {
            r.push(src.invalid(
                var.span(),
                format!("{prefix}.password_env"),
                "password and password_env are both set; keep only one of them",
            ));
            None
        }
        (Some(pw), None) => Some(Some(pw.get_ref().clone())),
        (None, Some(var)) => r
            .keep(from_env(src, var, &format!("{prefix}.password_env"), env))
            .map(Some),
        (None, None) => account.map(|a| a.password.clone()),
    };
    Some((auth_user?, password?))
}

fn from_env(
    src: &Src<'_>,
    var: &Spanned<String>,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let name = var.get_ref();
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(src.invalid(
            var.span(),
            key,
            format!("\"{name}\" is not an environment variable name, e.g. password_env = \"PBX_PASSWORD\""),
        ));
    }
    env(name).ok_or_else(|| {
        src.invalid(
            var.span(),
            key,
            format!("environment variable {name} is not set; export {name}=... before starting switchboard, or remove password_env to use the [account] password"),
        )
    })
}
