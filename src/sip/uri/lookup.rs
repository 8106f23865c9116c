//! URI → small value (a contact id), by the RFC 3261 19.1.4 rule, keeping
//! nothing of the URI itself: its owner (the store's contact, the engine's
//! subscription) already holds the text, and [`UriLookup`] asks for it when
//! a candidate must be confirmed.
//!
//! Why: a [`super::UriMap`] entry keeps the parsed URI (128 bytes inline,
//! plus its scheme, user and host strings): about 290 bytes a contact, 2.9
//! MB for 10,000, and the store and the list engine each kept one. Here an
//! entry is its 64-bit key hash and the value in the table: about 40 bytes.
//! A lookup that finds a candidate reads the owner's text once more: equal
//! text is the same URI at once (a list NOTIFY names a member as the
//! directory does); other text is parsed and compared by the rule.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use super::SipUri;

/// URIs → values; see the module documentation.
#[derive(Debug, Clone)]
pub struct UriLookup<V> {
    hasher: RandomState,
    buckets: HashMap<u64, Bucket<V>>,
}

/// Nearly every key hash names one URI; a second (`sip:a@h;foo=1` beside
/// `sip:a@h;foo=2`, or a hash collision) makes a list.
#[derive(Debug, Clone)]
enum Bucket<V> {
    One(V),
    #[allow(
        clippy::box_collection,
        reason = "a thin pointer keeps every bucket at 16 bytes; a second URI is rare"
    )]
    Many(Box<Vec<V>>),
}

impl<V> Bucket<V> {
    fn values(&self) -> &[V] {
        match self {
            Bucket::One(v) => std::slice::from_ref(v),
            Bucket::Many(vs) => vs,
        }
    }
}

impl<V> Default for UriLookup<V> {
    fn default() -> Self {
        UriLookup {
            hasher: RandomState::new(),
            buckets: HashMap::new(),
        }
    }
}

/// Why [`UriLookup::insert`] left a URI out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAdded<V> {
    /// The text is not a SIP URI (nor a name-addr holding one).
    Unreadable,
    /// A URI the same as this one is there already, with this value.
    Taken(V),
}

impl<V: Copy + PartialEq> UriLookup<V> {
    pub fn with_capacity(n: usize) -> Self {
        UriLookup {
            hasher: RandomState::new(),
            buckets: HashMap::with_capacity(n),
        }
    }

    fn hash(&self, uri: &SipUri) -> u64 {
        self.hasher.hash_one(uri.key())
    }

