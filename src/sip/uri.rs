//! The one SIP URI type and the one rule for comparing two of them.
//!
//! Config, store, engine and demo server all read URIs with [`SipUri::parse`]
//! and compare them with [`SipUri::same_as`], which is RFC 3261 section
//! 19.1.4 exactly:
//!
//! - scheme and host are case-insensitive; the user part (and password) is
//!   case-sensitive; `%HH` escapes of characters outside the reserved set
//!   equal the character itself (`sip:%61lice@h` is `sip:alice@h`);
//! - a URI without a port is *not* the one with `:5060` (they may resolve
//!   differently), and likewise for a `transport` present in only one;
//! - the `user`, `ttl`, `method`, `maddr` and `transport` parameters must
//!   be in both URIs or in neither, and match; any other parameter is
//!   compared only when both URIs carry it;
//! - headers (`?subject=...`) are never ignored: the same set in both.
//!
//! For hash maps, [`SipUri::key`] gives a [`UriKey`] that holds everything
//! the rule compares except the "only when both carry it" parameters. Two
//! URIs that are the same by the rule always have the same key; two with
//! the same key may still differ in such a parameter (`;foo=1` and
//! `;foo=2`), so [`UriMap`] keeps every URI of a key and checks
//! [`SipUri::same_as`] within it.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;

use crate::sip::headers::{HeaderError, find_param, invalid, parse_params, write_params};

mod lookup;
pub use lookup::{NotAdded, UriLookup};

/// A `sip:` or `sips:` URI. The user part is kept as written (dots, `+`,
/// escapes, and a deprecated `:password` if present).
///
/// `PartialEq` compares the parts as written; use [`SipUri::same_as`] to ask
/// whether two URIs name the same resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipUri {
    /// `sip` or `sips`, lower case.
    pub scheme: String,
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    pub params: Vec<(String, Option<String>)>,
    /// URI headers (`?name=value&...`), as written.
    pub headers: Vec<(String, String)>,
}

/// The parameters that must be in both URIs or in neither (RFC 3261 19.1.4;
/// `transport` by the section's examples: "can resolve to different
/// transports").
const LISTED_PARAMS: [&str; 5] = ["user", "ttl", "method", "maddr", "transport"];

/// The characters whose `%HH` escape is *not* the character itself (RFC 3261
/// 19.1.4 / RFC 2396 reserved set).
const RESERVED: &[u8] = b";/?:@&=+$,";

/// `[IPv6address]` by RFC 4291 / RFC 5954 (which corrected RFC 3261's
/// grammar: `2001:db8:::192.0.2.1` is not an address, RFC 5118 4.10),
/// with an optional RFC 6874 zone (`%25eth0`).
fn is_ipv6_reference(host: &str) -> bool {
    let inner = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or_default();
    let address = inner.split_once("%25").map_or(inner, |(a, _)| a);
    address.parse::<std::net::Ipv6Addr>().is_ok()
}

