//! The `Digest name=value, name="quoted, value"` parameter list.

use super::AuthError;

/// Digest parameters: names lower case, quoted values unquoted, in order.
#[derive(Debug, Default)]
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    /// The first value of `name` (lower case).
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn require(&self, name: &'static str) -> Result<&str, AuthError> {
        self.get(name)
            .ok_or(AuthError::MissingParam { param: name })
    }
}

/// Parses a header value that must use the Digest scheme.
pub(super) fn parse_digest(value: &str) -> Result<Params, AuthError> {
    let lead = value.len() - value.trim_start().len();
    let v = value.trim();
    let scheme_end = v.find(char::is_whitespace).unwrap_or(v.len());
    let (scheme, rest) = v.split_at(scheme_end);
    if !scheme.eq_ignore_ascii_case("digest") {
        return Err(AuthError::NotDigest {
            scheme: scheme.chars().take(40).collect(),
        });
    }
    let base = lead + scheme_end;
    let malformed = |at: usize, reason: &'static str| AuthError::Malformed {
        value: value.chars().take(200).collect(),
        at: base + at,
        reason,
    };
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let at = |i: usize| chars.get(i).map(|(p, _)| *p).unwrap_or(rest.len());
    let ch = |i: usize| chars.get(i).map(|(_, c)| *c);
    let mut params = Params::default();
    let mut i = 0usize;
    loop {
        while ch(i).is_some_and(|c| c.is_whitespace() || c == ',') {
            i += 1;
        }
        if ch(i).is_none() {
            break;
        }
        let name_start = i;
        while ch(i).is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            i += 1;
        }
        if i == name_start {
            return Err(malformed(at(i), "expected a parameter name"));
        }
        let name = rest.get(at(name_start)..at(i)).unwrap_or_default();
        while ch(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        if ch(i) != Some('=') {
            return Err(malformed(at(i), "expected '=' after a parameter name"));
        }
        i += 1;
        while ch(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        let mut val = String::new();
        if ch(i) == Some('"') {
            let open = i;
            i += 1;
            loop {
                match ch(i) {
                    None => return Err(malformed(at(open), "unterminated quoted string")),
                    Some('"') => break,
                    Some('\\') => {
                        i += 1;
                        match ch(i) {
                            Some(c) => val.push(c),
                            None => {
                                return Err(malformed(at(open), "unterminated quoted string"));
                            }
                        }
                    }
                    Some(c) => val.push(c),
                }
                i += 1;
            }
            i += 1; // closing quote
        } else {
            let start = i;
            while ch(i).is_some_and(|c| !(c.is_whitespace() || c == ',')) {
                i += 1;
            }
            if i == start {
                return Err(malformed(at(i), "empty parameter value"));
            }
            val.push_str(rest.get(at(start)..at(i)).unwrap_or_default());
        }
        while ch(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        if !(ch(i).is_none() || ch(i) == Some(',')) {
            return Err(malformed(at(i), "expected ',' between parameters"));
        }
        params.0.push((name.to_ascii_lowercase(), val));
    }
    Ok(params)
}
