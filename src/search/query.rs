//! Parsing the search box into terms, and deciding when a new query can be
//! answered by re-matching only the previous results.
//!
//! Syntax: whitespace separates terms; every term must match (any order).
//! A plain term is fuzzy-matched against the name, extension, department,
//! URI user part, note and a directory file's extra columns: the first of
//! these it matches gives its score.
//! `is:available` etc. are state filters, not text (`state.rs`).
//! `key:value` restricts a term to one column: `name:` (fuzzy),
//! `ext:`/`extension:` (prefix), `dept:`/`department:`, `uri:` (the whole
//! URI; also `sip:`/`sips:`, so a pasted URI works) and `note:`
//! (substring). Keys are
//! case-insensitive; values use smart case (lowercase ignores case) and
//! smart normalization (`e` matches `é`). nucleo's atom syntax applies to
//! values: `'exact`, `^prefix`, `suffix$`, `!not`.

use nucleo::pattern::{Atom, AtomKind, CaseMatching, Normalization};

use super::fast::InOrder;
use super::index::{Col, char_bit, strip_scheme};

/// One whitespace-separated piece of the query.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// The token as typed (used to compare queries).
    raw: String,
    /// `None`: any of [`Col::FREE`], the first that matches counts.
    pub(crate) col: Option<Col>,
    /// `None`: nothing to match (e.g. `dept:` while typing), matches all.
    pub(crate) atom: Option<Atom>,
    /// Characters a column must contain for the needle to match it.
    pub(crate) mask: u64,
    /// A positive fuzzy needle of one ASCII char: the char and whether case
    /// is ignored (smart case), for the fast path.
    pub(crate) one_char: Option<(u8, bool)>,
    /// A positive fuzzy needle of 2 to 31 ASCII chars, as a quick
    /// "in order?" check run before nucleo.
    pub(crate) in_order: Option<Box<InOrder>>,
    /// The needle with one pair of adjacent characters swapped, tried when
    /// the needle itself does not match (fuzzy terms only), each with its
    /// quick check.
    pub(crate) typos: Vec<(Atom, Option<Box<InOrder>>)>,
}

/// A parsed query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub(crate) terms: Vec<Term>,
    /// The `is:` filters (applied by the console, see `state.rs`).
    pub(crate) states: Vec<super::state::StateFilter>,
    /// Tells this parse from every other (what a worker remembers per
    /// distinct text is for one query only); 0 for none.
    pub(crate) serial: u64,
}

fn column_key(key: &str) -> Option<Col> {
    const KEYS: [(&str, Col); 9] = [
        ("name", Col::Name),
        ("ext", Col::Extension),
        ("extension", Col::Extension),
        ("dept", Col::Department),
        ("department", Col::Department),
        ("uri", Col::Uri),
        ("sip", Col::Uri),
        ("sips", Col::Uri),
        ("note", Col::Note),
    ];
    KEYS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|&(_, c)| c)
}

/// The kind a column filter uses when the value has no explicit syntax.
fn column_kind(col: Option<Col>, parsed: AtomKind) -> AtomKind {
    match (col, parsed) {
        (None | Some(Col::Name), kind) => kind,
        (Some(Col::Extension), AtomKind::Fuzzy) => AtomKind::Prefix,
        // `ext:12$`: the whole extension.
        (Some(Col::Extension), AtomKind::Postfix) => AtomKind::Exact,
        (Some(_), AtomKind::Fuzzy) => AtomKind::Substring,
        (Some(_), kind) => kind,
    }
}

fn needle_mask(atom: &Atom) -> u64 {
    atom.needle_text().chars().fold(0, |m, c| m | char_bit(c))
}

/// Longer needles get no typo variants (a pasted blob is not typed).
const MAX_TYPO_NEEDLE: usize = 32;

