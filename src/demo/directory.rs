//! The demo office's people: the directory in `assets/demo-directory.tsv`
//! (about 200 invented colleagues) and, for load tests, deterministic extra
//! people synthesised from its names.
//!
//! The asset is a tab-separated file: `user`, display name, extension,
//! department; `#` starts a comment line. A person's URI is
//! `sip:<user>@<domain>`; `user` is ASCII, the display name may be any
//! script.

use std::collections::HashSet;

use crate::presence::ContactInfo;

/// The directory shipped with the binary.
pub const DIRECTORY_TSV: &str = include_str!("../../assets/demo-directory.tsv");

/// One person of the demo office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The user part of the URI (ASCII).
    pub user: String,
    /// The display name (any script).
    pub name: String,
    pub extension: String,
    pub department: String,
}

impl Person {
    /// `sip:<user>@<domain>`.
    pub fn uri(&self, domain: &str) -> String {
        format!("sip:{}@{}", self.user, domain)
    }

    /// The person as the console's configuration sees a contact.
    pub fn contact_info(&self, domain: &str) -> ContactInfo {
        ContactInfo {
            name: self.name.clone(),
            uri: self.uri(domain),
            extension: Some(self.extension.clone()),
            department: Some(self.department.clone()),
        }
    }
}

/// A directory line we cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error(
        "directory line {line}: expected 4 tab-separated fields (user, name, extension, department), found {found}"
    )]
    Fields { line: usize, found: usize },
    #[error(
        "directory line {line}: user {user:?} must be non-empty ASCII letters, digits, '.', '-' or '_'"
    )]
    BadUser { line: usize, user: String },
    #[error("directory line {line}: empty {field}")]
    Empty { line: usize, field: &'static str },
    #[error("directory line {line}: user {user:?} appears twice")]
    Duplicate { line: usize, user: String },
}

/// Parses a directory file (see the module documentation).
pub fn parse(text: &str) -> Result<Vec<Person>, DirectoryError> {
    let mut people = Vec::new();
    let mut seen = HashSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_end_matches('\r');
        if trimmed.trim().is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = trimmed.split('\t').map(str::trim).collect();
        let [user, name, extension, department] = fields.as_slice() else {
            return Err(DirectoryError::Fields {
                line,
                found: fields.len(),
            });
        };
        if !valid_user(user) {
            return Err(DirectoryError::BadUser {
                line,
                user: user.to_string(),
            });
        }
        for (field, value) in [
            ("name", name),
            ("extension", extension),
            ("department", department),
        ] {
            if value.is_empty() {
                return Err(DirectoryError::Empty { line, field });
            }
        }
        if !seen.insert(user.to_string()) {
            return Err(DirectoryError::Duplicate {
                line,
                user: user.to_string(),
            });
        }
        people.push(Person {
            user: user.to_string(),
            name: name.to_string(),
            extension: extension.to_string(),
            department: department.to_string(),
        });
    }
    Ok(people)
}

