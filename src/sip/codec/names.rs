//! Header names: compact forms (RFC 3261 7.3.3 and the extensions that
//! registered one) and the canonical spelling of the long names we know.

/// Compact form letter -> long canonical name.
const COMPACT: &[(&str, &str)] = &[
    ("a", "Accept-Contact"),
    ("b", "Referred-By"),
    ("c", "Content-Type"),
    ("d", "Request-Disposition"),
    ("e", "Content-Encoding"),
    ("f", "From"),
    ("i", "Call-ID"),
    ("j", "Reject-Contact"),
    ("k", "Supported"),
    ("l", "Content-Length"),
    ("m", "Contact"),
    ("n", "Identity-Info"),
    ("o", "Event"),
    ("r", "Refer-To"),
    ("s", "Subject"),
    ("t", "To"),
    ("u", "Allow-Events"),
    ("v", "Via"),
    ("x", "Session-Expires"),
    ("y", "Identity"),
];

/// Long names in their canonical spelling (matched case-insensitively).
const CANONICAL: &[&str] = &[
    "Accept",
    "Accept-Contact",
    "Accept-Encoding",
    "Accept-Language",
    "Alert-Info",
    "Allow",
    "Allow-Events",
    "Authentication-Info",
    "Authorization",
    "Call-ID",
    "Call-Info",
    "Contact",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "Content-Length",
    "Content-Type",
    "CSeq",
    "Date",
    "Error-Info",
    "Event",
    "Expires",
    "From",
    "Identity",
    "Identity-Info",
    "In-Reply-To",
    "Max-Forwards",
    "MIME-Version",
    "Min-Expires",
    "Organization",
    "P-Asserted-Identity",
    "Path",
    "Priority",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Proxy-Require",
    "RAck",
    "Record-Route",
    "Refer-To",
    "Referred-By",
    "Reject-Contact",
    "Reply-To",
    "Request-Disposition",
    "Require",
    "Retry-After",
    "Route",
    "RSeq",
    "Server",
    "Service-Route",
    "Session-Expires",
    "SIP-ETag",
    "SIP-If-Match",
    "Subject",
    "Subscription-State",
    "Supported",
    "Timestamp",
    "To",
    "Unsupported",
    "User-Agent",
    "Via",
    "Warning",
    "WWW-Authenticate",
];

/// The canonical long name for `name`: a compact letter becomes its long
/// name, a known long name gets its canonical spelling (`call-id` ->
/// `Call-ID`), anything else is returned as given (trimmed).
pub fn canonical(name: &str) -> &str {
    let name = name.trim();
    if name.len() == 1 {
        if let Some((_, long)) = COMPACT.iter().find(|(c, _)| c.eq_ignore_ascii_case(name)) {
            return long;
        }
        return name;
    }
    CANONICAL
        .iter()
        .find(|known| known.eq_ignore_ascii_case(name))
        .copied()
        .unwrap_or(name)
}

/// A header name must be a non-empty RFC 3261 token.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
                )
        })
}