/// The quick check of a positive fuzzy needle of ASCII chars.
fn in_order(atom: &Atom) -> Option<Box<InOrder>> {
    match atom.needle_text() {
        nucleo::Utf32Str::Ascii(needle) if !atom.negative && atom.kind == AtomKind::Fuzzy => {
            InOrder::new(needle)
        }
        _ => None,
    }
}

/// Every distinct needle obtained by swapping two adjacent characters.
fn transpositions(atom: &Atom) -> Vec<(Atom, Option<Box<InOrder>>)> {
    let needle: Vec<char> = atom.needle_text().chars().collect();
    let mut out: Vec<(Atom, Option<Box<InOrder>>)> = Vec::new();
    if needle.len() > MAX_TYPO_NEEDLE {
        return out;
    }
    for i in 1..needle.len() {
        if needle[i - 1] == needle[i] {
            continue;
        }
        let mut swapped = needle.clone();
        swapped.swap(i - 1, i);
        let text: String = swapped.into_iter().collect();
        let variant = Atom::new(
            &text,
            CaseMatching::Smart,
            Normalization::Smart,
            AtomKind::Fuzzy,
            false,
        );
        if !out.iter().any(|(a, _)| *a == variant) {
            let quick = in_order(&variant);
            out.push((variant, quick));
        }
    }
    out
}

impl Term {
    fn parse(token: &str) -> Term {
        let (negated, body) = match token.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, token),
        };
        let (col, value) = match body.split_once(':') {
            Some((key, value)) => match column_key(key) {
                Some(Col::Uri) => (Some(Col::Uri), strip_scheme(value)),
                Some(col) => (Some(col), value),
                None => (None, token),
            },
            None => (None, token),
        };
        let value = match (col.is_some() && negated, value) {
            (true, v) => format!("!{v}"),
            (false, v) => v.to_owned(),
        };
        let mut atom = Atom::parse(&value, CaseMatching::Smart, Normalization::Smart);
        atom.kind = column_kind(col, atom.kind);
        let atom = (!atom.needle_text().is_empty()).then_some(atom);
        let mask = atom.as_ref().map_or(0, needle_mask);
        let typos = match &atom {
            Some(a) if !a.negative && a.kind == AtomKind::Fuzzy => transpositions(a),
            _ => Vec::new(),
        };
        let one_char = match &atom {
            Some(a) if !a.negative && a.kind == AtomKind::Fuzzy => match a.needle_text() {
                nucleo::Utf32Str::Ascii(&[c]) => Some((c, !c.is_ascii_uppercase())),
                _ => None,
            },
            _ => None,
        };
        let in_order = atom.as_ref().and_then(in_order);
        Term {
            raw: token.to_owned(),
            col,
            atom,
            mask,
            one_char,
            in_order,
            typos,
        }
    }

    /// Does every doc matching `self` also match `old`, given that `self` was
    /// typed by appending to `old`?
    fn extends(&self, old: &Term) -> bool {
        let Some(old_atom) = &old.atom else {
            return true; // the old term matched everything
        };
        let Some(new_atom) = &self.atom else {
            return false;
        };
        self.col == old.col
            && !old_atom.negative
            && !new_atom.negative
            && matches!(
                old_atom.kind,
                AtomKind::Fuzzy | AtomKind::Substring | AtomKind::Prefix
            )
            && !old.raw.ends_with('\\')
            && self.raw.starts_with(&old.raw)
    }
}

impl Query {
    pub(crate) fn parse(text: &str) -> Query {
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let mut query = Query {
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ..Query::default()
        };
        for token in text.split_whitespace() {
            match super::state::is_term(token) {
                Some(filter) => query.states.extend(filter),
                None => query.terms.push(Term::parse(token)),
            }
        }
        query
    }

    /// True when no term restricts anything (blank, or only `dept:` etc.).
    pub(crate) fn matches_all(&self) -> bool {
        self.terms.iter().all(|t| t.atom.is_none())
    }

