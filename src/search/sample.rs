//! A deterministic synthetic directory, for benchmarks and tests of the
//! search (no randomness source of its own: the caller passes a seed).

use super::SearchDoc;
use crate::presence::ContactId;

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Karl",
    "Laura", "Mallory", "Niaj", "Olivia", "Peggy", "Quentin", "Rupert", "Sybil", "Trent", "Ursula",
    "Victor", "Walter", "Xena", "Yvonne", "Zoë", "José", "Ángel", "Søren", "Ines", "Mohammed",
    "Wei", "Priya", "Hiroshi", "Fatima", "Lars", "Sanjay", "Chloé", "Björn", "Samantha", "Simon",
    "Sophie", "Stefan", "Susan", "Mike", "Mia", "Tom", "Tina", "Oliver", "Emma", "Noah", "Liam",
    "Ava", "Lucas", "Ella", "Jonas", "Nora", "Hugo", "Ida", "Max",
];

const LAST: &[&str] = &[
    "Smith",
    "Smythe",
    "Schmidt",
    "Smithers",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Ødegaard",
    "Núñez",
    "Müller",
    "Østergård",
    "Kowalski",
    "Novák",
    "Yamamoto",
    "Okafor",
    "Svensson",
    "Dubois",
    "Rossi",
];

const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Support",
    "Engineering",
    "Finance",
    "Human Resources",
    "Marketing",
    "Legal",
    "Logistics",
    "Reception",
    "Facilities",
    "IT Operations",
    "Customer Success",
    "Procurement",
    "Research",
    "Executive Office",
];

const NOTES: &[&str] = &[
    "In a meeting until 3pm",
    "Lunch",
    "Working from home",
    "On holiday until Monday",
    "Do not disturb",
    "Back in 10 minutes",
    "At the Berlin office",
    "Training all day",
    "Customer visit",
    "Call me on mobile",
];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        let i = (self.next() % list.len().max(1) as u64) as usize;
        list.get(i).copied().unwrap_or("")
    }
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ë' | 'é' => Some('e'),
            'ø' | 'Ø' | 'ö' => Some('o'),
            'Á' | 'á' | 'å' => Some('a'),
            'ü' => Some('u'),
            'ñ' => Some('n'),
            _ => None,
        })
        .collect()
}

/// `n` contacts with varied names, departments, unique extensions (from
/// 1000 up), `sip:first.last.N@example.com` URIs and a note on about a third.
/// The same `seed` gives the same directory.
pub fn directory(n: usize, seed: u64) -> Vec<SearchDoc> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let first = rng.pick(FIRST);
            let last = rng.pick(LAST);
            let department = rng.pick(DEPARTMENTS).to_owned();
            let note = if rng.next().is_multiple_of(3) {
                rng.pick(NOTES).to_owned()
            } else {
                String::new()
            };
            SearchDoc {
                id: ContactId(u32::try_from(i).unwrap_or(u32::MAX)),
                name: format!("{first} {last}"),
                extension: (1000 + i).to_string(),
                department,
                uri: format!(
                    "sip:{}.{}.{i}@example.com",
                    ascii_slug(first),
                    ascii_slug(last)
                ),
                note,
                extra: String::new(),
            }
        })
        .collect()
}

/// The atom nucleo builds for one typed word (fuzzy, smart case and
/// normalization): what the search's own scorers are held to in tests.
pub fn fuzzy_atom(needle: &str) -> nucleo::pattern::Atom {
    use nucleo::pattern::{Atom, AtomKind, CaseMatching, Normalization};
    Atom::new(
        needle,
        CaseMatching::Smart,
        Normalization::Smart,
        AtomKind::Fuzzy,
        false,
    )
}
