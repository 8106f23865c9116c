//! Finding a contact by URI: the store's index over
//! [`crate::sip::uri::UriMap`], so the store compares URIs by the one rule
//! (RFC 3261 19.1.4) that the configuration used to accept them. Two
//! contacts the configuration accepts as different (`sip:a@h` and
//! `sip:a@h:5060`) stay two entries here; NOTIFYs reach a contact through
//! its subscription's dialog, never through this index.

use crate::presence::ContactId;
use crate::sip::uri::{SipUri, UriMap};

/// Contact URI → contact.
#[derive(Debug, Default)]
pub(crate) struct UriIndex(UriMap<ContactId>);

impl UriIndex {
    pub fn with_capacity(n: usize) -> Self {
        UriIndex(UriMap::with_capacity(n))
    }

    /// Index `uri` for `id`; a URI that cannot be read, or one the same as
    /// an earlier contact's, is logged and left out (the configuration
    /// refuses both, so this only happens for hand-built stores).
    pub fn add(&mut self, uri: &str, id: ContactId) {
        let Some(parsed) = SipUri::parse_loose(uri) else {
            tracing::warn!(%uri, "contact URI cannot be looked up");
            return;
        };
        if let Err(first) = self.0.insert(parsed, id) {
            tracing::warn!(%uri, ?first, "two contacts with one URI: find() returns the first");
        }
    }

    /// The contact whose URI is the same as `uri` (a bare URI or a
    /// name-addr) by RFC 3261 19.1.4.
    pub fn find(&self, uri: &str) -> Option<ContactId> {
        self.0.get(&SipUri::parse_loose(uri)?).copied()
    }

    /// Forget `uri` (a contact retired from the directory), if it is `id`'s.
    pub fn remove(&mut self, uri: &str, id: ContactId) {
        if let Some(parsed) = SipUri::parse_loose(uri)
            && self.0.get(&parsed) == Some(&id)
        {
            self.0.remove(&parsed);
        }
    }
}
