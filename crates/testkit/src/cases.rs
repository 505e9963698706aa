//! Behaviour cases kept in data files (`testdata/*.toml`).

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A case file: a list of `[[case]]` tables.
#[derive(serde::Deserialize)]
struct File<C> {
    case: Vec<C>,
}

/// The cases of every `*.toml` file of `dir`, files in name order, cases in
/// file order, each with the file it comes from. Panics, naming the file,
/// when one does not read or parse, and when `dir` holds no case at all.
#[track_caller]
pub fn toml_cases<C: DeserializeOwned>(dir: &Path) -> Vec<(PathBuf, C)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file: File<C> =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        cases.extend(file.case.into_iter().map(|c| (path.clone(), c)));
    }
    assert!(!cases.is_empty(), "no [[case]] in {}/*.toml", dir.display());
    cases
}
