//! Why the last body of each of a contact's subscriptions could not be
//! read. Almost always there is no such reason, and the store keeps this
//! for every contact and line all day: the reasons live behind one pointer
//! (8 bytes) allocated by the first unreadable body and dropped with the
//! last reason, instead of `N` inline `Option<String>`s (24 bytes each).

/// One reason (or none) per subscription slot `0..N`.
#[derive(Debug)]
pub(crate) struct Reasons<const N: usize>(Option<Box<[Option<Box<str>>; N]>>);

impl<const N: usize> Default for Reasons<N> {
    fn default() -> Self {
        Reasons(None)
    }
}

impl<const N: usize> Reasons<N> {
    /// The reason for slot `i`, if its last body was unreadable.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        self.0.as_ref()?.get(i)?.as_deref()
    }

    pub(crate) fn is_some(&self, i: usize) -> bool {
        self.get(i).is_some()
    }

    /// Slot `i`'s last body was unreadable for `reason`; true when that
    /// is news (a different reason, or none before).
    pub(crate) fn set(&mut self, i: usize, reason: &str) -> bool {
        if i >= N || self.get(i) == Some(reason) {
            return false;
        }
        let all = self.0.get_or_insert_with(|| Box::new([const { None }; N]));
        if let Some(slot) = all.get_mut(i) {
            *slot = Some(reason.into());
        }
        true
    }

    /// Slot `i` read a body: its reason (if any) is gone.
    pub(crate) fn clear(&mut self, i: usize) {
        if let Some(all) = self.0.as_mut() {
            if let Some(slot) = all.get_mut(i) {
                *slot = None;
            }
            if all.iter().all(Option::is_none) {
                self.0 = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Reasons;

    #[test]
    fn a_reason_is_kept_per_slot_and_the_storage_goes_with_the_last() {
        let mut r = Reasons::<4>::default();
        assert_eq!(r.get(1), None);
        assert!(r.set(1, "unreadable dialog document: bad XML"));
        assert!(
            !r.set(1, "unreadable dialog document: bad XML"),
            "same again"
        );
        assert!(r.set(3, "other"));
        assert_eq!(r.get(1), Some("unreadable dialog document: bad XML"));
        assert!(!r.is_some(0) && r.is_some(3));
        r.clear(1);
        assert_eq!(r.get(1), None);
        assert!(r.0.is_some(), "slot 3 still has a reason");
        r.clear(3);
        assert!(r.0.is_none(), "nothing left: nothing allocated");
        assert!(!r.set(9, "out of range"), "never a panic");
        assert_eq!(std::mem::size_of::<Reasons<4>>(), 8);
    }
}
