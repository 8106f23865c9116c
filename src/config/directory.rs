//! `[directory]`: the CSV and vCard files contacts are also read from
//! (`csv = "staff.csv"` or a list, `vcard = ...`). A relative path is
//! relative to the configuration file's folder, so the same file works
//! from any working directory. Only the names are checked here: a file that
//! does not exist yet is not an error (it is reported in the console's
//! message line and loaded once it appears, see `runtime::directory`).

use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::{Paths, RawDirectory};
use super::sections::Reader;
use crate::directory::Sources;

/// The `[directory]` table, its paths resolved against `config_path`'s folder.
pub(super) fn check_directory(r: &mut Reader<'_, '_>, config_path: &Path) -> Sources {
    let Some(raw) = r
        .table::<RawDirectory>("directory")
        .map(Spanned::into_inner)
    else {
        return Sources::default();
    };
    let base = config_path.parent().unwrap_or(Path::new(""));
    Sources {
        csv: paths(r, raw.csv, "directory.csv", base),
        vcard: paths(r, raw.vcard, "directory.vcard", base),
    }
}

fn paths(
    r: &mut Reader<'_, '_>,
    raw: Option<Spanned<Paths>>,
    key: &str,
    base: &Path,
) -> Vec<PathBuf> {
    let Some(raw) = raw else { return Vec::new() };
    let span = raw.span();
    let mut out = Vec::new();
    for p in raw.into_inner().0 {
        if p.trim().is_empty() || p.contains('\0') {
            let example = super::schema::example(key).unwrap_or("");
            let e = r.src.invalid(
                span.clone(),
                key,
                format!("a file name is empty; write the path of the file, e.g. {example}"),
            );
            r.push(e);
            continue;
        }
        let path = Path::new(&p);
        out.push(if path.is_absolute() {
            path.to_path_buf()
        } else {
            base.join(path)
        });
    }
    out
}
