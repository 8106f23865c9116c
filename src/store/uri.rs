//! Finding a contact by URI: the store's index over
//! [`crate::sip::uri::UriLookup`], so the store compares URIs by the one
//! rule (RFC 3261 19.1.4) that the configuration used to accept them. Two
//! contacts the configuration accepts as different (`sip:a@h` and
//! `sip:a@h:5060`) stay two entries here; NOTIFYs reach a contact through
//! its subscription's dialog, never through this index. The index keeps no
//! URI of its own: a candidate is confirmed against its contact's.

use super::Contact;
use crate::presence::ContactId;
use crate::sip::uri::{NotAdded, UriLookup};

/// Contact URI → contact.
#[derive(Debug, Default)]
pub(crate) struct UriIndex(UriLookup<ContactId>);

/// The URI of contact `id` among `contacts`.
fn uri_of<'a>(contacts: &'a [Contact]) -> impl Fn(ContactId) -> Option<&'a str> {
    |id| contacts.get(id.0 as usize).map(|c| c.info.uri.as_str())
}

impl UriIndex {
    pub fn with_capacity(n: usize) -> Self {
        UriIndex(UriLookup::with_capacity(n))
    }

    /// Index `uri` for `id` (`contacts`: the store's, for the URIs of those
    /// indexed before); a URI that cannot be read, or one the same as an
    /// earlier contact's, is logged and left out (the configuration refuses
    /// both, so this only happens for hand-built stores).
    pub fn add(&mut self, uri: &str, id: ContactId, contacts: &[Contact]) {
        match self.0.insert(uri, id, uri_of(contacts)) {
            Ok(()) => {}
            Err(NotAdded::Unreadable) => {
                tracing::warn!(%uri, "contact URI cannot be looked up");
            }
            Err(NotAdded::Taken(first)) => {
                tracing::warn!(%uri, ?first, "two contacts with one URI: find() returns the first");
            }
        }
    }

    /// The contact whose URI is the same as `uri` (a bare URI or a
    /// name-addr) by RFC 3261 19.1.4.
    pub fn find(&self, uri: &str, contacts: &[Contact]) -> Option<ContactId> {
        self.0.get(uri, uri_of(contacts))
    }

    /// Forget `uri` (a contact retired from the directory), if it is `id`'s.
    pub fn remove(&mut self, uri: &str, id: ContactId) {
        self.0.remove(uri, id);
    }
}