impl SipUri {
    /// Parses `sip:user@host:port;param=value?header=value`. IPv6 hosts in
    /// brackets are kept with their brackets.
    pub fn parse(s: &str) -> Result<SipUri, HeaderError> {
        const H: &str = "URI";
        let s = s.trim();
        let (scheme, rest) = s
            .split_once(':')
            .ok_or_else(|| invalid(H, s, "no scheme (expected sip: or sips:)"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "sip" && scheme != "sips" {
            return Err(invalid(H, s, "scheme is not sip or sips"));
        }
        let (user, hostpart) = match rest.split_once('@') {
            Some(("", _)) => return Err(invalid(H, s, "empty user part")),
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, rest),
        };
        let (host, after) = if hostpart.starts_with('[') {
            let close = hostpart
                .find(']')
                .ok_or_else(|| invalid(H, s, "unclosed IPv6 bracket"))?;
            let (host, after) = hostpart.split_at(close + 1);
            if !is_ipv6_reference(host) {
                return Err(invalid(H, s, "bad IPv6 reference"));
            }
            (host, after)
        } else {
            let end = hostpart.find([':', ';', '?']).unwrap_or(hostpart.len());
            hostpart.split_at(end)
        };
        if host.is_empty()
            || host
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '@' | ',' | '/'))
        {
            return Err(invalid(H, s, "missing or bad host"));
        }
        let (after, headers_part) = match after.split_once('?') {
            Some((a, h)) => (a, Some(h)),
            None => (after, None),
        };
        let (port_part, params_part) = match after.find(';') {
            Some(i) => after.split_at(i),
            None => (after, ""),
        };
        let port = match port_part.strip_prefix(':') {
            Some(p) => Some(
                p.parse::<u16>()
                    .map_err(|_| invalid(H, s, "bad port number"))?,
            ),
            None if port_part.is_empty() => None,
            None => return Err(invalid(H, s, "unexpected text after host")),
        };
        let params = parse_params(params_part).map_err(|reason| invalid(H, s, reason))?;
        // RFC 3261 19.1.1: a parameter name appears once. Two values for
        // one name would make the URI differ from itself by 19.1.4.
        for (i, (name, _)) in params.iter().enumerate() {
            if params[..i]
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                return Err(invalid(H, s, "a parameter given twice"));
            }
        }
        let headers = match headers_part {
            Some(h) => parse_headers(h).map_err(|reason| invalid(H, s, reason))?,
            None => Vec::new(),
        };
        Ok(SipUri {
            scheme,
            user,
            host: host.to_string(),
            port,
            params,
            headers,
        })
    }

    /// Reads the URI out of what a person or a header may hold: a bare URI,
    /// or a name-addr (`"Bob" <sip:bob@x>;tag=1`, the part in brackets).
    pub fn parse_loose(s: &str) -> Option<SipUri> {
        let s = s.trim();
        let inner = match s.find('<') {
            Some(open) => {
                let inner = s.get(open + 1..).unwrap_or_default();
                inner.find('>').map_or(inner, |close| &inner[..close])
            }
            None => s,
        };
        SipUri::parse(inner).ok()
    }

    /// The address of record: `sip:user@host`, no port or parameters, host
    /// in lower case.
    pub fn aor(&self) -> String {
        let host = self.host.to_ascii_lowercase();
        match &self.user {
            Some(user) => format!("{}:{}@{}", self.scheme, user, host),
            None => format!("{}:{}", self.scheme, host),
        }
    }

    /// `host` or `host:port`.
    pub fn host_port(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{}", self.host, port),
            None => self.host.clone(),
        }
    }

    /// The value of URI parameter `name` (case-insensitive); `Some("")` for
    /// a parameter without value (`;lr`).
    pub fn param(&self, name: &str) -> Option<&str> {
        find_param(&self.params, name)
    }

    /// The user part with unreserved escapes decoded (`%61lice` → `alice`),
    /// case kept: the form users are compared in.
    pub fn user_unescaped(&self) -> Option<String> {
        self.user.as_deref().map(user_key)
    }

    /// The hash-map key: equal for any two URIs that are [`same_as`] each
    /// other (see the module doc for what it leaves out).
    ///
    /// [`same_as`]: SipUri::same_as
    pub fn key(&self) -> UriKey {
        let mut listed: Vec<(String, Option<String>)> = LISTED_PARAMS
            .iter()
            .filter_map(|name| {
                let (_, v) = self
                    .params
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
                Some((name.to_string(), v.as_deref().map(folded)))
            })
            .collect();
        listed.sort();
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(n, v)| (folded(n), folded(v)))
            .collect();
        headers.sort();
        UriKey {
            scheme: self.scheme.to_ascii_lowercase(),
            userinfo: self.user_unescaped(),
            host: self.host.to_ascii_lowercase(),
            port: self.port,
            listed,
            headers,
        }
    }

    /// RFC 3261 19.1.4: do the two URIs name the same resource?
    pub fn same_as(&self, other: &SipUri) -> bool {
        self.key() == other.key() && self.other_params_agree(other)
    }

    /// Parameters outside the listed ones: compared only when in both.
    fn other_params_agree(&self, other: &SipUri) -> bool {
        self.params
            .iter()
            .filter(|(n, _)| !LISTED_PARAMS.iter().any(|l| n.eq_ignore_ascii_case(l)))
            .all(|(name, value)| {
                other
                    .params
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .all(|(_, v)| v.as_deref().map(folded) == value.as_deref().map(folded))
            })
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.scheme)?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        write!(f, "{}", self.host_port())?;
        write_params(f, &self.params)?;
        for (i, (name, value)) in self.headers.iter().enumerate() {
            let sep = if i == 0 { '?' } else { '&' };
            write!(f, "{sep}{name}={value}")?;
        }
        Ok(())
    }
}