    /// The value among `bucket`'s whose URI (`uri_of`) is the same as
    /// `uri` (`text` as given).
    fn matching<'a>(
        bucket: &Bucket<V>,
        text: &str,
        uri: &SipUri,
        uri_of: impl Fn(V) -> Option<&'a str>,
    ) -> Option<V> {
        bucket.values().iter().copied().find(|&v| {
            uri_of(v).is_some_and(|own| {
                own == text || SipUri::parse_loose(own).is_some_and(|o| o.same_as(uri))
            })
        })
    }

    /// Adds `text → value` unless a URI the same as it is there already.
    /// `uri_of(v)`: the URI (text) of a value already added, from its owner.
    pub fn insert<'a>(
        &mut self,
        text: &str,
        value: V,
        uri_of: impl Fn(V) -> Option<&'a str>,
    ) -> Result<(), NotAdded<V>> {
        let uri = SipUri::parse_loose(text).ok_or(NotAdded::Unreadable)?;
        self.insert_parsed(text, &uri, value, uri_of)
    }

    /// [`insert`](Self::insert) for a caller that has parsed `text`
    /// already (as `uri`).
    pub fn insert_parsed<'a>(
        &mut self,
        text: &str,
        uri: &SipUri,
        value: V,
        uri_of: impl Fn(V) -> Option<&'a str>,
    ) -> Result<(), NotAdded<V>> {
        let h = self.hash(uri);
        match self.buckets.get_mut(&h) {
            None => {
                self.buckets.insert(h, Bucket::One(value));
                Ok(())
            }
            Some(bucket) => {
                if let Some(v) = Self::matching(bucket, text, uri, uri_of) {
                    return Err(NotAdded::Taken(v));
                }
                match bucket {
                    Bucket::One(first) => *bucket = Bucket::Many(Box::new(vec![*first, value])),
                    Bucket::Many(vs) => vs.push(value),
                }
                Ok(())
            }
        }
    }

    /// The value whose URI is the same as `text`, if any.
    pub fn get<'a>(&self, text: &str, uri_of: impl Fn(V) -> Option<&'a str>) -> Option<V> {
        let uri = SipUri::parse_loose(text)?;
        self.get_parsed(text, &uri, uri_of)
    }

    /// [`get`](Self::get) for a caller that has parsed `text` already.
    pub fn get_parsed<'a>(
        &self,
        text: &str,
        uri: &SipUri,
        uri_of: impl Fn(V) -> Option<&'a str>,
    ) -> Option<V> {
        let bucket = self.buckets.get(&self.hash(uri))?;
        Self::matching(bucket, text, uri, uri_of)
    }

    /// Forgets `value`, added under `text`.
    pub fn remove(&mut self, text: &str, value: V) {
        let Some(uri) = SipUri::parse_loose(text) else {
            return;
        };
        let h = self.hash(&uri);
        let empty = match self.buckets.get_mut(&h) {
            None => return,
            Some(Bucket::One(v)) => *v == value,
            Some(Bucket::Many(vs)) => {
                vs.retain(|v| *v != value);
                vs.is_empty()
            }
        };
        if empty {
            self.buckets.remove(&h);
        }
    }

    pub fn len(&self) -> usize {
        self.buckets.values().map(|b| b.values().len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owners' texts, by value (an index into this table).
    const OWNED: [&str; 6] = [
        "sip:a@h",
        "sip:a@h:5060",
        "SIP:b@H",
        "\"Bee\" <sip:c@h;foo=1>",
        "sip:c@h;foo=2",
        "sip:d@h",
    ];

    fn owner(v: usize) -> Option<&'static str> {
        OWNED.get(v).copied()
    }

    fn filled() -> UriLookup<usize> {
        let mut map = UriLookup::default();
        for (v, text) in OWNED.iter().enumerate().take(5) {
            assert_eq!(map.insert(text, v, owner), Ok(()), "{text}");
        }
        map
    }

    #[test]
    fn finds_by_the_rule_what_the_owner_holds() {
        let map = filled();
        assert_eq!(map.get("sip:a@h", owner), Some(0), "the same text");
        assert_eq!(map.get("sip:a@H", owner), Some(0), "host case");
        assert_eq!(
            map.get("sip:a@h:5060;lr", owner),
            Some(1),
            "the port counts"
        );
        assert_eq!(map.get("sip:b@h", owner), Some(2));
        assert_eq!(
            map.get("sip:A@h", owner),
            None,
            "the user is case-sensitive"
        );
        assert_eq!(map.get("sip:a@h:5070", owner), None);
        assert_eq!(map.get("<sip:c@h;foo=1>", owner), Some(3), "a name-addr");
        assert_eq!(
            map.get("sip:c@h;foo=2", owner),
            Some(4),
            "one key hash, two URIs"
        );
        assert_eq!(map.get("not a uri", owner), None);
        assert_eq!(map.len(), 5);
    }

    #[test]
    fn refuses_a_uri_the_same_as_one_there_and_unreadable_text() {
        let mut map = filled();
        assert_eq!(
            map.insert("sip:a@h;foo=1", 9, owner),
            Err(NotAdded::Taken(0))
        );
        assert_eq!(map.insert("sip:b@h", 9, owner), Err(NotAdded::Taken(2)));
        assert_eq!(map.insert("nothing", 9, owner), Err(NotAdded::Unreadable));
        assert_eq!(map.len(), 5);
    }

    #[test]
    fn a_removed_value_is_found_no_more_and_its_bucket_goes() {
        let mut map = filled();
        map.remove("sip:c@h;foo=1", 3);
        assert_eq!(map.get("sip:c@h;foo=1", owner), None);
        assert_eq!(map.get("sip:c@h;foo=2", owner), Some(4), "the other stays");
        map.remove("sip:c@h", 4);
        map.remove("sip:a@h", 7);
        assert_eq!(map.get("sip:a@h", owner), Some(0), "another value: kept");
        map.remove("sip:a@h", 0);
        map.remove("sip:a@h:5060", 1);
        map.remove("sip:b@h", 2);
        assert!(map.is_empty());
    }

    /// An owner whose text changed since (a stale entry) is not a match:
    /// the lookup always confirms against what the owner holds now.
    #[test]
    fn an_owner_with_other_text_now_is_no_match() {
        let mut map = UriLookup::default();
        let first = |_v: usize| Some("sip:x@h");
        map.insert("sip:x@h", 0, first).unwrap();
        let moved = |_v: usize| Some("sip:y@h");
        assert_eq!(map.get("sip:x@h", moved), None);
        assert_eq!(map.insert("sip:x@h", 1, moved), Ok(()));
    }
}
