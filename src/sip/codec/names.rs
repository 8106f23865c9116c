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

/// The canonical long name for `name`: a compact letter becomes its long
/// name, a known long name gets its canonical spelling (`call-id` ->
/// `Call-ID`), anything else is returned as given (trimmed).
pub fn canonical(name: &str) -> &str {
    known(name).unwrap_or_else(|| name.trim())
}

/// The canonical spelling of a known (or compact) header name, as a
/// `'static` string, without allocating: parsing keeps these names
/// borrowed.
pub fn known(name: &str) -> Option<&'static str> {
    let name = name.trim();
    if name.len() == 1 {
        return COMPACT
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(name))
            .map(|(_, long)| *long);
    }
    let mut buf = [0u8; 24];
    let lower = buf.get_mut(..name.len())?;
    for (d, s) in lower.iter_mut().zip(name.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    Some(match &*lower {
        b"accept" => "Accept",
        b"accept-contact" => "Accept-Contact",
        b"accept-encoding" => "Accept-Encoding",
        b"accept-language" => "Accept-Language",
        b"alert-info" => "Alert-Info",
        b"allow" => "Allow",
        b"allow-events" => "Allow-Events",
        b"authentication-info" => "Authentication-Info",
        b"authorization" => "Authorization",
        b"call-id" => "Call-ID",
        b"call-info" => "Call-Info",
        b"contact" => "Contact",
        b"content-disposition" => "Content-Disposition",
        b"content-encoding" => "Content-Encoding",
        b"content-language" => "Content-Language",
        b"content-length" => "Content-Length",
        b"content-type" => "Content-Type",
        b"cseq" => "CSeq",
        b"date" => "Date",
        b"error-info" => "Error-Info",
        b"event" => "Event",
        b"expires" => "Expires",
        b"from" => "From",
        b"identity" => "Identity",
        b"identity-info" => "Identity-Info",
        b"in-reply-to" => "In-Reply-To",
        b"max-forwards" => "Max-Forwards",
        b"mime-version" => "MIME-Version",
        b"min-expires" => "Min-Expires",
        b"organization" => "Organization",
        b"p-asserted-identity" => "P-Asserted-Identity",
        b"path" => "Path",
        b"priority" => "Priority",
        b"proxy-authenticate" => "Proxy-Authenticate",
        b"proxy-authorization" => "Proxy-Authorization",
        b"proxy-require" => "Proxy-Require",
        b"rack" => "RAck",
        b"record-route" => "Record-Route",
        b"refer-to" => "Refer-To",
        b"referred-by" => "Referred-By",
        b"reject-contact" => "Reject-Contact",
        b"reply-to" => "Reply-To",
        b"request-disposition" => "Request-Disposition",
        b"require" => "Require",
        b"retry-after" => "Retry-After",
        b"route" => "Route",
        b"rseq" => "RSeq",
        b"server" => "Server",
        b"service-route" => "Service-Route",
        b"session-expires" => "Session-Expires",
        b"sip-etag" => "SIP-ETag",
        b"sip-if-match" => "SIP-If-Match",
        b"subject" => "Subject",
        b"subscription-state" => "Subscription-State",
        b"supported" => "Supported",
        b"timestamp" => "Timestamp",
        b"to" => "To",
        b"unsupported" => "Unsupported",
        b"user-agent" => "User-Agent",
        b"via" => "Via",
        b"warning" => "Warning",
        b"www-authenticate" => "WWW-Authenticate",
        _ => return None,
    })
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