/// What [`SipUri::same_as`] compares, in a hashable form: lower-case scheme
/// and host, unescaped user, port, the listed parameters and the headers
/// (names and values case-folded and unescaped).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UriKey {
    scheme: String,
    userinfo: Option<String>,
    host: String,
    port: Option<u16>,
    listed: Vec<(String, Option<String>)>,
    headers: Vec<(String, String)>,
}

/// URIs → values, looked up by the RFC rule. Several URIs can share a
/// [`UriKey`] and still differ (`;foo=1`, `;foo=2`): each bucket keeps
/// them all and answers the one that is [`SipUri::same_as`] the query.
///
/// Buckets are keyed by a 64-bit hash of the [`UriKey`] (SipHash with a
/// per-map random key, so a peer cannot aim collisions), not the key
/// itself: the key's strings and its 128 bytes inline were most of a
/// 10,000-URI map (5 MB); a collision only puts two URIs in one bucket,
/// where `same_as` tells them apart.
#[derive(Debug, Clone)]
pub struct UriMap<V> {
    hasher: RandomState,
    buckets: HashMap<u64, Vec<(SipUri, V)>>,
}

impl<V> Default for UriMap<V> {
    fn default() -> Self {
        UriMap {
            hasher: RandomState::new(),
            buckets: HashMap::new(),
        }
    }
}

impl<V> UriMap<V> {
    pub fn with_capacity(n: usize) -> Self {
        UriMap {
            hasher: RandomState::new(),
            buckets: HashMap::with_capacity(n),
        }
    }

    fn hash(&self, uri: &SipUri) -> u64 {
        self.hasher.hash_one(uri.key())
    }

    /// Adds `uri → value` unless a URI the same as `uri` is there already;
    /// then nothing changes and that entry's value comes back.
    pub fn insert(&mut self, uri: SipUri, value: V) -> Result<(), &V> {
        // Nearly every bucket holds one URI: a Vec's first push would make
        // room for four (a 10,000-contact map was 5.4 MB instead of 1.4).
        let h = self.hash(&uri);
        let bucket = self
            .buckets
            .entry(h)
            .or_insert_with(|| Vec::with_capacity(1));
        match bucket.iter().position(|(u, _)| u.same_as(&uri)) {
            Some(i) => Err(&bucket[i].1),
            None => {
                bucket.push((uri, value));
                Ok(())
            }
        }
    }

    /// Removes the URI that is the same as `uri`; its value, if any.
    pub fn remove(&mut self, uri: &SipUri) -> Option<V> {
        let key = self.hash(uri);
        let bucket = self.buckets.get_mut(&key)?;
        let i = bucket.iter().position(|(u, _)| u.same_as(uri))?;
        let (_, value) = bucket.swap_remove(i);
        if bucket.is_empty() {
            self.buckets.remove(&key);
        }
        Some(value)
    }

    /// The value of the URI that is the same as `uri`, if any.
    pub fn get(&self, uri: &SipUri) -> Option<&V> {
        self.buckets
            .get(&self.hash(uri))?
            .iter()
            .find(|(u, _)| u.same_as(uri))
            .map(|(_, v)| v)
    }
}

/// A user part in the form users compare in (case kept, unreserved escapes
/// decoded): `user_key(a) == user_key(b)` is RFC 3261's user comparison.
pub fn user_key(user: &str) -> String {
    unescape(user)
}

/// `name=value&name=value` after the `?`.
fn parse_headers(s: &str) -> Result<Vec<(String, String)>, &'static str> {
    s.split('&')
        .filter(|h| !h.is_empty())
        .map(|h| {
            let (name, value) = h.split_once('=').unwrap_or((h, ""));
            if name.is_empty() || name.chars().any(|c| c.is_whitespace()) {
                return Err("bad URI header name");
            }
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

/// Unescaped, then ASCII lower case: the form of case-insensitive parts.
fn folded(s: &str) -> String {
    unescape(s).to_ascii_lowercase()
}

/// Decodes `%HH` unless it stands for a reserved character (whose escape is
/// a different URI); escapes kept are written in upper case.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) if !RESERVED.contains(&b) => {
                out.push(b);
                i += 3;
            }
            (b'%', Some(b)) => {
                out.extend(format!("%{b:02X}").bytes());
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
