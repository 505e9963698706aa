//! Files of the repository the tests read.

use std::path::{Path, PathBuf};

/// The root of the repository (the workspace).
pub fn repo() -> &'static Path {
    // This crate lives in crates/testkit.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A file of the bundled examples (`examples/REL`).
pub fn example(rel: &str) -> PathBuf {
    repo().join("examples").join(rel)
}

/// The TMX 1.4 DTD (`tmx/spec/tmx14.dtd`).
pub fn tmx_dtd() -> PathBuf {
    repo().join("tmx/spec/tmx14.dtd")
}
