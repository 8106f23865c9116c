//! The CSV reader: a header row naming the columns (`name`, `uri`,
//! `extension`, `department`, in any order and case; `ext`, `dept`, `sip`
//! accepted too), then one contact per row. The separator is `,`, or `;`
//! or a tab when the header row uses that instead (spreadsheet exports). Other columns are kept as
//! extras under their header's name. Quoting, CRLF and quoted line breaks
//! are the `csv` crate's; a UTF-8 byte order mark is skipped; each row is
//! checked on its own, so a row that is not UTF-8 or has no URI is one
//! [`Problem`] with its line and the rest loads.

use std::path::Path;

use super::{Entry, Loaded, MAX_EXTRA, Problem, contact_uri, field};
use crate::presence::ContactInfo;

/// What a header column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Name,
    Uri,
    Extension,
    Department,
    Extra(String),
}

impl Column {
    fn of(header: &str) -> Column {
        let h = header.trim();
        match h.to_ascii_lowercase().as_str() {
            "name" | "full name" | "display name" => Column::Name,
            "uri" | "sip" | "sip uri" => Column::Uri,
            "extension" | "ext" => Column::Extension,
            "department" | "dept" => Column::Department,
            _ => Column::Extra(field(h)),
        }
    }
}

pub(super) fn parse(bytes: &[u8], path: &Path) -> Loaded {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(bytes))
        .from_reader(bytes);
    let problem = |line: u64, message: String| Problem {
        path: path.to_path_buf(),
        line: Some(line),
        message,
    };
    let mut out = Loaded::default();
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return out,
        Some(Err(e)) => {
            out.problems
                .push(problem(1, format!("the header row cannot be read ({e})")));
            return out;
        }
        Some(Ok(h)) => h,
    };
    let columns: Vec<Column> = header
        .iter()
        .map(|h| Column::of(&String::from_utf8_lossy(h)))
        .collect();
    let missing: Vec<&str> = [(Column::Name, "name"), (Column::Uri, "uri")]
        .into_iter()
        .filter(|(c, _)| !columns.contains(c))
        .map(|(_, n)| n)
        .collect();
    if !missing.is_empty() {
        out.problems.push(problem(
            1,
            format!(
                "the header row has no {} column: the first row must name the columns, e.g. name,uri,extension,department",
                missing.join(" or ")
            ),
        ));
        return out;
    }
    let mut lines = Lines {
        bytes,
        offset: 0,
        line: 1,
    };
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                out.problems
                    .push(problem(line, format!("cannot be read ({e}); row skipped")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        match row(&columns, &record) {
            Ok(Some(entry)) => out.entries.push(entry),
            Ok(None) => {}
            Err(why) => out
                .problems
                .push(problem(line, format!("{why}; row skipped"))),
        }
    }
    out
}

/// `,` unless the header row has none and has `;` (what spreadsheets
/// write in locales whose decimal mark is a comma) or tabs.
fn delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let has = |c: u8| header.contains(&c);
    match (has(b','), has(b';'), has(b'\t')) {
        (false, true, _) => b';',
        (false, false, true) => b'\t',
        _ => b',',
    }
}

/// Line numbers of records, counted on from the last record (records
/// come in order, so the whole file is scanned once).
struct Lines<'a> {
    bytes: &'a [u8],
    /// Where counting stopped, and the line there.
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    /// The 1-based line a record starting at byte `offset` is on. The
    /// `csv` crate's own line count skips blank lines, and its offset may
    /// point at the line break before the record (and blank lines), so
    /// those are passed first.
    fn at(&mut self, offset: u64) -> u64 {
        let mut end = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while self
            .bytes
            .get(end)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            end += 1;
        }
        if end < self.offset {
            // Not in order (never seen): count from the start.
            (self.offset, self.line) = (0, 1);
        }
        let newlines = self
            .bytes
            .get(self.offset..end)
            .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
        self.line += newlines as u64;
        self.offset = end;
        self.line
    }
}

/// One row: `None` for a blank row.
fn row(columns: &[Column], record: &csv::ByteRecord) -> Result<Option<Entry>, String> {
    if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
        return Ok(None);
    }
    let mut info = ContactInfo {
        name: String::new(),
        uri: String::new(),
        extension: None,
        department: None,
    };
    let mut raw_uri = String::new();
    let mut extra = Vec::new();
    for (i, (column, bytes)) in columns.iter().zip(record.iter()).enumerate() {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            format!(
                "column {} is not UTF-8 (byte {} of the field): save the file as UTF-8",
                i + 1,
                e.valid_up_to() + 1
            )
        })?;
        let value = field(text);
        match column {
            Column::Name => info.name = value,
            Column::Uri => raw_uri = text.to_string(),
            Column::Extension => info.extension = Some(value).filter(|v| !v.is_empty()),
            Column::Department => info.department = Some(value).filter(|v| !v.is_empty()),
            Column::Extra(header) if !value.is_empty() && extra.len() < MAX_EXTRA => {
                extra.push((header.clone(), value));
            }
            Column::Extra(_) => {}
        }
    }
    info.uri = contact_uri(&raw_uri)?;
    if info.name.is_empty() {
        info.name = name_from_uri(&info.uri);
    }
    Ok(Some(Entry { info, extra }))
}

/// A contact without a name is shown by its URI's user part.
pub(super) fn name_from_uri(uri: &str) -> String {
    let rest = uri.split_once(':').map_or(uri, |(_, r)| r);
    field(rest.split_once('@').map_or(rest, |(user, _)| user))
}