    /// Same words as `old`, in the same order (the text may differ in
    /// spaces and `is:` filters): the same docs match, with the same scores.
    pub(crate) fn same_words(&self, old: &Query) -> bool {
        self.terms.len() == old.terms.len()
            && self
                .terms
                .iter()
                .zip(&old.terms)
                .all(|(n, o)| n.raw == o.raw)
    }

    /// Can the results of `self` be computed by re-matching only the results
    /// of `old`? True when `self` is `old` with more typed at the end (last
    /// term longer, or new terms) and no term could match more than before.
    pub(crate) fn narrows(&self, old: &Query) -> bool {
        if old.matches_all() || self.terms.len() < old.terms.len() {
            return false;
        }
        let last = old.terms.len().saturating_sub(1);
        old.terms
            .iter()
            .zip(&self.terms)
            .enumerate()
            .all(|(i, (o, n))| o.atom.is_none() || n.raw == o.raw || (i == last && n.extends(o)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn narrows(old: &str, new: &str) -> bool {
        Query::parse(new).narrows(&Query::parse(old))
    }

    #[test]
    fn column_keys_are_case_insensitive_and_set_the_match_kind() {
        let q = Query::parse("DEPT:sales Ext:10 sip:alice@x name:al bob");
        let kinds: Vec<_> = q
            .terms
            .iter()
            .map(|t| (t.col, t.atom.as_ref().map(|a| a.kind)))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Some(Col::Department), Some(AtomKind::Substring)),
                (Some(Col::Extension), Some(AtomKind::Prefix)),
                (Some(Col::Uri), Some(AtomKind::Substring)),
                (Some(Col::Name), Some(AtomKind::Fuzzy)),
                (None, Some(AtomKind::Fuzzy)),
            ]
        );
        assert!(Query::parse("dept: ext:").matches_all());
        assert!(Query::parse("http://x").terms[0].col.is_none());
    }

    #[test]
    fn negation_before_or_after_the_key() {
        for q in ["!dept:sales", "dept:!sales"] {
            let t = &Query::parse(q).terms[0];
            assert_eq!(t.col, Some(Col::Department), "{q}");
            assert!(t.atom.as_ref().is_some_and(|a| a.negative), "{q}");
        }
    }

    #[test]
    fn typing_more_narrows_but_editing_does_not() {
        assert!(narrows("s", "sm"));
        assert!(narrows("smi", "smith jo"));
        assert!(narrows("smith dept:", "smith dept:s"));
        assert!(!narrows("dept:", "dept:s"), "nothing to narrow from");
        assert!(narrows("ext:1", "ext:10"));
        assert!(narrows("smith", "smith$"));
        assert!(!narrows("smith", "smit"));
        assert!(!narrows("", "s"));
        assert!(!narrows("dept", "dept:"));
        assert!(!narrows("!fo", "!foo"));
        assert!(!narrows("fo\\", "fo\\$"));
        assert!(!narrows("smith$", "smith$x"));
        assert!(!narrows("ab cd", "ab cx"));
    }

    #[test]
    fn spaces_and_state_filters_keep_the_words() {
        let same = |a: &str, b: &str| Query::parse(b).same_words(&Query::parse(a));
        assert!(same("sales", "sales "));
        assert!(same("dept:sales ", "dept:sales is:av"));
        assert!(same("dept:sales is:", "dept:sales  is:available"));
        assert!(
            !same("dept:sales is", "dept:sales is:"),
            "the word `is` went"
        );
        assert!(!same("sales", "sales h"));
        assert!(
            !same("sales home", "home sales"),
            "another query, not compared"
        );
    }

    #[test]
    fn transpositions_skip_equal_pairs() {
        let t = Term::parse("anna");
        let needles: Vec<String> = t
            .typos
            .iter()
            .map(|(a, _)| a.needle_text().to_string())
            .collect();
        assert_eq!(needles, vec!["nana", "anan"]);
    }
}
