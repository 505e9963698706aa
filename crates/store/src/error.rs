use std::path::PathBuf;

/// Everything that can go wrong in the store.
///
/// Each message names the store and says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sled database failed (I/O error, disk full, damaged log…).
    #[error("store database error: {0}")]
    Db(#[from] sled::Error),
    /// A file next to the database could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// Another process (or another handle in this process) has the store open.
    #[error(
        "store {} is locked by {}: only one process may open it at a time; \
         wait for that one to finish, or stop it",
        path.display(),
        match pid { Some(pid) => format!("process {pid}"), None => "another process".to_string() }
    )]
    Locked {
        /// The store directory.
        path: PathBuf,
        /// The process holding it, as its lock file says.
        pid: Option<u32>,
    },
    /// The store was written by a version of tmkit with another on-disk format.
    #[error(
        "store {} has format version {found}, this tmkit reads version {expected}: \
         export it to TMX with the tmkit that wrote it (`tmkit export`), then import \
         that file into a new store with this one",
        path.display()
    )]
    FormatVersion {
        /// The store directory.
        path: PathBuf,
        /// The version found on disk.
        found: u32,
        /// The version this crate reads and writes.
        expected: u32,
    },
    /// The directory holds a sled database that is not a tmkit store.
    #[error(
        "{} holds a database that is not a tmkit store (no format version): \
         give the path of a tmkit store, or a new directory",
        path.display()
    )]
    NotAStore {
        /// The directory.
        path: PathBuf,
    },
    /// A stored value could not be decoded.
    #[error("store is damaged: {what}; run `tmkit check` to list the faults")]
    Corrupt {
        /// What was wrong, and where.
        what: String,
    },
    /// No import has this id.
    #[error("no import {id} in this store (see `tmkit stats` for the imports it holds)")]
    UnknownImport {
        /// The id asked for.
        id: u64,
    },
    /// The import was already committed or aborted.
    #[error("import {id} is {state}, not open: start a new import")]
    ImportClosed {
        /// The import.
        id: u64,
        /// Its state, e.g. `committed`.
        state: &'static str,
    },
    /// A delete was asked with a filter that selects everything.
    #[error(
        "refusing to delete every unit: give an id, an import, a language, a date range or a prop"
    )]
    EmptyFilter,
}

/// A `Result` whose error is the store's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn corrupt(what: impl Into<String>) -> Error {
    Error::Corrupt { what: what.into() }
}
