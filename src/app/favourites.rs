//! `favourites.toml` in the data directory: the contacts the operator keeps
//! in the favourites group, by URI.
//!
//! ```toml
//! favourites = ["sip:alice@example.com", "sip:bob@example.com"]
//! ```

use serde::{Deserialize, Serialize};

/// The file name inside the data directory.
pub const FILE_NAME: &str = "favourites.toml";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    favourites: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{FILE_NAME}: {0}")]
pub struct FavouritesError(String);

pub fn parse(text: &str) -> Result<Vec<String>, FavouritesError> {
    toml::from_str::<File>(text)
        .map(|f| f.favourites)
        .map_err(|e| FavouritesError(e.to_string().trim_end().to_string()))
}

pub fn to_toml(uris: &[String]) -> String {
    let body = toml::to_string(&File {
        favourites: uris.to_vec(),
    })
    .unwrap_or_default();
    format!("# Switchboard favourites (contact URIs), written by the console.\n{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let uris = vec![
            "sip:alice@example.com".to_string(),
            "sip:b\"ob@example.com".to_string(),
        ];
        assert_eq!(parse(&to_toml(&uris)).unwrap(), uris);
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        let e = parse("favourites = 3").unwrap_err().to_string();
        assert!(
            e.starts_with("favourites.toml:") && e.contains("favourites"),
            "{e}"
        );
    }
}