fn valid_user(user: &str) -> bool {
    !user.is_empty()
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The shipped directory, cut or extended to `contacts` people (`0`: as is).
pub fn load(contacts: usize) -> Result<Vec<Person>, DirectoryError> {
    let base = parse(DIRECTORY_TSV)?;
    Ok(sized(base, contacts))
}

/// `base` cut to `contacts` people, or extended with synthesised ones
/// (`0`: `base` as is).
pub fn sized(mut base: Vec<Person>, contacts: usize) -> Vec<Person> {
    if contacts == 0 || contacts == base.len() {
        return base;
    }
    if contacts < base.len() {
        base.truncate(contacts);
        return base;
    }
    let extra = synthesise(&base, contacts - base.len());
    base.extend(extra);
    base
}

/// `count` extra people, deterministic (the same for every seed): given
/// and family names recombined from the Latin-script names of `base`,
/// five-digit extensions from 20000, departments in `base`'s proportions.
/// Users and display names are unique, also against `base`.
pub fn synthesise(base: &[Person], count: usize) -> Vec<Person> {
    let mut givens: Vec<(&str, &str)> = Vec::new();
    let mut families: Vec<(&str, &str)> = Vec::new();
    for p in base {
        let Some((given, family)) = p.name.split_once(' ') else {
            continue;
        };
        let Some((given_user, family_user)) = p.user.split_once('.') else {
            continue;
        };
        // Only names written given-name first in Latin script recombine
        // sensibly (CJK names in the asset are family-name first).
        if !p.name.chars().all(|c| (c as u32) < 0x250 || c == ' ') || family.contains(' ') {
            continue;
        }
        if !givens.iter().any(|(g, _)| *g == given) {
            givens.push((given, given_user));
        }
        if !families.iter().any(|(f, _)| *f == family) {
            families.push((family, family_user));
        }
    }
    if givens.is_empty() || families.is_empty() {
        givens = vec![("Demo", "demo")];
        families = vec![("Person", "person")];
    }
    let mut users: HashSet<String> = base.iter().map(|p| p.user.clone()).collect();
    let mut names: HashSet<String> = base.iter().map(|p| p.name.clone()).collect();
    let mut out = Vec::with_capacity(count);
    let (g_len, f_len) = (givens.len(), families.len());
    let mut k = 0usize;
    while out.len() < count {
        let n = out.len();
        // Walk the grid of combinations in a scrambled but fixed order;
        // once exhausted, number the names.
        let round = k / (g_len * f_len);
        let (gi, fi) = (k % g_len, (k / g_len * 7 + k) % f_len);
        k += 1;
        let (Some(&(given, gu)), Some(&(family, fu))) = (givens.get(gi), families.get(fi)) else {
            continue;
        };
        let (name, user) = if round == 0 {
            (format!("{given} {family}"), format!("{gu}.{fu}"))
        } else {
            (
                format!("{given} {family} {}", round + 1),
                format!("{gu}.{fu}{}", round + 1),
            )
        };
        if users.contains(&user) || names.contains(&name) {
            continue;
        }
        let department = base
            .get(n % base.len().max(1))
            .map(|p| p.department.clone())
            .unwrap_or_else(|| "Staff".to_string());
        users.insert(user.clone());
        names.insert(name.clone());
        out.push(Person {
            user,
            name,
            extension: (20000 + n).to_string(),
            department,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_directory_has_about_200_varied_people() {
        let people = load(0).expect("the shipped directory parses");
        assert!(
            (180..=220).contains(&people.len()),
            "{} people",
            people.len()
        );
        let non_ascii = people.iter().filter(|p| !p.name.is_ascii()).count();
        assert!(non_ascii >= 20, "only {non_ascii} non-ASCII names");
        // Some names outside Latin script (CJK, Greek, Cyrillic).
        assert!(people.iter().any(|p| {
            p.name
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        }));
        assert!(people.iter().any(|p| {
            p.name
                .chars()
                .any(|c| ('\u{0370}'..='\u{03ff}').contains(&c))
        }));
        let departments: HashSet<&str> = people.iter().map(|p| p.department.as_str()).collect();
        assert!(departments.len() >= 8, "{departments:?}");
        let extensions: HashSet<&str> = people.iter().map(|p| p.extension.as_str()).collect();
        assert_eq!(extensions.len(), people.len(), "extensions are unique");
        let names: HashSet<&str> = people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), people.len(), "names are unique");
    }

    #[test]
    fn contact_info_uses_domain() {
        let people = load(3).unwrap();
        assert_eq!(people.len(), 3);
        let c = people[0].contact_info("127.0.0.1");
        assert_eq!(c.uri, format!("sip:{}@127.0.0.1", people[0].user));
        assert_eq!(c.name, people[0].name);
        assert!(c.extension.is_some() && c.department.is_some());
    }

    #[test]
    fn ten_thousand_people_are_unique_and_deterministic() {
        let a = load(10_000).unwrap();
        let b = load(10_000).unwrap();
        assert_eq!(a.len(), 10_000);
        assert_eq!(a, b);
        let users: HashSet<&str> = a.iter().map(|p| p.user.as_str()).collect();
        let names: HashSet<&str> = a.iter().map(|p| p.name.as_str()).collect();
        let exts: HashSet<&str> = a.iter().map(|p| p.extension.as_str()).collect();
        assert_eq!(
            (users.len(), names.len(), exts.len()),
            (10_000, 10_000, 10_000)
        );
        assert!(a.iter().all(|p| valid_user(&p.user)));
        // The first 200-odd are the shipped directory unchanged.
        assert_eq!(a[..load(0).unwrap().len()], load(0).unwrap()[..]);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        assert_eq!(
            parse("# c\nann\tAnn\t1\n"),
            Err(DirectoryError::Fields { line: 2, found: 3 })
        );
        assert_eq!(
            parse("an n\tAnn\t1\tX\n"),
            Err(DirectoryError::BadUser {
                line: 1,
                user: "an n".into()
            })
        );
        assert_eq!(
            parse("ann\tAnn\t1\tX\nann\tAnn B\t2\tX\n"),
            Err(DirectoryError::Duplicate {
                line: 2,
                user: "ann".into()
            })
        );
        assert_eq!(
            parse("ann\t\t1\tX\n"),
            Err(DirectoryError::Empty {
                line: 1,
                field: "name"
            })
        );
    }
}
